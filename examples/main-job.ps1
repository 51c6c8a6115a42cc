<#
.SYNOPSIS
    The main job on the embedded sample: finds and describes every face in the face-api demo photos
    that the build fetched from npm.
.EXAMPLE
    dotnet run --project src/FaceCluster.Host -- -File examples/main-job.ps1
#>
param(
    [string] $Photos = [IO.Path]::Combine($PSScriptRoot, '..', 'obj', 'models', 'npm', 'node_modules', '@vladmandic', 'face-api', 'demo', 'sample?.jpg')
)
$ErrorActionPreference = 'Stop'
$faces = Get-FaceEncoding -Path $Photos
$faces
$images = [Collections.Generic.HashSet[string]]::new([string[]]@($faces.Path))
"$($faces.Count) faces in $($images.Count) images."
