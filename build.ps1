<#
.SYNOPSIS
    Builds, tests, packages and demonstrates the FaceCluster module.
.DESCRIPTION
    Build   : dotnet build; lays out the importable module at artifacts/FaceCluster (models fetched from npm and verified).
    Test    : builds, runs every xunit test project, then the Pester tests (tests/Pester/*.Tests.ps1) in a child pwsh
              against artifacts/FaceCluster, and prints one 'N passed, N failed, N skipped' line for the whole run.
    Package : builds Release and writes artifacts/FaceCluster.<version>.nupkg (and the updatable help, artifacts/help), the module folder zipped as the
              PowerShell Gallery expects (Install-PSResource / Publish-PSResource accept it).
              -NoBuild packages artifacts/FaceCluster as it stands; -OutputDirectory puts the nupkg elsewhere.
    Demo    : builds, then runs examples/main-job.ps1 (the whole chain on the embedded sample) in a child pwsh.
    Runs in the pwsh the local tool manifest pins (.config/dotnet-tools.json):
        dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
    The module itself is only ever loaded by child processes: the build rewrites its folder.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -Configuration Release
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Test -TestArguments '--filter', 'FullyQualifiedName~Store' -PesterPath tests/Pester/Conventions.Tests.ps1
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Demo')]
    [string] $Task = 'Build',
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug',
    # Extra arguments for 'dotnet test' (for example a --filter).
    [string[]] $TestArguments = @(),
    # Pester test files or folders to run (default: tests/Pester).
    [string[]] $PesterPath = @(),
    # Skips the xunit projects (Pester only), for a quick loop on the cmdlet tests.
    [switch] $SkipXunit,
    # Package: use artifacts/FaceCluster as it is.
    [switch] $NoBuild,
    [string] $OutputDirectory
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$solution = Join-Path $root 'FaceCluster.PowerShell.sln'
$moduleDir = Join-Path $root 'artifacts' 'FaceCluster'
$pesterVersion = '6.2.0'

function Invoke-Dotnet([string[]] $arguments) {
    & dotnet @arguments | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

# The pwsh running this script, started again as a fresh process (the dotnet tool's apphost, or pwsh on PATH).
function Get-PwshCommand {
    $apphost = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    if (Test-Path -LiteralPath $apphost) { return $apphost }
    (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

function Invoke-Build {
    Invoke-Dotnet @('build', $solution, '-c', $Configuration, '-nologo')
    if (-not (Test-Path -LiteralPath (Join-Path $moduleDir 'FaceCluster.psd1'))) { throw "The build did not lay out $moduleDir." }
}

# Pester comes from NuGet (tools/pester/pester.proj restores it into the global packages folder).
function Get-PesterManifest {
    Invoke-Dotnet @('restore', (Join-Path $root 'tools' 'pester' 'pester.proj'), '-nologo', '-v', 'q') | Out-Host
    $packages = $env:NUGET_PACKAGES
    if (-not $packages) {
        $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $manifest = Join-Path $packages 'pester' $pesterVersion 'tools' 'Pester.psd1'
    if (-not (Test-Path -LiteralPath $manifest)) { throw "Pester $pesterVersion is not at $manifest after restore." }
    $manifest
}

function Invoke-Xunit {
    $results = Join-Path $root 'artifacts' 'test-results'
    Get-ChildItem -LiteralPath $results -Filter *.trx -ErrorAction SilentlyContinue | Remove-Item
    $arguments = @('test', $solution, '-c', $Configuration, '--no-build', '--logger', 'trx', '--results-directory', $results) + $TestArguments
    # To the host, not the output: this function's output is its counts.
    & dotnet @arguments | Out-Host
    $exit = $LASTEXITCODE
    $counts = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($trx in Get-ChildItem -LiteralPath $results -Filter *.trx -ErrorAction SilentlyContinue) {
        $counters = ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).TestRun.ResultSummary.Counters
        $counts.Passed += [int]$counters.passed
        $counts.Failed += [int]$counters.failed
        $counts.Skipped += [int]$counters.notExecuted
    }
    # A crashed test host counts no failure in the trx but fails the run.
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    $counts
}

function Invoke-PesterTests {
    $pester = Get-PesterManifest
    $paths = if ($PesterPath) { $PesterPath | ForEach-Object { (Resolve-Path $_).Path } } else { @(Join-Path $root 'tests' 'Pester') }
    $summary = Join-Path $root 'artifacts' 'test-results' 'pester-summary.json'
    New-Item -ItemType Directory -Force -Path (Split-Path $summary) | Out-Null
    Remove-Item -LiteralPath $summary -ErrorAction SilentlyContinue
    # A fresh process: it loads the module just built, and the tests' module state cannot leak into this build.
    $runner = Join-Path $root 'tests' 'Pester' 'Invoke-PesterRun.ps1'
    & (Get-PwshCommand) -NoProfile -NonInteractive -File $runner -PesterManifest $pester -ModuleDirectory $moduleDir -Path ($paths -join [IO.Path]::PathSeparator) -SummaryPath $summary | Out-Host
    $exit = $LASTEXITCODE
    $counts = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path -LiteralPath $summary) {
        $result = Get-Content -LiteralPath $summary -Raw | ConvertFrom-Json
        $counts.Passed = $result.Passed; $counts.Failed = $result.Failed; $counts.Skipped = $result.Skipped
    }
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    $counts
}

function Invoke-Test {
    Invoke-Build
    $runs = @()
    if (-not $SkipXunit) { $runs += Invoke-Xunit }
    $runs += Invoke-PesterTests
    $passed = ($runs | Measure-Object -Property Passed -Sum).Sum
    $failed = ($runs | Measure-Object -Property Failed -Sum).Sum
    $skipped = ($runs | Measure-Object -Property Skipped -Sum).Sum
    "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { throw 'Tests failed.' }
    if ($passed -eq 0) { throw 'No test ran.' }
}

function Invoke-Demo {
    Invoke-Build
    # The child finds the module just built by name, as it would find an installed one.
    $env:PSModulePath = (Join-Path $root 'artifacts') + [IO.Path]::PathSeparator + $env:PSModulePath
    & (Get-PwshCommand) -NoProfile -NonInteractive -File (Join-Path $root 'examples' 'main-job.ps1')
    if ($LASTEXITCODE -ne 0) { throw "The main job failed with exit code $LASTEXITCODE." }
}
function Invoke-Package {
    if (-not $NoBuild) {
        $script:Configuration = 'Release'
        Invoke-Build
    }
    $manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $moduleDir 'FaceCluster.psd1')
    $version = $manifest.ModuleVersion
    $psData = $manifest.PrivateData.PSData
    $outputFolder = $OutputDirectory ? [IO.Path]::GetFullPath($OutputDirectory) : (Join-Path $root 'artifacts')
    New-Item -ItemType Directory -Force -Path $outputFolder | Out-Null
    $nupkg = Join-Path $outputFolder "FaceCluster.$version.nupkg"
    $staging = Join-Path $outputFolder 'package-staging'
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    New-Item -ItemType Directory -Path $staging | Out-Null
    foreach ($file in Get-ChildItem -LiteralPath $moduleDir -File -Recurse | Where-Object Extension -ne '.pdb') {
        $target = Join-Path $staging ([IO.Path]::GetRelativePath($moduleDir, $file.FullName))
        New-Item -ItemType Directory -Force -Path (Split-Path $target) | Out-Null
        Copy-Item -LiteralPath $file.FullName -Destination $target
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
    Set-Content -LiteralPath (Join-Path $staging 'FaceCluster.nuspec') -Value $nuspec -NoNewline
    # NuGet packages are OPC archives; the content-types part keeps strict readers happy.
    Set-Content -LiteralPath (Join-Path $staging '[Content_Types].xml') -NoNewline -Value @'
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="psd1" ContentType="application/octet" /><Default Extension="ps1xml" ContentType="application/octet" /><Default Extension="dll" ContentType="application/octet" /><Default Extension="xml" ContentType="application/octet" /><Default Extension="so" ContentType="application/octet" /><Default Extension="onnx" ContentType="application/octet" /><Default Extension="tflite" ContentType="application/octet" /><Default Extension="json" ContentType="application/octet" /><Default Extension="txt" ContentType="application/octet" /></Types>
'@
    $temporary = "$nupkg.tmp"
    Remove-Item -LiteralPath $temporary -ErrorAction SilentlyContinue
    # ZipFile rather than Compress-Archive: the part names must be exactly the relative paths (no folder entries).
    [IO.Compression.ZipFile]::CreateFromDirectory($staging, $temporary)
    Move-Item -LiteralPath $temporary -Destination $nupkg -Force
    Remove-Item -LiteralPath $staging -Recurse -Force
    "Package: $nupkg"
    Write-UpdatableHelp $manifest (Join-Path $outputFolder 'help')
}

# Updatable help, published with each release at the manifest's HelpInfoURI: a HelpInfo file naming the version
# of each culture's help, and the culture's help files zipped (pwsh 7 reads the zip; the module is Core-only, so no CAB).
function Write-UpdatableHelp($manifest, [string] $folder) {
    New-Item -ItemType Directory -Force -Path $folder | Out-Null
    $stem = "FaceCluster_$($manifest.GUID)"
    $culture = 'en-US'
    $zip = Join-Path $folder "${stem}_${culture}_HelpContent.zip"
    $temporary = "$zip.tmp"
    Remove-Item -LiteralPath $temporary -ErrorAction SilentlyContinue
    $archive = [IO.Compression.ZipFile]::Open($temporary, [IO.Compression.ZipArchiveMode]::Create)
    try {
        foreach ($file in Get-ChildItem -LiteralPath (Join-Path $moduleDir $culture) -File) {
            [void][IO.Compression.ZipFileExtensions]::CreateEntryFromFile($archive, $file.FullName, $file.Name)
        }
    }
    finally { $archive.Dispose() }
    Move-Item -LiteralPath $temporary -Destination $zip -Force
    $version = [version]$manifest.ModuleVersion
    $helpVersion = [version]::new($version.Major, $version.Minor, [Math]::Max($version.Build, 0), [Math]::Max($version.Revision, 0))
    $info = @"
<?xml version="1.0" encoding="utf-8"?>
<HelpInfo xmlns="http://schemas.microsoft.com/powershell/help/2010/05">
  <HelpContentURI>$([Security.SecurityElement]::Escape($manifest.HelpInfoURI))</HelpContentURI>
  <SupportedUICultures>
    <UICulture>
      <UICultureName>$culture</UICultureName>
      <UICultureVersion>$helpVersion</UICultureVersion>
    </UICulture>
  </SupportedUICultures>
</HelpInfo>
"@
    $infoPath = Join-Path $folder "${stem}_HelpInfo.xml"
    Set-Content -LiteralPath "$infoPath.tmp" -Value $info -NoNewline
    Move-Item -LiteralPath "$infoPath.tmp" -Destination $infoPath -Force
    "Updatable help: $folder"
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Package' { Invoke-Package }
    'Demo' { Invoke-Demo }
}
