<#
.SYNOPSIS
    Runs the Pester tests against a built module folder and writes their counts as JSON (build.ps1 -Task Test).
.DESCRIPTION
    Runs in its own pwsh process. The module folder's parent goes first on PSModulePath, so the tests reach
    FaceCluster as users do: by autoloading, or Import-Module FaceCluster.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $ModuleDirectory,
    # Test files or folders, separated by the platform's path separator (one argument through pwsh -File).
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $SummaryPath
)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = (Split-Path $ModuleDirectory) + [IO.Path]::PathSeparator + $env:PSModulePath
Import-Module $PesterManifest
$configuration = New-PesterConfiguration
$configuration.Run.Path = [string[]]($Path -split [regex]::Escape([IO.Path]::PathSeparator))
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $configuration
[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount + $result.NotRunCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath
exit ($result.Result -eq 'Passed' ? 0 : 1)
