@{
    RootModule           = 'FaceCluster.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c8a52-3d4e-4b8e-9a55-2f6f3c1d9b7e'
    Author               = 'FaceCluster contributors'
    CompanyName          = 'FaceCluster'
    Copyright            = '(c) FaceCluster contributors. MIT licence.'
    Description          = 'Turns video footage and photo folders into a labelled face dataset: frames, face detection and alignment, 128-d descriptors (HSE FaceRes by default, or the dlib ResNet of face_recognition), unsupervised clustering by person, and per-person folders ready for naming and training.'
    PowerShellVersion    = '7.4'
    # Update-Help reads FaceCluster_<GUID>_HelpInfo.xml here: the release assets build.ps1 -Task Package writes to artifacts/help.
    HelpInfoURI          = 'https://github.com/facecluster/FaceCluster.PowerShell/releases/latest/download/'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('FaceCluster.Format.ps1xml')
    TypesToProcess       = @('FaceCluster.Types.ps1xml')
    CmdletsToExport      = @(
        'Export-VideoFrame'
        'Get-FaceEncoding'
        'Export-FaceEncoding'
        'Import-FaceEncoding'
        'Merge-FaceEncoding'
        'Invoke-FaceClustering'
        'Find-FaceCluster'
        'Export-FaceDataset'
        'Rename-FaceCluster'
        'Merge-FaceCluster'
        'Import-FaceDataset'
    )
    FunctionsToExport    = @()
    # The plural name the first release used.
    AliasesToExport      = @('Export-VideoFrames')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('face', 'face-recognition', 'face-detection', 'clustering', 'dataset', 'video', 'opencv', 'onnx', 'Linux', 'PSEdition_Core')
            LicenseUri   = 'https://github.com/facecluster/FaceCluster.PowerShell/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/facecluster/FaceCluster.PowerShell'
            ReleaseNotes = @'
0.1.0: first release.
- Export-VideoFrames: frames by presentation time (1 fps, fit to 700x500), resumable, atomic.
- Get-FaceEncoding: BlazeFace detection (tiled for small faces), dlib-chip alignment, 128-d dlib ResNet descriptors in ONNX Runtime; files, photo folders (-Recurse) and video frames; -ThrottleLimit, -CachePath.
- Export-/Import-/Merge-FaceEncoding: a versioned JSON Lines encoding store.
- Invoke-FaceClustering: deterministic Chinese whispers (default), DBSCAN and average linkage, cannot-link for faces of one image, medoids, -Reference keeps names.
- Find-FaceCluster: files new faces under known people or Unknown (nearest neighbour, threshold 0.5).
- Export-/Import-FaceDataset, Rename-FaceCluster, Merge-FaceCluster: per-person folders with crops, chips, montages, manifests, index.html and a YOLO dataset, editable by hand or by cmdlet.
'@
        }
    }
}
