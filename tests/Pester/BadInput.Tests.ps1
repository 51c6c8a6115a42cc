# Issue 11, inputs half: the bad-input matrix in real pwsh against the built module. All data is made here, at test time,
# from the demo photos and footage rendered from them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestEnvironment.ps1')
    Import-Module FaceCluster
    $script:work = New-TestFolder 'badinput'
    $script:catalogue = [FaceCluster.PowerShell.Infrastructure.FaceClusterErrors]::Catalogue
    # Mounting a tmpfs (full disk, read-only folder) needs root; elsewhere those cases are skipped with this reason.
    $script:noMount = if (-not $IsLinux) { 'tmpfs needs Linux' } elseif ((id -u) -ne '0') { 'mounting a tmpfs to fill a disk needs root' } else {
        $probe = Join-Path $work 'probe'
        New-Item -ItemType Directory $probe | Out-Null
        mount -t tmpfs -o size=64k tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) { umount $probe; $null } else { 'mount -t tmpfs failed (no CAP_SYS_ADMIN?)' }
    }
    function Mount-Tmpfs([string] $Name, [string] $Size, [switch] $ReadOnly) {
        $dir = Join-Path $work $Name
        New-Item -ItemType Directory $dir -Force | Out-Null
        mount -t tmpfs -o "size=$Size$($ReadOnly ? ',ro' : '')" tmpfs $dir
        if ($LASTEXITCODE -ne 0) { throw "mount $dir failed" }
        $dir
    }
    function Fill-Disk([string] $Dir, [long] $Leave) {
        $free = ([IO.DriveInfo]::new($Dir)).AvailableFreeSpace - $Leave
        if ($free -gt 0) {
            $f = [IO.File]::Create((Join-Path $Dir 'filler.bin'))
            $block = [byte[]]::new(4096)
            for ($w = 0; $w + 4096 -le $free; $w += 4096) { $f.Write($block, 0, 4096) }
            $f.Dispose()
        }
    }
    $script:mounts = [Collections.Generic.List[string]]::new()

    # Real faces, once: the demo photos with the cheaper model.
    $script:photos = Join-Path $work 'photos'
    New-Item -ItemType Directory $photos | Out-Null
    Copy-Item (Join-Path $DemoPhotos 'sample*.jpg') $photos
    $script:faces = @(Get-FaceEncoding -Path $photos -Model Dlib -ThrottleLimit 2)
    $script:store = Join-Path $work 'faces.jsonl'
    $env:SOURCE_DATE_EPOCH = '1700000000'
    $faces | Export-FaceEncoding -OutputPath $store
    $script:storeLines = [IO.File]::ReadAllLines($store)

    function New-Store([string] $Name, [scriptblock] $Change) {
        $lines = [Collections.Generic.List[string]]::new([string[]]$storeLines)
        & $Change $lines
        $path = Join-Path $work $Name
        [IO.File]::WriteAllLines($path, $lines)
        $path
    }
    function Write-Bytes([string] $Name, [byte[]] $Bytes) {
        $path = Join-Path $work $Name
        [IO.File]::WriteAllBytes($path, $Bytes)
        $path
    }
    # A PNG whose header says 30000 x 30000 (900 MP): the header is real, the pixel data need not be.
    function New-PngBomb([string] $Name) {
        $png = [IO.MemoryStream]::new()
        $png.Write([byte[]](0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A), 0, 8)
        $ihdr = [byte[]](0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 0, 0, 0, 0, 0, 0, 0, 0)
        $png.Write($ihdr, 0, $ihdr.Length)
        Write-Bytes $Name $png.ToArray()
    }

    # Footage rendered from two demo photos (1 s each), for the video cases.
    $script:clip = Join-Path $work 'clip.mp4'
    $options = [FaceCluster.Video.SampleFootageOptions]@{ SecondsPerPhoto = 4; Width = 480; Height = 270; Force = $true }
    [FaceCluster.Video.SampleFootage]::Create([string[]]@((Join-Path $DemoPhotos 'sample1.jpg'), (Join-Path $DemoPhotos 'sample2.jpg')), $clip, $options, $null, [Threading.CancellationToken]::None) | Out-Null
    Remove-Item "$clip.truth.json"

    # Runs one case; every error it produces (terminating or not), its warnings and its output come back.
    function Invoke-Case([scriptblock] $Case, $Target) {
        $ErrorActionPreference = 'Continue'
        $errors = [Collections.Generic.List[object]]::new()
        $warnings = [Collections.Generic.List[object]]::new()
        $output = [Collections.Generic.List[object]]::new()
        try {
            & $Case $Target 2>&1 3>&1 | ForEach-Object {
                if ($_ -is [Management.Automation.ErrorRecord]) { $errors.Add($_) }
                elseif ($_ -is [Management.Automation.WarningRecord]) { $warnings.Add($_) }
                else { $output.Add($_) }
            }
        } catch {
            $errors.Add($_)
        }
        [pscustomobject]@{ Errors = $errors.ToArray(); Warnings = $warnings.ToArray(); Output = $output.ToArray() }
    }
}
AfterAll {
    foreach ($m in $mounts) { umount -l $m 2>$null }
    Remove-Item env:SOURCE_DATE_EPOCH -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'The bad-input matrix: each case gives its stable error id, never NotSpecified, and the rest of the input is processed' {
    BeforeDiscovery {
        # Name, the cmdlet call (given -ErrorVariable etc. by Invoke-Case), the id expected, and whether good input beside it must still come out.
        $script:cases = @(
            @{ Name = 'zero-byte image'; Id = 'ImageDecodeFailed'; Make = { Write-Bytes 'empty.jpg' ([byte[]]@()) }; Run = { param($p) Get-FaceEncoding -LiteralPath $p, (Join-Path $photos 'sample1.jpg') -Model Dlib }; Good = $true }
            @{ Name = 'truncated PNG'; Id = 'ImageDecodeFailed'; Make = { $b = [IO.File]::ReadAllBytes((Join-Path $photos 'sample1.jpg')); $m = [OpenCvSharp.Cv2]::ImRead((Join-Path $photos 'sample1.jpg')); $png = $null; [OpenCvSharp.Cv2]::ImEncode('.png', $m, [ref]$png) | Out-Null; Write-Bytes 'half.png' $png[0..2000] }; Run = { param($p) Get-FaceEncoding -LiteralPath $p, (Join-Path $photos 'sample1.jpg') -Model Dlib }; Good = $true }
            @{ Name = 'text file named .jpg'; Id = 'ImageDecodeFailed'; Make = { Write-Bytes 'note.jpg' ([Text.Encoding]::UTF8.GetBytes('not an image')) }; Run = { param($p) Get-FaceEncoding -LiteralPath $p, (Join-Path $photos 'sample1.jpg') -Model Dlib }; Good = $true }
            @{ Name = 'PNG header of 30000 x 30000'; Id = 'ImageTooLarge'; Category = 'LimitsExceeded'; Make = { New-PngBomb 'bomb.png' }; Run = { param($p) Get-FaceEncoding -LiteralPath $p, (Join-Path $photos 'sample1.jpg') -Model Dlib }; Good = $true }
            @{ Name = 'missing image'; Id = 'PathNotFound'; Make = { Join-Path $work 'nothing.jpg' }; Run = { param($p) Get-FaceEncoding -LiteralPath $p, (Join-Path $photos 'sample1.jpg') -Model Dlib }; Good = $true }
            @{ Name = 'directory given as a store'; Id = 'PathIsDirectory'; Make = { $photos }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: a line of bad JSON'; Id = 'StoreRecordInvalid'; Make = { New-Store 'badjson.jsonl' { param($l) $l[2] = '{"id": [' } }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: wrong descriptor length'; Id = 'StoreRecordInvalid'; Make = { New-Store 'short.jsonl' { param($l) $l[2] = $l[2] -replace '"descriptor":\[[^,]+,', '"descriptor":[' } }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: NaN in a descriptor'; Id = 'StoreRecordInvalid'; Make = { New-Store 'nan.jsonl' { param($l) $l[2] = $l[2] -replace '"descriptor":\[[^,]+,', '"descriptor":[NaN,' } }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: a 1 MB line'; Id = 'StoreRecordTooLong'; Make = { New-Store 'huge.jsonl' { param($l) $l[2] = 'x' * 1MB } }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: invalid UTF-8 in a line'; Id = 'StoreRecordInvalid'; Make = { $p = New-Store 'utf8.jsonl' { }; $b = [Collections.Generic.List[byte]]::new([IO.File]::ReadAllBytes($p)); $at = [Text.Encoding]::UTF8.GetByteCount(($storeLines[0..1] -join "`n") + "`n") + 8; $b[$at] = 0xFF; $b[$at + 1] = 0xFE; [IO.File]::WriteAllBytes($p, $b.ToArray()); $p }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: lone surrogate escape'; Id = 'StoreRecordInvalid'; Make = { New-Store 'surrogate.jsonl' { param($l) $l[2] = $l[2] -replace '"path":"', '"path":"\ud800' } }; Run = { param($p) Import-FaceEncoding -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'store: not a store at all'; Id = 'StoreHeaderInvalid'; Make = { Write-Bytes 'garbage.jsonl' ([byte[]](1..200)) }; Run = { param($p) Invoke-FaceClustering -LiteralPath $p, $store }; Good = $true }
            @{ Name = 'corrupt video'; Id = 'VideoOpenFailed'; Make = { Write-Bytes 'noise.mp4' ([byte[]](1..250 * 40)) }; Run = { param($p) Export-VideoFrame -LiteralPath $p, $clip -OutputPath (Join-Path $work 'frames-corrupt') }; Good = $true }
            @{ Name = 'zero-byte video'; Id = 'VideoOpenFailed'; Make = { Write-Bytes 'empty.mp4' ([byte[]]@()) }; Run = { param($p) Export-VideoFrame -LiteralPath $p, $clip -OutputPath (Join-Path $work 'frames-empty') }; Good = $true }
            @{ Name = 'video output folder is a file'; Id = 'FrameWriteFailed'; Make = { $f = Join-Path $work 'frames-file'; Set-Content $f 'a file'; $f }; Run = { param($p) Export-VideoFrame -LiteralPath $clip -OutputPath $p }; Good = $false }
            @{ Name = 'Merge-FaceEncoding with nothing valid'; Id = 'NothingToMerge'; Category = 'InvalidArgument'; Make = { Join-Path $work 'nothing-*.jsonl' }; Run = { param($p) Merge-FaceEncoding -Path $p -OutputPath (Join-Path $work 'merged-nothing.jsonl') }; Good = $false }
            @{ Name = 'Export-FaceEncoding to a folder'; Id = 'PathIsDirectory'; Make = { $photos }; Run = { param($p) $faces | Export-FaceEncoding -OutputPath $p }; Good = $false }
            @{ Name = 'Export-FaceEncoding over a store without -Force'; Id = 'StoreExists'; Category = 'ResourceExists'; Make = { $store }; Run = { param($p) $faces | Export-FaceEncoding -OutputPath $p }; Good = $false }
            @{ Name = 'Find-FaceCluster with a reference that is no dataset'; Id = 'ReferenceInvalid'; Make = { 42 }; Run = { param($p) $faces | Find-FaceCluster -Reference $p }; Good = $false }
        )
    }

    It '<Name> gives <Id>' -ForEach $cases {
        $target = & $Make
        $result = Invoke-Case $Run $target
        $result.Errors.Count | Should -BeGreaterThan 0
        # The good input given beside the bad one still comes out.
        if ($Good) { $result.Output.Count | Should -BeGreaterThan 0 }
        foreach ($e in $result.Errors) {
            $id = ($e.FullyQualifiedErrorId -split ',')[0]
            $catalogue | Should -Contain $id -Because "$($e.FullyQualifiedErrorId) must be a catalogued id"
            $e.CategoryInfo.Category | Should -Not -Be 'NotSpecified'
        }
        ($result.Errors | ForEach-Object { ($_.FullyQualifiedErrorId -split ',')[0] }) | Should -Contain $Id
        if ($Category) { ($result.Errors | Where-Object { $_.FullyQualifiedErrorId -like "$Id,*" })[0].CategoryInfo.Category | Should -Be $Category }
    }

    It 'the bad record names its file and line, and the good records and later files are still read' {
        $bad = New-Store 'line3.jsonl' { param($l) $l[2] = $l[2] -replace '"path":"', '"path":"\ud800' }
        $read = @(Import-FaceEncoding -LiteralPath $bad, $store -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'StoreRecordInvalid,*'
        $problems[0].TargetObject | Should -Be "${bad}:3"
        $read.Count | Should -Be (2 * $faces.Count - 1)
    }

    It 'a 30000 x 30000 PNG is refused as ImageTooLarge naming the file, the next photo still encoded, and -MaxImagePixels sets the limit' {
        $bomb = New-PngBomb 'bomb2.png'
        $found = @(Get-FaceEncoding -LiteralPath $bomb, (Join-Path $photos 'sample2.jpg') -Model Dlib -ErrorVariable problems -ErrorAction SilentlyContinue)
        $problems.Count | Should -Be 1
        $problems[0].TargetObject | Should -Be $bomb
        $problems[0].Exception.Message | Should -Match '30000 x 30000'
        $found.Count | Should -Be @($faces | Where-Object { (Split-Path $_.Path -Leaf) -eq 'sample2.jpg' }).Count
        # sample2 is 2.7 MP or less: a 1 MP limit refuses it too.
        Get-FaceEncoding -LiteralPath (Join-Path $photos 'sample2.jpg') -Model Dlib -MaxImagePixels 1000000 -ErrorVariable limited -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $limited[0].FullyQualifiedErrorId | Should -BeLike 'ImageTooLarge,*'
    }
}

Describe 'A cache that cannot be written: every face still comes out, with one warning' {
    It 'the cache path is a file' {
        $file = Join-Path $work 'cache-is-a-file'
        Set-Content $file 'keep me'
        $found = @(Get-FaceEncoding -Path $photos -Model Dlib -CachePath $file -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable problems)
        $problems | Should -BeNullOrEmpty
        $found.Count | Should -Be $faces.Count
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -BeLike 'CacheWriteFailed:*'
        Get-Content $file | Should -Be 'keep me'
    }

    It 'the cache folder is read-only' {
        if ($noMount) { Set-ItResult -Skipped -Because $noMount; return }
        $ro = Mount-Tmpfs 'cache-ro' '1m' -ReadOnly; $mounts.Add($ro)
        $found = @(Get-FaceEncoding -Path $photos -Model Dlib -CachePath $ro -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable problems)
        $problems | Should -BeNullOrEmpty
        $found.Count | Should -Be $faces.Count
        $warned.Count | Should -Be 1
    }

    It 'the disk of the cache is full, and no partial entry or temp file is left' {
        if ($noMount) { Set-ItResult -Skipped -Because $noMount; return }
        $full = Mount-Tmpfs 'cache-full' '512k'; $mounts.Add($full)
        $cache = Join-Path $full 'cache'
        New-Item -ItemType Directory $cache | Out-Null
        Fill-Disk $full 2048
        $found = @(Get-FaceEncoding -Path $photos -Model Dlib -CachePath $cache -WarningVariable warned -WarningAction SilentlyContinue -ErrorVariable problems)
        $problems | Should -BeNullOrEmpty
        $found.Count | Should -Be $faces.Count
        $warned.Count | Should -Be 1
        @(Get-ChildItem -LiteralPath $cache -Force -Filter '.fctmp-*') | Should -BeNullOrEmpty
        # Whatever entries fitted are whole stores: they read back without an error.
        Get-ChildItem -LiteralPath $cache -Filter '*.jsonl' | Import-FaceEncoding -ErrorVariable unreadable -ErrorAction SilentlyContinue | Out-Null
        $unreadable | Should -BeNullOrEmpty
    }

    It 'a full disk under Export-FaceEncoding is OutputWriteFailed and leaves no store and no temp file' {
        if ($noMount) { Set-ItResult -Skipped -Because $noMount; return }
        $full = Mount-Tmpfs 'store-full' '256k'; $mounts.Add($full)
        Fill-Disk $full 16384
        $out = Join-Path $full 'faces.jsonl'
        { $faces | Export-FaceEncoding -OutputPath $out } | Should -Throw -ErrorId 'OutputWriteFailed,*'
        Test-Path $out | Should -BeFalse
        @(Get-ChildItem -LiteralPath $full -Force -Filter '.fctmp-*') | Should -BeNullOrEmpty
    }
}

Describe 'Export-VideoFrame: times in seconds, frames that carry their provenance, output faults per video' {
    It '-EndTime 7 means 7 seconds, and -StartTime 2 starts at 2 s' {
        $frames = @(Export-VideoFrame -LiteralPath $clip -OutputPath (Join-Path $work 'frames-7') -StartTime 2 -EndTime 7)
        $frames.Index | Should -Be (2..7)
        $frames[0].Timestamp.TotalSeconds | Should -BeGreaterOrEqual 2
        $frames[-1].Timestamp.TotalSeconds | Should -BeLessOrEqual 7
        # A TimeSpan still works.
        @(Export-VideoFrame -LiteralPath $clip -OutputPath (Join-Path $work 'frames-7') -EndTime ([TimeSpan]::FromSeconds(3))).Count | Should -Be 4
    }

    It 'a rerun with another -FramesPerSecond or -MaxWidth writes new files, never the old ones under new timestamps' {
        $out = Join-Path $work 'frames-rerun'
        $one = @(Export-VideoFrame -LiteralPath $clip -OutputPath $out -EndTime 3)
        $two = @(Export-VideoFrame -LiteralPath $clip -OutputPath $out -EndTime 3 -FramesPerSecond 2)
        $narrow = @(Export-VideoFrame -LiteralPath $clip -OutputPath $out -EndTime 3 -MaxWidth 200)
        @($two.Path | Where-Object { $_ -in $one.Path }) | Should -BeNullOrEmpty
        @($narrow.Path | Where-Object { $_ -in $one.Path }) | Should -BeNullOrEmpty
        [OpenCvSharp.Cv2]::ImRead($narrow[0].Path).Width | Should -Be 200
    }

    It 'two different clip.mp4 from two folders into one output never share frames' {
        foreach ($d in 'a', 'b') { New-Item -ItemType Directory (Join-Path $work "src-$d") -Force | Out-Null }
        $a = Join-Path $work 'src-a' 'clip.mp4'; $b = Join-Path $work 'src-b' 'clip.mp4'
        Copy-Item $clip $a
        $options = [FaceCluster.Video.SampleFootageOptions]@{ SecondsPerPhoto = 2; Width = 480; Height = 270; Force = $true }
        [FaceCluster.Video.SampleFootage]::Create([string[]]@((Join-Path $DemoPhotos 'sample3.jpg')), $b, $options, $null, [Threading.CancellationToken]::None) | Out-Null
        $out = Join-Path $work 'frames-two'
        $fa = @(Export-VideoFrame -LiteralPath $a -OutputPath $out -EndTime 1)
        $fb = @(Export-VideoFrame -LiteralPath $b -OutputPath $out -EndTime 1)
        @($fb.Path | Where-Object { $_ -in $fa.Path }) | Should -BeNullOrEmpty
        (Get-FileHash $fb[0].Path).Hash | Should -Not -Be (Get-FileHash $fa[0].Path).Hash
    }

    It 'an output path that is a file fails each video with FrameWriteFailed, not the whole command' {
        $file = Join-Path $work 'frames-are-a-file'
        Set-Content $file 'keep me'
        $other = Join-Path $work 'other.mp4'
        Copy-Item $clip $other -Force
        $result = Invoke-Case { param($out) Export-VideoFrame -LiteralPath $clip, $other -OutputPath $out -EndTime 1 } $file
        $result.Errors.Count | Should -Be 2
        $result.Errors.TargetObject | Should -Be @($clip, $other)
        $result.Errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'FrameWriteFailed,*' }
        Get-Content $file | Should -Be 'keep me'
    }

    It 'a read-only output folder fails each video with FrameWriteFailed and goes on with the next' {
        if ($noMount) { Set-ItResult -Skipped -Because $noMount; return }
        $ro = Mount-Tmpfs 'frames-ro' '1m' -ReadOnly; $mounts.Add($ro)
        $result = Invoke-Case { param($out) Export-VideoFrame -LiteralPath $clip, (Join-Path $work 'src-a' 'clip.mp4') -OutputPath $out -EndTime 1 } $ro
        $result.Errors.Count | Should -Be 2
        $result.Errors | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'FrameWriteFailed,*'; $_.CategoryInfo.Category | Should -Be 'WriteError' }
    }
}

Describe 'Ctrl+C and kill -9 at every writer, then a rerun that gives the uninterrupted result byte for byte' {
    BeforeAll {
        # A store large enough that a writer is caught mid-file: the demo faces again and again under new ids.
        $script:big = Join-Path $work 'big.jsonl'
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add($storeLines[0])
        foreach ($copy in 1..400) { foreach ($line in $storeLines[1..($storeLines.Count - 1)]) { $lines.Add(($line -replace '^\{"id":"', "{`"id`":`"c$copy-")) } }
        [IO.File]::WriteAllLines($big, $lines)

        # Each writer: what it runs (param: its output folder), a slower variant to interrupt where the real one is too quick,
        # and whether its output is many small files (frames) rather than one store.
        $script:writers = @{
            'Export-FaceEncoding' = @{
                Script = { param($dir) Import-FaceEncoding -LiteralPath $big | Export-FaceEncoding -OutputPath (Join-Path $dir 'out.jsonl') }
                Slow = { param($dir) Import-FaceEncoding -LiteralPath $big | ForEach-Object { Start-Sleep -Milliseconds 1; $_ } | Export-FaceEncoding -OutputPath (Join-Path $dir 'out.jsonl') }
            }
            'Merge-FaceEncoding' = @{
                Script = { param($dir) Merge-FaceEncoding -LiteralPath $big, $store -OutputPath (Join-Path $dir 'out.jsonl') | Out-Null }
            }
            'Export-VideoFrame' = @{
                Script = { param($dir) Export-VideoFrame -LiteralPath $clip -OutputPath $dir -FramesPerSecond 5 | Out-Null }
                Files = $true
            }
        }
        function Get-Result([string] $Dir) {
            (Get-ChildItem -LiteralPath $Dir -Recurse -File -Force | Sort-Object FullName |
                ForEach-Object { "$([IO.Path]::GetRelativePath($Dir, $_.FullName)) $((Get-FileHash -LiteralPath $_.FullName).Hash)" }) -join "`n"
        }
        function Get-Temp([string] $Dir) { @(Get-ChildItem -LiteralPath $Dir -Recurse -Force -Filter '.fctmp-*' -ErrorAction SilentlyContinue) }
        # Started writing: a temp file of ours (stores), or a first frame on disk (frames are small and quick to write).
        function Test-Started([string] $Dir, [bool] $Files) {
            if ($Files) { return @(Get-ChildItem -LiteralPath $Dir -Recurse -File -Force -ErrorAction SilentlyContinue).Count -gt 0 }
            (Get-Temp $Dir).Count -gt 0
        }
        function New-Run([string] $Name) {
            $dir = Join-Path $work $Name
            New-Item -ItemType Directory $dir -Force | Out-Null
            $dir
        }
        $script:prelude = "Import-Module FaceCluster; `$env:SOURCE_DATE_EPOCH = '1700000000'; `$big = '$big'; `$store = '$store'; `$clip = '$clip'"
    }

    It 'kill -9 of pwsh in <_> leaves no half-written output, and the rerun equals an uninterrupted run' -ForEach 'Export-FaceEncoding', 'Merge-FaceEncoding', 'Export-VideoFrame' {
        $w = $writers[$_]
        $reference = New-Run "ref-kill-$_"; $killed = New-Run "killed-$_"
        & $w.Script $reference
        $body = ($w.Slow ?? $w.Script).ToString()
        $start = [Diagnostics.ProcessStartInfo]::new($Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-Command', "`$ErrorActionPreference = 'Stop'; $prelude; & { $body } '$killed'") { $start.ArgumentList.Add($a) }
        $start.RedirectStandardOutput = $true
        $process = [Diagnostics.Process]::Start($start)
        $deadline = [DateTime]::UtcNow.AddMinutes(3)
        while (-not $process.HasExited -and -not (Test-Started $killed ([bool]$w.Files)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 2 }
        $process.HasExited | Should -BeFalse -Because 'the writer must still be running when it is killed'
        kill -9 $process.Id
        $process.WaitForExit()
        if (-not $w.Files) {
            Test-Path (Join-Path $killed 'out.jsonl') | Should -BeFalse -Because 'the store appears only whole'
            (Get-Temp $killed).Count | Should -BeGreaterThan 0 -Because 'the kill landed while the temp file was being written'
        }
        # The rerun in the same folder: the killed run's temp files go, and the result is that of the uninterrupted run.
        & $w.Script $killed
        Get-Temp $killed | Should -BeNullOrEmpty
        Get-Result $killed | Should -Be (Get-Result $reference)
    }

    It 'Ctrl+C (StopProcessing) in <_> leaves no half-written output, and the rerun equals an uninterrupted run' -ForEach 'Export-FaceEncoding', 'Merge-FaceEncoding', 'Export-VideoFrame' {
        $w = $writers[$_]
        $reference = New-Run "ref-stop-$_"; $stopped = New-Run "stopped-$_"
        & $w.Script $reference
        $ps = [powershell]::Create()
        $null = $ps.AddScript("$prelude; & { $(($w.Slow ?? $w.Script).ToString()) } '$stopped'")
        $async = $ps.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddMinutes(3)
        while (-not $async.IsCompleted -and -not (Test-Started $stopped ([bool]$w.Files)) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 2 }
        $async.IsCompleted | Should -BeFalse -Because 'the writer must still be running when it is stopped'
        $ps.Stop()
        $ps.Dispose()
        Get-Temp $stopped | Should -BeNullOrEmpty
        if (-not $w.Files) { Test-Path (Join-Path $stopped 'out.jsonl') | Should -BeFalse }
        & $w.Script $stopped
        Get-Result $stopped | Should -Be (Get-Result $reference)
    }
}

Describe 'Exit codes of dotnet pwsh -File running the cmdlets' {
    BeforeAll {
        function Invoke-File([string] $Body) {
            $file = Join-Path $work "script-$([Guid]::NewGuid().ToString('N').Substring(0, 6)).ps1"
            Set-Content -LiteralPath $file -Value $Body
            $start = [Diagnostics.ProcessStartInfo]::new($Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $start.ArgumentList.Add($a) }
            $start.RedirectStandardOutput = $true; $start.RedirectStandardError = $true
            $p = [Diagnostics.Process]::Start($start)
            $null = $p.StandardOutput.ReadToEndAsync(); $null = $p.StandardError.ReadToEndAsync()
            $p.WaitForExit()
            $p.ExitCode
        }
    }
    It 'a terminating error (Merge-FaceEncoding with nothing to merge) exits 1 under the ops idiom $ErrorActionPreference = ''Stop''' {
        Invoke-File "`$ErrorActionPreference = 'Stop'; Import-Module FaceCluster; Merge-FaceEncoding -Path '$work/none-*.jsonl' -OutputPath '$work/x.jsonl'; exit 0" | Should -Be 1
    }
    It 'a non-terminating error (a missing store) exits 1 under the same idiom' {
        Invoke-File "`$ErrorActionPreference = 'Stop'; Import-Module FaceCluster; Import-FaceEncoding -LiteralPath '$work/missing.jsonl'; exit 0" | Should -Be 1
    }
    It 'without it, PowerShell goes on after a cmdlet''s terminating error and the script exits 0: the reason for the idiom' {
        Invoke-File "Import-Module FaceCluster; Merge-FaceEncoding -Path '$work/none-*.jsonl' -OutputPath '$work/x.jsonl'" | Should -Be 0
    }
    It 'a clean run exits 0' {
        Invoke-File "`$ErrorActionPreference = 'Stop'; Import-Module FaceCluster; Import-FaceEncoding -LiteralPath '$store' | Out-Null" | Should -Be 0
    }
}
