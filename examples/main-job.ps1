<#
.SYNOPSIS
    The main job on the embedded sample: footage -> frames -> face encodings -> people -> a labelled dataset.
.DESCRIPTION
    Builds the sample footage from the face-api demo photos on first run (examples/New-SampleFootage.ps1), samples
    one frame per second, finds and describes every face (with a per-image cache, so a rerun is instant), keeps
    the encodings in sample/faces.jsonl, groups the faces into people and writes one folder per person to
    sample/dataset, with sample/dataset/index.html to review them. A rerun keeps the names given to people
    (Rename-FaceCluster, or renaming a folder). Everything goes under sample/ (ignored by git).
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Demo        # builds, then runs this script with the module just built
.EXAMPLE
    ./examples/main-job.ps1                   # in pwsh, with FaceCluster installed or on PSModulePath
#>
#Requires -Version 7.4
#Requires -Modules FaceCluster
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
$faces = Export-VideoFrame -LiteralPath $footage -OutputPath $frames |
    Get-FaceEncoding -ThrottleLimit $ThrottleLimit -CachePath ([IO.Path]::Combine($WorkFolder, 'cache')) |
    Export-FaceEncoding -OutputPath $store -Force -PassThru

$frameCount = [IO.Directory]::GetFiles($frames).Count
"$($faces.Count) faces in $frameCount frames; encodings in $store"

$dataset = [IO.Path]::Combine($WorkFolder, 'dataset')
# An existing dataset is the reference: people named there keep their names.
$reference = if ([IO.File]::Exists([IO.Path]::Combine($dataset, '.facecluster-dataset.json'))) { @{ Reference = $dataset } } else { @{} }
$people = $faces | Invoke-FaceClustering @reference
$people
$people | Export-FaceDataset -OutputPath $dataset -Format Yolo | Out-Null
"$(@($people).Count) people; review them in $([IO.Path]::Combine($dataset, 'index.html'))"
