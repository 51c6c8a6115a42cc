<#
.SYNOPSIS
    Builds the embedded sample footage: slow pans and zooms across each face-api demo photo (real faces),
    written with OpenCV's mp4v encoder, plus <video>.truth.json, which maps every frame back to its photo.
.DESCRIPTION
    Every face appears in many frames at different positions and scales. The truth file lets tests and evaluation
    scripts tell which source face each detected face is. Deterministic: the same photos give the same video.
.EXAMPLE
    ./examples/New-SampleFootage.ps1 -OutputPath sample/footage.mp4
#>
#Requires -Version 7.4
#Requires -Modules FaceCluster
param(
    [string] $OutputPath = [IO.Path]::Combine($PSScriptRoot, '..', 'sample', 'footage.mp4'),
    [string] $Photos = [IO.Path]::Combine($PSScriptRoot, '..', 'obj', 'models', 'npm', 'node_modules', '@vladmandic', 'face-api', 'demo'),
    [int] $SecondsPerPhoto = 4,
    [switch] $Force
)
$ErrorActionPreference = 'Stop'
$OutputPath = [IO.Path]::GetFullPath($OutputPath)
if ([IO.File]::Exists($OutputPath) -and [IO.File]::Exists("$OutputPath.truth.json") -and -not $Force) {
    "Sample footage already there: $OutputPath"
    return
}
$photoFiles = [string[]][IO.Directory]::GetFiles($Photos, 'sample?.jpg')
[Array]::Sort($photoFiles, [StringComparer]::Ordinal)
if ($photoFiles.Count -eq 0) { throw "No demo photos in '$Photos'. Build first (dotnet build) so that the npm packages are fetched." }
[IO.Directory]::CreateDirectory([IO.Path]::GetDirectoryName($OutputPath)) | Out-Null
$options = [FaceCluster.Video.SampleFootageOptions]@{ SecondsPerPhoto = $SecondsPerPhoto; Force = $true }
$truth = [FaceCluster.Video.SampleFootage]::Create($photoFiles, $OutputPath, $options, $null, [Threading.CancellationToken]::None)
"Sample footage: $OutputPath ($($truth.Frames.Count) frames from $($photoFiles.Count) photos)"
