# The PowerShell conventions users expect, in real pwsh against the built module (found by name on PSModulePath).
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    Import-Module FaceCluster
    $work = New-TestFolder 'conventions'
    # Two real photos whose names differ only by [1]: as wildcards, 'photo[1].jpg' matches 'photo1.jpg'.
    $photos = Join-Path $work 'photos'
    New-Item -ItemType Directory -Path $photos | Out-Null
    Copy-Item -LiteralPath (Join-Path $DemoPhotos 'sample1.jpg') -Destination (Join-Path $photos 'photo[1].jpg')
    Copy-Item -LiteralPath (Join-Path $DemoPhotos 'sample2.jpg') -Destination (Join-Path $photos 'photo1.jpg')
    $script:faces = Get-ChildItem -LiteralPath $photos | Get-FaceEncoding -ThrottleLimit 2
    $script:store = Join-Path $work 'faces[1].jsonl'
    $faces | Export-FaceEncoding -OutputPath $store
    # A dataset to edit, written fresh for each test that changes it.
    function New-Dataset([string] $Name) {
        $folder = Join-Path $work $Name
        $script:faces | Invoke-FaceClustering | Export-FaceDataset -OutputPath $folder | Out-Null
        $folder
    }
}
AfterAll { Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Piped paths bind -LiteralPath' {
    It 'Get-ChildItem | Get-FaceEncoding reads photo[1].jpg and photo1.jpg once each' {
        $byFile = $faces | Group-Object { Split-Path $_.Path -Leaf } -AsHashTable
        $byFile.Keys | Sort-Object | Should -Be @('photo[1].jpg', 'photo1.jpg')
        # sample1 and sample2 of the demo hold different people: both files really were read.
        $byFile['photo[1].jpg'][0].Descriptor | Should -Not -Be $byFile['photo1.jpg'][0].Descriptor
        $faces.Count | Should -Be ($faces.Id | Select-Object -Unique).Count
    }

    It 'binds FileInfo to -LiteralPath and strings to -Path on every reader' -ForEach @(
        @{ Name = 'Get-FaceEncoding' }, @{ Name = 'Export-VideoFrame' }, @{ Name = 'Import-FaceEncoding' },
        @{ Name = 'Import-FaceDataset' }, @{ Name = 'Invoke-FaceClustering' }, @{ Name = 'Rename-FaceCluster' }, @{ Name = 'Merge-FaceCluster' }
    ) {
        $parameters = (Get-Command $Name).Parameters
        $parameters['LiteralPath'].Aliases | Should -Contain 'PSPath'
        $parameters['LiteralPath'].Aliases | Should -Contain 'FullName'
        $parameters['Path'].Aliases | Should -Not -Contain 'PSPath'
        @($parameters['LiteralPath'].ParameterSets.Values.ValueFromPipelineByPropertyName) | Should -Contain $true
    }

    It 'Export-VideoFrame -LiteralPath clip[1].mp4 | Get-FaceEncoding finds the faces of its frames' {
        $clip = Join-Path $work 'clip[1].mp4'
        $options = [FaceCluster.Video.SampleFootageOptions]@{ SecondsPerPhoto = 1; Force = $true }
        [FaceCluster.Video.SampleFootage]::Create([string[]]@(Join-Path $DemoPhotos 'sample1.jpg'), $clip, $options, $null, [Threading.CancellationToken]::None) | Out-Null
        $found = Export-VideoFrame -LiteralPath $clip -OutputPath (Join-Path $work 'frames[1]') -ErrorVariable problems |
            Get-FaceEncoding -ThrottleLimit 2 -ErrorVariable +problems
        $problems | Should -BeNullOrEmpty
        $found.Count | Should -BeGreaterThan 0
        $found[0].VideoPath | Should -Be $clip
        Split-Path $found[0].Path | Should -Be (Join-Path $work 'frames[1]')
        Split-Path $found[0].Path -Leaf | Should -Match '^clip\[1\]_[0-9a-f]{8}_000000\.jpg$'
    }

    It 'Export-VideoFrame decodes through FFmpeg directly in the module, through OpenCV''s capture with FACECLUSTER_VIDEO_DECODER=opencv, and writes the same frames either way' {
        $clip = Join-Path $work 'decoders.mp4'
        $options = [FaceCluster.Video.SampleFootageOptions]@{ SecondsPerPhoto = 1.5; Force = $true }
        [FaceCluster.Video.SampleFootage]::Create([string[]]@((Join-Path $DemoPhotos 'sample1.jpg'), (Join-Path $DemoPhotos 'sample2.jpg')), $clip, $options, $null, [Threading.CancellationToken]::None) | Out-Null
        # A fresh process each: the decoder is chosen once per process. Verbose lines, then file hash and shot per frame.
        $run = {
            param($Out, $Environment)
            $script = "Import-Module FaceCluster; Export-VideoFrame -LiteralPath '$clip' -OutputPath '$Out' -FramesPerSecond 4 -Verbose 4>&1 | ForEach-Object { if (`$_ -is [Management.Automation.VerboseRecord]) { 'VERBOSE ' + `$_.Message } else { (Get-FileHash -LiteralPath `$_.Path).Hash + ' ' + `$_.Shot } }"
            Invoke-FreshPwsh $script $Environment
        }
        $direct = & $run (Join-Path $work 'frames-direct') @{}
        $capture = & $run (Join-Path $work 'frames-capture') @{ FACECLUSTER_VIDEO_DECODER = 'opencv' }
        $direct.ExitCode | Should -Be 0 -Because $direct.Error
        $capture.ExitCode | Should -Be 0 -Because $capture.Error
        $direct.Output | Should -Match 'with FFmpeg, decoded directly'
        $capture.Output | Should -Match 'with OpenCV VideoCapture \(FACECLUSTER_VIDEO_DECODER=opencv\)'
        $frames = { param($r) @($r.Output -split "`n" | Where-Object { $_ -match '^[0-9A-F]{64} \d+' } | ForEach-Object Trim) }
        $framesDirect = & $frames $direct
        $framesDirect.Count | Should -BeGreaterOrEqual 10
        $framesDirect | Should -Be (& $frames $capture)
        # Two demo photos, one cut between them, seen by both.
        ($framesDirect[-1] -split ' ')[1] | Should -Be '1'
    }

    It 'Get-Item (a store) | Invoke-FaceClustering reads the store' {
        $people = Get-Item -LiteralPath $store | Invoke-FaceClustering
        ($people | Measure-Object Count -Sum).Sum | Should -Be $faces.Count
    }

    It 'Import-FaceEncoding -LiteralPath and Merge-FaceEncoding -LiteralPath take a [1] store as it is' {
        (Import-FaceEncoding -LiteralPath $store).Count | Should -Be $faces.Count
        $merged = Join-Path $work 'merged.jsonl'
        (Merge-FaceEncoding -LiteralPath $store -OutputPath $merged).Count | Should -Not -BeNullOrEmpty
        (Import-FaceEncoding -LiteralPath $merged).Id | Should -Be (Import-FaceEncoding -LiteralPath $store).Id
    }

    It 'a missing path is a PathNotFound error, not a crash' {
        Get-FaceEncoding -LiteralPath (Join-Path $work 'nothing[1].jpg') -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }
}

Describe 'Names' {
    It 'Export-VideoFrame is singular and Export-VideoFrames still works as an alias' {
        (Get-Command Export-VideoFrame).CommandType | Should -Be 'Cmdlet'
        $alias = Get-Command Export-VideoFrames
        $alias.CommandType | Should -Be 'Alias'
        $alias.ResolvedCommand.Name | Should -Be 'Export-VideoFrame'
    }

    It 'Export-FaceEncoding writes to -OutputPath, with -Path and -LiteralPath as aliases' {
        $parameter = (Get-Command Export-FaceEncoding).Parameters['OutputPath']
        $parameter.Aliases | Should -Be @('Path', 'LiteralPath')
        $old = Join-Path $work 'old-name.jsonl'
        $faces | Export-FaceEncoding -Path $old
        (Import-FaceEncoding -LiteralPath $old).Count | Should -Be $faces.Count
    }

    It 'writers take -LiteralPath for their output' -ForEach @(@{ Name = 'Export-FaceEncoding' }, @{ Name = 'Export-FaceDataset' }) {
        (Get-Command $Name).Parameters['OutputPath'].Aliases | Should -Contain 'LiteralPath'
    }

    It 'Rename-FaceCluster and Merge-FaceCluster take dataset, who, new name in the same positions' {
        foreach ($name in 'Rename-FaceCluster', 'Merge-FaceCluster') {
            $sets = (Get-Command $name).ParameterSets | Where-Object Name -eq 'Label'
            $positional = $sets.Parameters | Where-Object Position -ge 0 | Sort-Object Position
            $positional.Name | Should -Be @('Path', 'Label', 'NewLabel') -Because $name
        }
        $dataset = New-Dataset 'positional'
        Rename-FaceCluster $dataset Person_1 Alice | Out-Null
        Merge-FaceCluster $dataset Alice, Person_2 Alice2 | Out-Null
        (Import-FaceDataset -LiteralPath $dataset).Label | Should -Contain 'Alice2'
    }
}

Describe 'Stages chain' {
    It 'Import-FaceDataset | Where-Object | Rename-FaceCluster binds Label and the dataset by property name' {
        $dataset = New-Dataset 'rename-pipe'
        $result = Import-FaceDataset $dataset | Where-Object Label -eq Person_2 | Rename-FaceCluster -NewLabel Carol
        $result | Should -Not -BeNullOrEmpty
        $labels = (Import-FaceDataset $dataset).Label
        $labels | Should -Contain 'Carol'
        $labels | Should -Not -Contain 'Person_2'
    }

    It 'Import-FaceDataset | Where-Object | Merge-FaceCluster merges the piped people once' {
        $dataset = New-Dataset 'merge-pipe'
        $before = Import-FaceDataset $dataset
        $two = $before | Where-Object Label -in Person_1, Person_3
        $merged = $two | Merge-FaceCluster
        @($merged).Count | Should -Be 1
        $merged.Label | Should -Be 'Person_1'
        $merged.FaceCount | Should -Be (($two | Measure-Object Count -Sum).Sum)
        (Import-FaceDataset $dataset).Count | Should -Be ($before.Count - 1)
    }

    It 'a wildcard -Path on Rename-FaceCluster renames in every dataset it matches' {
        $a = New-Dataset 'wild-a'; $b = New-Dataset 'wild-b'
        $results = Rename-FaceCluster -Path (Join-Path $work 'wild-*') -Label Person_1 -NewLabel Dora
        @($results).Count | Should -Be 2
        (Import-FaceDataset $a).Label | Should -Contain 'Dora'
        (Import-FaceDataset $b).Label | Should -Contain 'Dora'
    }

    It '-WhatIf on a writer writes nothing' {
        $target = Join-Path $work 'whatif.jsonl'
        $faces | Export-FaceEncoding -OutputPath $target -WhatIf
        Test-Path -LiteralPath $target | Should -BeFalse
        $dataset = New-Dataset 'whatif-rename'
        Rename-FaceCluster $dataset Person_1 Eve -WhatIf
        (Import-FaceDataset $dataset).Label | Should -Not -Contain 'Eve'
    }
}

Describe 'Tab completion of people' {
    BeforeAll {
        $script:completionDataset = New-Dataset 'completion'
        Rename-FaceCluster $completionDataset Person_2 'Ann Lee' | Out-Null
        Push-Location $work
        function Complete([string] $line) { (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches }
    }
    AfterAll { Pop-Location }

    It 'Rename-FaceCluster (dataset) -Label (Tab) offers the people of the dataset' {
        $matches = Complete 'Rename-FaceCluster ./completion -Label '
        $matches.ListItemText | Should -Contain 'Person_1'
        $matches.ListItemText | Should -Contain 'Ann Lee'
        ($matches | Where-Object ListItemText -eq 'Ann Lee').CompletionText | Should -Be "'Ann Lee'"
        $matches.CompletionText | Should -Not -Contain 'completion'
    }

    It 'completes what was typed, with -LiteralPath too' {
        (Complete 'Rename-FaceCluster -LiteralPath ./completion -Label An').CompletionText | Should -Be @("'Ann Lee'")
    }

    It 'Merge-FaceCluster (dataset) -Id (Tab) offers the cluster ids' {
        $ids = (Complete 'Merge-FaceCluster ./completion -Id ').CompletionText
        $ids | Should -Be ((Import-FaceDataset $completionDataset).Id | Sort-Object | ForEach-Object { "$_" })
    }

    It '-NewLabel (Tab) offers the labels of the dataset' {
        (Complete 'Merge-FaceCluster ./completion -Label Person_1, Person_3 -NewLabel Pe').ListItemText | Should -Contain 'Person_1'
    }
}

Describe '-Verbose' {
    It 'Import-FaceEncoding names the model and counts the faces' {
        $verbose = Import-FaceEncoding -LiteralPath $store -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "descriptor model '$([FaceCluster.Models.DescriptorModels]::Get([FaceCluster.Models.DescriptorModels]::DefaultKind).Name)'"
        ($verbose.Message -join "`n") | Should -Match "$($faces.Count) faces read, 0 records rejected"
    }

    It 'Find-FaceCluster describes the reference and the outcome' {
        $people = $faces | Invoke-FaceClustering
        $verbose = $faces | Find-FaceCluster -Reference $people -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "Reference: $(@($people).Count) people, $($faces.Count) faces"
        ($verbose.Message -join "`n") | Should -Match "$($faces.Count) faces: $($faces.Count) filed under a known person, 0 Unknown"
    }

    It 'Get-FaceEncoding names the model, detector and workers, and times the run' {
        $verbose = Get-FaceEncoding -LiteralPath (Join-Path $photos 'photo1.jpg') -ThrottleLimit 2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match "Descriptor model '$([FaceCluster.Models.DescriptorModels]::Get([FaceCluster.Models.DescriptorModels]::DefaultKind).Name)', detector FullRange .* 2 workers"
        ($verbose.Message -join "`n") | Should -Match '1 images, 3 faces in \d+\.\d s'
    }

    It 'Invoke-FaceClustering names the algorithm, workers and time' {
        $verbose = $faces | Invoke-FaceClustering -ThrottleLimit 2 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'with ChineseWhispers, 2 workers'
        ($verbose.Message -join "`n") | Should -Match '\d+\.\d\d s\)'
    }
}

Describe 'Invoke-FaceClustering says when it approximates' {
    It 'writes a warning, and still finds the one person, for 9,000 sightings of one face (40 million pairs, over the exact graph''s budget)' {
        # One real face seen in 9,000 images, as a fixed camera sees one person all day: every pair is a neighbour.
        $face = $faces[0]
        $many = foreach ($i in 1..9000) { $face.WithSource("sighting$i", (Join-Path $work "sighting$i.jpg"), $null, $null, $null) }
        $people = @($many | Invoke-FaceClustering -WarningVariable warned -WarningAction SilentlyContinue)
        $people.Count | Should -Be 1
        $people[0].Faces.Count | Should -Be 9000
        @($warned).Count | Should -Be 1
        "$warned" | Should -Match 'clustering 9000 faces as \d+ condensed groups instead'
    }

    It 'writes no warning when the exact method holds the faces' {
        $people = @($faces | Invoke-FaceClustering -WarningVariable warned -WarningAction SilentlyContinue)
        $people.Count | Should -BeGreaterThan 1
        @($warned).Count | Should -Be 0
    }
}
