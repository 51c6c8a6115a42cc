# The scale-out recipe of README and about_FaceCluster: encode inputs in parallel (threads here; processes, remoting
# or a batch scheduler take the same shape), each job writing its own store, then Merge-FaceEncoding and cluster once.
# The result must equal encoding everything in one process.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    Import-Module FaceCluster
    $script:work = New-TestFolder 'scale'
    # Two "videos'" worth of input: two folders of real demo photos.
    $script:inputs = foreach ($batch in @{ Name = 'a'; Photos = 'sample1.jpg', 'sample2.jpg' }, @{ Name = 'b'; Photos = 'sample3.jpg', 'sample4.jpg' }) {
        $folder = Join-Path $work 'inputs' $batch.Name
        New-Item -ItemType Directory -Path $folder | Out-Null
        foreach ($photo in $batch.Photos) { Copy-Item -LiteralPath (Join-Path $DemoPhotos $photo) -Destination $folder }
        Get-Item -LiteralPath $folder
    }
    # One process, one pipeline: the reference.
    $script:single = $inputs | ForEach-Object { Get-ChildItem -LiteralPath $_.FullName -File } | Get-FaceEncoding -ThrottleLimit 2
    $script:singlePeople = $single | Invoke-FaceClustering
}
AfterAll { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Encode in parallel, merge, cluster once' {
    It 'ForEach-Object -Parallel: one store per input, merged, gives the same faces and people as one process' {
        $stores = Join-Path $work 'stores'
        New-Item -ItemType Directory -Path $stores | Out-Null
        # The recipe as documented: each parallel runspace autoloads the module and writes its own store.
        $inputs | ForEach-Object -ThrottleLimit 2 -Parallel {
            Get-ChildItem -LiteralPath $_.FullName -File | Get-FaceEncoding -ThrottleLimit 1 |
                Export-FaceEncoding -OutputPath (Join-Path $using:stores "$($_.Name).jsonl") -Force
        }
        (Get-ChildItem -LiteralPath $stores -Filter *.jsonl).Count | Should -Be 2
        $all = Join-Path $work 'all.jsonl'
        $summary = Merge-FaceEncoding -Path (Join-Path $stores '*.jsonl') -OutputPath $all -Force
        $merged = Import-FaceEncoding -LiteralPath $all
        $people = Invoke-FaceClustering -LiteralPath $all

        $merged.Count | Should -Be $single.Count
        ($merged.Id | Sort-Object) | Should -Be ($single.Id | Sort-Object)
        $byId = @{}; foreach ($face in $single) { $byId[$face.Id] = $face }
        foreach ($face in $merged) { $face.Descriptor | Should -Be $byId[$face.Id].Descriptor }
        $assignment = { param($clusters) ($clusters | ForEach-Object { ($_.Faces.Id | Sort-Object) -join ',' } | Sort-Object) -join ' | ' }
        (& $assignment $people) | Should -Be (& $assignment $singlePeople)
        @($people).Count | Should -Be @($singlePeople).Count
    }

    It 'Start-ThreadJob takes the same shape' {
        $stores = Join-Path $work 'job-stores'
        New-Item -ItemType Directory -Path $stores | Out-Null
        $jobs = foreach ($batch in $inputs) {
            Start-ThreadJob -ArgumentList $batch.FullName, (Join-Path $stores "$($batch.Name).jsonl") -ScriptBlock {
                param($folder, $store)
                Get-ChildItem -LiteralPath $folder -File | Get-FaceEncoding -ThrottleLimit 1 | Export-FaceEncoding -OutputPath $store
            }
        }
        $jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        $people = Get-ChildItem -LiteralPath $stores -Filter *.jsonl | Import-FaceEncoding | Invoke-FaceClustering
        $assignment = { param($clusters) ($clusters | ForEach-Object { ($_.Faces.Id | Sort-Object) -join ',' } | Sort-Object) -join ' | ' }
        (& $assignment $people) | Should -Be (& $assignment $singlePeople)
    }
}
