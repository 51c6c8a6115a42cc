<#
.SYNOPSIS
    The main job on the embedded sample: footage -> frames -> face encodings -> a store.
.DESCRIPTION
    Builds the sample footage from the face-api demo photos on first run (examples/New-SampleFootage.ps1), samples
    one frame per second, finds and describes every face (with a per-image cache, so a rerun is instant) and keeps
    the encodings in sample/faces.jsonl. Everything goes under sample/ (ignored by git).
.EXAMPLE
    dotnet run --project src/FaceCluster.Host -- -File examples/main-job.ps1
#>
param(
    [string] $WorkFolder = [IO.Path]::Combine($PSScriptRoot, '..', 'sample'),
    [int] $ThrottleLimit = [Environment]::ProcessorCount
)
$ErrorActionPreference = 'Stop'
$WorkFolder = [IO.Path]::GetFullPath($WorkFolder)
$footage = [IO.Path]::Combine($WorkFolder, 'footage.mp4')
& ([IO.Path]::Combine($PSScriptRoot, 'New-SampleFootage.ps1')) -OutputPath $footage

$frames = [IO.Path]::Combine($WorkFolder, 'frames')
$store = [IO.Path]::Combine($WorkFolder, 'faces.jsonl')
$faces = Export-VideoFrames -LiteralPath $footage -OutputPath $frames |
    Get-FaceEncoding -ThrottleLimit $ThrottleLimit -CachePath ([IO.Path]::Combine($WorkFolder, 'cache')) |
    Export-FaceEncoding -Path $store -Force -PassThru

$frameCount = [IO.Directory]::GetFiles($frames).Count
"$($faces.Count) faces in $frameCount frames; encodings in $store"
