# Issue 11, the dataset half, as a user meets it in pwsh: the labelling walk-through survives a rerun, a copied work
# folder writes each face once, kill -9 and Ctrl+C at several points of every writer followed by the next command give
# the uninterrupted dataset byte for byte, and hostile or broken datasets give clear errors and touch nothing outside.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    Import-Module FaceCluster
    $script:work = New-TestFolder 'dataset-trust'
    $script:photos = Join-Path $work 'job' 'photos'
    New-Item -ItemType Directory -Path $photos | Out-Null
    foreach ($n in 1..6) { Copy-Item -LiteralPath (Join-Path $DemoPhotos "sample$n.jpg") -Destination $photos }
    $script:store = Join-Path $work 'job' 'faces.jsonl'
    Get-ChildItem -LiteralPath $photos -File | Get-FaceEncoding -CachePath (Join-Path $work 'job' 'cache') |
        Export-FaceEncoding -OutputPath $store -Force

    # Every file of a dataset with its SHA-256; the manifest's one timestamp (set by the first export) is blanked.
    function script:Get-DatasetState([string] $Root) {
        $state = [ordered]@{}
        if (-not (Test-Path -LiteralPath $Root)) { return $state }
        foreach ($file in Get-ChildItem -LiteralPath $Root -Recurse -File -Force | Sort-Object FullName) {
            $relative = [IO.Path]::GetRelativePath($Root, $file.FullName).Replace('\', '/')
            $bytes = [IO.File]::ReadAllBytes($file.FullName)
            if ($relative -eq 'manifest.json') {
                $text = [Text.Encoding]::UTF8.GetString($bytes) -replace '"createdUtc": "[^"]*"', ''
                $bytes = [Text.Encoding]::UTF8.GetBytes($text)
            }
            $state[$relative] = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes))
        }
        $state
    }
    function script:Compare-DatasetState($Expected, $Actual) {
        $lines = foreach ($key in @($Expected.Keys) + @($Actual.Keys) | Sort-Object -Unique) {
            if ($Expected[$key] -ne $Actual[$key]) { "$key expected $($Expected[$key]) got $($Actual[$key])" }
        }
        @($lines)
    }
    # Where every face of a dataset is: face id -> person folder.
    function script:Get-FacePlaces([string] $Root) {
        $places = @{}
        foreach ($person in Import-FaceDataset -LiteralPath $Root -WarningAction SilentlyContinue) {
            foreach ($face in $person.Faces) { $places[$face.Id] = $person.Label }
        }
        $places
    }
    $script:exportScript = "Import-FaceEncoding -LiteralPath '$store' | Invoke-FaceClustering | Export-FaceDataset -OutputPath '{0}' -Format Yolo | Out-Null"
}
AfterAll { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'The labelling walk-through survives a rerun' {
    It 'rename, merge and a face moved by hand are all still there after the job runs again with -Reference' {
        $ds = Join-Path $work 'walk' 'dataset'
        Import-FaceEncoding -LiteralPath $store | Invoke-FaceClustering | Export-FaceDataset -OutputPath $ds -Format Yolo | Out-Null
        $people = @(Import-FaceDataset -LiteralPath $ds)
        $people.Count | Should -BeGreaterThan 4

        # 2. Name Person_1. 3. Merge Person_2 into her (as if the clustering had split her). A face of Person_3 moved by hand to Person_4.
        Rename-FaceCluster $ds -Label Person_1 -NewLabel Alice | Out-Null
        Merge-FaceCluster $ds -Label Alice, Person_2 | Out-Null
        $moved = Get-ChildItem -LiteralPath (Join-Path $ds 'Person_3') -Filter 'portrait_*.jpg' | Sort-Object Name | Select-Object -First 1
        $key = $moved.BaseName.Substring('portrait_'.Length)
        Move-Item -LiteralPath $moved.FullName -Destination (Join-Path $ds 'Person_4')
        Move-Item -LiteralPath (Join-Path $ds 'Person_3' "chip_$key.png") -Destination (Join-Path $ds 'Person_4')
        $before = Get-FacePlaces $ds
        $before[$key] | Should -Be 'Person_4' -Because 'Import-FaceDataset sees the hand move'
        $folders = (Get-ChildItem -LiteralPath $ds -Directory | Where-Object Name -ne 'yolo').Name | Sort-Object

        # 4. The job again, against the dataset.
        $warnings = $null
        Import-FaceEncoding -LiteralPath $store | Invoke-FaceClustering -Reference $ds |
            Export-FaceDataset -OutputPath $ds -Format Yolo -WarningVariable warnings | Out-Null

        $after = Get-FacePlaces $ds
        $after.Count | Should -Be $before.Count
        foreach ($id in $before.Keys) { $after[$id] | Should -Be $before[$id] -Because "face $id stays where the user left it" }
        (Get-ChildItem -LiteralPath $ds -Directory | Where-Object Name -ne 'yolo').Name | Sort-Object | Should -Be $folders
        Test-Path -LiteralPath (Join-Path $ds 'Person_2') | Should -BeFalse -Because 'a freed name is not given to anybody'
        @(Get-ChildItem -LiteralPath (Join-Path $ds 'Person_3') -Filter "portrait_$key.jpg").Count | Should -Be 0
        # Import-FaceDataset lists exactly what the folders hold, without a warning.
        $importWarnings = $null
        $imported = Import-FaceDataset -LiteralPath $ds -WarningVariable importWarnings
        $importWarnings | Should -BeNullOrEmpty
        foreach ($person in $imported) {
            $files = @(Get-ChildItem -LiteralPath (Join-Path $ds $person.Label) -Filter 'portrait_*.jpg').Count
            $files | Should -Be $person.Count
        }
        $yaml = Get-Content -LiteralPath (Join-Path $ds 'yolo' 'data.yaml') -Raw
        $yaml | Should -Match "'Alice'"
        $yaml | Should -Not -Match "'Person_1'|'Person_2'"
    }

    It 'a work folder copied elsewhere and run again writes each face once and leaves no stale YOLO file' {
        $ds = Join-Path $work 'copied' 'dataset'
        Import-FaceEncoding -LiteralPath $store | Invoke-FaceClustering | Export-FaceDataset -OutputPath $ds -Format Yolo | Out-Null
        $yoloBefore = (Get-ChildItem -LiteralPath (Join-Path $ds 'yolo') -Recurse -File).Name | Sort-Object
        $portraits = @(Get-ChildItem -LiteralPath $ds -Recurse -Filter 'portrait_*.jpg').Count
        $copy = Join-Path $work 'copied' 'elsewhere'
        Copy-Item -LiteralPath (Join-Path $work 'job') -Destination $copy -Recurse
        $faces = @(Get-ChildItem -LiteralPath (Join-Path $copy 'photos') -File | Get-FaceEncoding -CachePath (Join-Path $copy 'cache'))
        $faces | Invoke-FaceClustering -Reference $ds | Export-FaceDataset -OutputPath $ds -Format Yolo | Out-Null

        @(Get-ChildItem -LiteralPath $ds -Recurse -Filter 'portrait_*.jpg').Count | Should -Be $portraits
        (Get-Content -LiteralPath (Join-Path $ds 'manifest.json') -Raw | ConvertFrom-Json).faces.Count | Should -Be $portraits
        (Get-ChildItem -LiteralPath (Join-Path $ds 'yolo') -Recurse -File).Name | Sort-Object | Should -Be $yoloBefore
        (Get-Content -LiteralPath (Join-Path $ds 'manifest.json') -Raw | ConvertFrom-Json).faces.sourcePath |
            ForEach-Object { $_ | Should -BeLike "$copy*" }
    }
}

Describe 'kill -9 and Ctrl+C at several points, then the next command' {
    BeforeAll {
        # The uninterrupted results, each made in the folder the interrupted runs use (data.yaml holds the absolute path).
        $script:target = Join-Path $work 'kill' 'dataset'
        $script:base = Join-Path $work 'kill' 'base'
        Import-FaceEncoding -LiteralPath $store | Invoke-FaceClustering | Export-FaceDataset -OutputPath $target -Format Yolo | Out-Null
        $script:exported = Get-DatasetState $target
        Copy-Item -LiteralPath $target -Destination $base -Recurse
        Rename-FaceCluster $target -Label Person_1 -NewLabel Alice | Out-Null
        $script:renamed = Get-DatasetState $target
        Remove-Item -LiteralPath $target -Recurse -Force
        Copy-Item -LiteralPath $base -Destination $target -Recurse
        Merge-FaceCluster $target -Label Person_1, Person_2, Person_3 | Out-Null
        $script:merged = Get-DatasetState $target
        Remove-Item -LiteralPath $target -Recurse -Force
        # Steps of a change: one per staged file, the commit, one per operation, the cleanup. The staged files are the
        # files whose content is new (a moved file keeps its content); so step staged+1 is the commit itself (killed
        # there: rolled back) and staged+2 the first operation after it (rolled forward).
        function script:Get-StagedCount($Before, $After) {
            $old = [Collections.Generic.HashSet[string]]::new([string[]]@($Before.Values))
            @($After.Keys | Where-Object { $Before[$_] -ne $After[$_] -and -not $old.Contains($After[$_]) }).Count
        }
        $script:exportStaged = Get-StagedCount @{} $exported
        $script:renameStaged = Get-StagedCount (Get-DatasetState $base) $renamed
        $script:mergeStaged = Get-StagedCount (Get-DatasetState $base) $merged
    }

    It 'Export-FaceDataset killed <Name> and run again gives the uninterrupted dataset' -ForEach @(
        @{ Name = 'while staging'; Offset = -10 }, @{ Name = 'at the commit'; Offset = 1 }, @{ Name = 'right after the commit'; Offset = 2 }, @{ Name = 'while applying'; Offset = 20 }
    ) {
        $k = $exportStaged + $Offset
        Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
        $killed = Invoke-FreshPwsh ($exportScript -f $target) @{ PSModulePath = $env:PSModulePath; FACECLUSTER_TEST_KILL_AT_STEP = "$k" }
        $killed.ExitCode | Should -Be 137 -Because "the process is killed at step $k ($($killed.Error))"
        Test-Path -LiteralPath (Join-Path $target '.facecluster-journal' 'journal.json') | Should -Be ($Offset -ge 2)
        $rerun = Invoke-FreshPwsh ($exportScript -f $target) @{ PSModulePath = $env:PSModulePath }
        $rerun.ExitCode | Should -Be 0 -Because $rerun.Error
        Compare-DatasetState $exported (Get-DatasetState $target) | Should -BeNullOrEmpty
    }

    It '<Command> killed <Name> and the next command give the uninterrupted dataset' -ForEach @(
        foreach ($command in 'Rename-FaceCluster', 'Merge-FaceCluster') {
            foreach ($at in @{ Name = 'while staging'; Offset = -1 }, @{ Name = 'at the commit'; Offset = 1 }, @{ Name = 'right after the commit'; Offset = 2 }, @{ Name = 'while applying'; Offset = 4 }) {
                @{ Command = $command; Name = $at.Name; Offset = $at.Offset }
            }
        }
    ) {
        $edit = $Command -eq 'Rename-FaceCluster' ?
            @{ Script = "Rename-FaceCluster '{0}' -Label Person_1 -NewLabel Alice"; Expected = $renamed; Staged = $renameStaged } :
            @{ Script = "Merge-FaceCluster '{0}' -Label Person_1, Person_2, Person_3"; Expected = $merged; Staged = $mergeStaged }
        $k = $edit.Staged + $Offset
        Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
        Copy-Item -LiteralPath $base -Destination $target -Recurse
        $script = ($edit.Script -f $target) + ' | Out-Null'
        $killed = Invoke-FreshPwsh $script @{ PSModulePath = $env:PSModulePath; FACECLUSTER_TEST_KILL_AT_STEP = "$k" }
        $killed.ExitCode | Should -Be 137 -Because "killed at step $k of '$script' ($($killed.Error))"
        Test-Path -LiteralPath (Join-Path $target '.facecluster-journal' 'journal.json') | Should -Be ($Offset -ge 2)
        # The next command: the same one again. Rolled forward, the person is already renamed or merged (an error, nothing changes).
        Invoke-FreshPwsh "$script -ErrorAction SilentlyContinue" @{ PSModulePath = $env:PSModulePath } | Out-Null
        Compare-DatasetState $edit.Expected (Get-DatasetState $target) | Should -BeNullOrEmpty -Because "step $k of '$script'"
    }

    It 'Ctrl+C during Export-FaceDataset leaves nothing and the rerun gives the uninterrupted dataset' {
        Remove-Item -LiteralPath $target -Recurse -Force -ErrorAction SilentlyContinue
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module FaceCluster; $($exportScript -f $target)")
            $async = $ps.BeginInvoke()
            $journal = Join-Path $target '.facecluster-journal'
            $deadline = [DateTime]::UtcNow.AddMinutes(5)
            while (-not (Test-Path -LiteralPath $journal) -and -not $async.IsCompleted -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 5 }
            $async.IsCompleted | Should -BeFalse -Because 'the export is stopped while it stages its files'
            $ps.Stop()
        }
        finally { $ps.Dispose() }
        Test-Path -LiteralPath $journal | Should -BeFalse -Because 'the staged files of a stopped export are removed'
        Test-Path -LiteralPath (Join-Path $target '.facecluster-dataset.json') | Should -BeFalse
        & ([scriptblock]::Create($exportScript -f $target))
        Compare-DatasetState $exported (Get-DatasetState $target) | Should -BeNullOrEmpty
    }
}

Describe 'Hostile and broken datasets, and what the user sees' {
    BeforeEach {
        $script:root = New-TestFolder 'hostile'
        $script:ds = Join-Path $root 'ds'
        Import-FaceEncoding -LiteralPath $store | Invoke-FaceClustering | Export-FaceDataset -OutputPath $ds | Out-Null
    }
    AfterEach { Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction SilentlyContinue }

    It "a manifest portrait '../holiday.jpg', a marker entry '../thesis.docx' and -Label Person_2,'..' touch nothing outside" {
        Set-Content -LiteralPath (Join-Path $root 'holiday.jpg') -Value 'holiday'
        Set-Content -LiteralPath (Join-Path $root 'thesis.docx') -Value 'thesis'
        $manifestPath = Join-Path $ds 'manifest.json'
        $manifest = Get-Content -LiteralPath $manifestPath -Raw | ConvertFrom-Json
        ($manifest.faces | Where-Object label -eq 'Person_2' | Select-Object -First 1).portrait = '../holiday.jpg'
        $manifest | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $manifestPath
        $markerPath = Join-Path $ds '.facecluster-dataset.json'
        $marker = Get-Content -LiteralPath $markerPath -Raw | ConvertFrom-Json
        $marker.files += '../thesis.docx'
        $marker | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $markerPath
        $before = Get-DatasetState $ds

        $errors = $null
        Merge-FaceCluster $ds -Label Person_2, '..' -ErrorVariable errors -ErrorAction SilentlyContinue
        Merge-FaceCluster $ds -Label Person_1, Person_2 -ErrorVariable +errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 2
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'LabelInvalid,*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errors[0].TargetObject | Should -Be '..'
        $errors[1].FullyQualifiedErrorId | Should -BeLike 'DatasetInvalid,*'
        $errors[1].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[1].Exception.Message | Should -Match 'thesis\.docx|holiday\.jpg'
        $errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -Not -Match 'System\.' }

        Get-Content -LiteralPath (Join-Path $root 'holiday.jpg') | Should -Be 'holiday'
        Get-Content -LiteralPath (Join-Path $root 'thesis.docx') | Should -Be 'thesis'
        Compare-DatasetState $before (Get-DatasetState $ds) | Should -BeNullOrEmpty
    }

    It 'null people, faces or files give DatasetInvalid to Import, Rename and Merge' -ForEach @(
        @{ File = 'manifest.json'; Property = 'people' }, @{ File = 'manifest.json'; Property = 'faces' }, @{ File = '.facecluster-dataset.json'; Property = 'files' }
    ) {
        $path = Join-Path $ds $File
        $json = Get-Content -LiteralPath $path -Raw | ConvertFrom-Json
        $json.$Property = $null
        $json | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $path
        $errors = $null
        Import-FaceDataset -LiteralPath $ds -ErrorVariable errors -ErrorAction SilentlyContinue
        Rename-FaceCluster $ds -Label Person_1 -NewLabel Alice -ErrorVariable +errors -ErrorAction SilentlyContinue
        Merge-FaceCluster $ds -Label Person_1, Person_2 -ErrorVariable +errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 3
        foreach ($e in $errors) {
            $e.FullyQualifiedErrorId | Should -BeLike 'DatasetInvalid,*'
            $e.CategoryInfo.Category | Should -Be 'InvalidData'
            "$($e.TargetObject)" | Should -BeLike "*$File"
        }
    }

    It 'Rename-FaceCluster after a person folder was deleted by hand warns, and the faces stay in manifest.json' {
        $faces = (Get-Content -LiteralPath (Join-Path $ds 'manifest.json') -Raw | ConvertFrom-Json).faces.Count
        Remove-Item -LiteralPath (Join-Path $ds 'Person_3') -Recurse -Force
        $warnings = $null
        Rename-FaceCluster $ds -Label Person_1 -NewLabel Alice -WarningVariable warnings | Out-Null
        ($warnings -join "`n") | Should -Match 'Person_3'
        ($warnings -join "`n") | Should -Match 'gone'
        (Get-Content -LiteralPath (Join-Path $ds 'manifest.json') -Raw | ConvertFrom-Json).faces.Count | Should -Be $faces
    }

    It '-WhatIf prints every file operation of a rename and a merge, and changes nothing' {
        $before = Get-DatasetState $ds
        $run = Invoke-FreshPwsh "Rename-FaceCluster '$ds' Person_1 Alice -WhatIf; Merge-FaceCluster '$ds' Person_1, Person_2 -WhatIf" @{ PSModulePath = $env:PSModulePath }
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $run.Output | Should -Match ([regex]::Escape("Move to '$(Join-Path $ds 'Alice')'"))
        $run.Output | Should -Match 'Remove empty folder'
        $portraits = @(Get-ChildItem -LiteralPath (Join-Path $ds 'Person_2') -Filter 'portrait_*.jpg')
        foreach ($p in $portraits) { $run.Output | Should -Match ([regex]::Escape($p.FullName)) }
        $run.Output | Should -Match ([regex]::Escape((Join-Path $ds '.facecluster-dataset.json')))
        Compare-DatasetState $before (Get-DatasetState $ds) | Should -BeNullOrEmpty
    }
}
