<#
.SYNOPSIS
    Opens a dataset's index.html in headless Chromium: checks that every <img> really loaded and writes a screenshot.
.DESCRIPTION
    The page itself is never changed. A probe copy of index.html is written to a new temporary folder with a
    <base href> pointing at the dataset folder (so every relative link resolves exactly as in the real page) and a
    small script that, after the window's load event, records for every <img> whether it decoded
    (complete and naturalWidth > 0) and its natural size. Lazy images are switched to eager first, so images
    below the fold are checked too. Chromium's --dump-dom prints the DOM after the load, and the script reads the
    record back from it. A broken or missing image shows up as BROKEN (naturalWidth 0), which a check of the
    src attributes alone would not prove.
    Then the real index.html is screenshotted (file://, 1280x2000 by default).
    Every Chromium run gets its own throw-away profile (--user-data-dir) and no network features.
    Emits one object per image; throws when an image is broken, no image is on the page, or Chromium fails.
.EXAMPLE
    dotnet pwsh ./examples/Test-DatasetIndex.ps1 -Path sample/dataset -Screenshot sample/index.png
#>
param(
    [Parameter(Mandatory = $true)] [string] $Path,
    [string] $Screenshot,
    [string] $Browser = 'chromium',
    [int] $Width = 1280,
    [int] $Height = 2000,
    [int] $TimeoutSeconds = 90
)
$ErrorActionPreference = 'Stop'

$dataset = [IO.Path]::GetFullPath($Path)
$index = [IO.Path]::Combine($dataset, 'index.html')
if (-not [IO.File]::Exists($index)) { throw "No index.html in '$dataset'." }
if (-not $Screenshot) { $Screenshot = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'facecluster-index-' + [Guid]::NewGuid().ToString('N') + '.png') }
$Screenshot = [IO.Path]::GetFullPath($Screenshot)

function Invoke-Chromium([string[]] $Arguments, [string] $Profile) {
    $info = [Diagnostics.ProcessStartInfo]::new($Browser)
    foreach ($a in @('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars',
            "--user-data-dir=$Profile", "--window-size=$Width,$Height")) { $info.ArgumentList.Add($a) }
    foreach ($a in $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    $stdout = $process.StandardOutput.ReadToEndAsync()
    $stderr = $process.StandardError.ReadToEndAsync()
    if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
        $process.Kill($true)
        throw "$Browser did not finish within $TimeoutSeconds s."
    }
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "$Browser exited with $($process.ExitCode): $($stderr.Result)" }
    $stdout.Result
}

$work = [IO.Path]::Combine([IO.Path]::GetTempPath(), 'facecluster-chromium-' + [Guid]::NewGuid().ToString('N'))
[IO.Directory]::CreateDirectory($work) | Out-Null
try {
    $baseUrl = [Uri]::new($dataset.TrimEnd([IO.Path]::DirectorySeparatorChar) + [IO.Path]::DirectorySeparatorChar).AbsoluteUri
    $probe = @'
<script>
(function () {
  var images = document.images;
  for (var i = 0; i < images.length; i++) images[i].loading = 'eager';
  window.addEventListener('load', function () {
    var lines = [];
    for (var i = 0; i < images.length; i++) {
      var img = images[i];
      lines.push((img.complete && img.naturalWidth > 0 ? 'OK' : 'BROKEN') + '\t' + img.naturalWidth + '\t' + img.naturalHeight + '\t' + img.getAttribute('src'));
    }
    var pre = document.createElement('pre');
    pre.id = 'facecluster-image-check';
    pre.textContent = 'IMAGES ' + images.length + '\n' + lines.join('\n');
    document.body.appendChild(pre);
  });
})();
</script>
'@
    $html = [IO.File]::ReadAllText($index)
    $base = '<base href="' + [Net.WebUtility]::HtmlEncode($baseUrl) + '">'
    $head = [regex]::Match($html, '<head[^>]*>', 'IgnoreCase')
    $html = if ($head.Success) { $html.Insert($head.Index + $head.Length, $base) } else { $base + $html }
    $bodyEnd = $html.LastIndexOf('</body>', [StringComparison]::OrdinalIgnoreCase)
    $html = if ($bodyEnd -ge 0) { $html.Insert($bodyEnd, $probe) } else { $html + $probe }
    $probePage = [IO.Path]::Combine($work, 'probe.html')
    [IO.File]::WriteAllText($probePage, $html)

    $dom = Invoke-Chromium @('--virtual-time-budget=10000', '--run-all-compositor-stages-before-draw', '--dump-dom', [Uri]::new($probePage).AbsoluteUri) ([IO.Path]::Combine($work, 'profile-dom'))
    $record = [regex]::Match($dom, '<pre id="facecluster-image-check">([\s\S]*?)</pre>')
    if (-not $record.Success) { throw "The probe found no result in the DOM Chromium dumped (did the page load?)." }
    $lines = [Net.WebUtility]::HtmlDecode($record.Groups[1].Value).Split("`n")
    $expected = [regex]::Matches([IO.File]::ReadAllText($index), '<img\b', 'IgnoreCase').Count
    $count = [int]$lines[0].Substring(7)
    if ($count -ne $expected) { throw "Chromium saw $count images, index.html has $expected <img> tags." }
    if ($count -eq 0) { throw "index.html shows no images." }

    $broken = 0
    for ($i = 1; $i -lt $lines.Count; $i++) {
        $f = $lines[$i].Split("`t")
        if ($f[0] -ne 'OK') { $broken++ }
        [pscustomobject]@{ Status = $f[0]; Width = [int]$f[1]; Height = [int]$f[2]; Source = [Uri]::UnescapeDataString($f[3]) }
    }

    [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($Screenshot)) | Out-Null
    Invoke-Chromium @('--virtual-time-budget=10000', '--run-all-compositor-stages-before-draw', "--screenshot=$Screenshot", [Uri]::new($index).AbsoluteUri) ([IO.Path]::Combine($work, 'profile-shot')) | Out-Null
    if (-not [IO.File]::Exists($Screenshot)) { throw "Chromium wrote no screenshot to '$Screenshot'." }
    $Host.UI.WriteLine("$count images checked, $broken broken; screenshot: $Screenshot")
    if ($broken -gt 0) { throw "$broken of $count images in '$index' did not load." }
}
finally {
    try { [IO.Directory]::Delete($work, $true) } catch { }
}
