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

    It 'separate processes (Start-Job, or one pwsh per input as a batch scheduler starts them) give the same result' {
        $stores = Join-Path $work 'process-stores'
        New-Item -ItemType Directory -Path $stores | Out-Null
        # Start-Job runs each job in its own pwsh process: nothing is shared with this one but the files.
        $jobs = foreach ($batch in $inputs[0]) {
            Start-Job -ArgumentList $batch.FullName, (Join-Path $stores "$($batch.Name).jsonl") -ScriptBlock {
                param($folder, $store)
                $ErrorActionPreference = 'Stop'
                Get-ChildItem -LiteralPath $folder -File | Get-FaceEncoding -ThrottleLimit 1 | Export-FaceEncoding -OutputPath $store
                "pid $PID"
            }
        }
        $jobOutput = $jobs | Receive-Job -Wait -AutoRemoveJob -ErrorAction Stop
        # A scheduler (cron, Slurm, a CI matrix) starts a plain pwsh per input; here, all at once.
        $scheduled = foreach ($batch in $inputs[1..($inputs.Count - 1)]) {
            $start = [Diagnostics.ProcessStartInfo]::new($Pwsh)
            $command = "`$ErrorActionPreference = 'Stop'; Get-ChildItem -LiteralPath '$($batch.FullName)' -File | Get-FaceEncoding -ThrottleLimit 1 | Export-FaceEncoding -OutputPath '$(Join-Path $stores "$($batch.Name).jsonl")'"
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', $command) { $start.ArgumentList.Add($argument) }
            $start.Environment['PSModulePath'] = $env:PSModulePath
            $start.RedirectStandardError = $true
            [Diagnostics.Process]::Start($start)
        }
        foreach ($process in $scheduled) {
            $errors = $process.StandardError.ReadToEnd()
            $process.WaitForExit()
            $process.ExitCode | Should -Be 0 -Because $errors
        }
        $jobOutput | Should -Match '^pid \d+$'
        $jobOutput | Should -Not -Be "pid $PID"
        (Get-ChildItem -LiteralPath $stores -Filter *.jsonl).Count | Should -Be $inputs.Count

        $all = Join-Path $work 'processes.jsonl'
        Merge-FaceEncoding -Path (Join-Path $stores '*.jsonl') -OutputPath $all | Out-Null
        $merged = Import-FaceEncoding -LiteralPath $all
        ($merged.Id | Sort-Object) | Should -Be ($single.Id | Sort-Object)
        $byId = @{}; foreach ($face in $single) { $byId[$face.Id] = $face }
        foreach ($face in $merged) { $face.Descriptor | Should -Be $byId[$face.Id].Descriptor }
        $people = Invoke-FaceClustering -LiteralPath $all
        $assignment = { param($clusters) ($clusters | ForEach-Object { ($_.Faces.Id | Sort-Object) -join ',' } | Sort-Object) -join ' | ' }
        (& $assignment $people) | Should -Be (& $assignment $singlePeople)
    }
}
