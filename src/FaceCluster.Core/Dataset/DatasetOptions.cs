using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>What <see cref="DatasetWriter"/> writes besides the manifest, the index page and the marker.</summary>
[Flags]
public enum DatasetContent
{
    None = 0,
    /// <summary><c>&lt;Label&gt;/portrait_&lt;faceId&gt;.jpg</c>: the face with a margin, scaled to a fixed width.</summary>
    Portraits = 1,
    /// <summary><c>&lt;Label&gt;/chip_&lt;faceId&gt;.png</c>: the aligned chip made by <see cref="DatasetWriterOptions.Aligner"/>.</summary>
    Chips = 2,
    /// <summary><c>&lt;Label&gt;/montage.jpg</c>: a 5x5 grid of the sharpest and most different faces with the label on it.</summary>
    Montage = 4,
    /// <summary><c>yolo/</c>: an Ultralytics/Darknet detection dataset (images, labels, data.yaml).</summary>
    Yolo = 8,
    Default = Portraits | Chips | Montage,
    All = Portraits | Chips | Montage | Yolo,
}

/// <summary>How <see cref="DatasetWriter"/> writes a dataset folder. The defaults are the ones Export-FaceDataset uses.</summary>
public sealed record DatasetWriterOptions
{
    /// <summary>The dataset root. Created when missing.</summary>
    public required string OutputDirectory { get; init; }

    public DatasetContent Include { get; init; } = DatasetContent.Default;

    /// <summary>Portrait margin left and right of the face box, in source pixels (clipped to the frame).</summary>
    public int PortraitMarginX { get; init; } = 100;

    /// <summary>Portrait margin above and below the face box, in source pixels (clipped to the frame).</summary>
    public int PortraitMarginY { get; init; } = 150;

    /// <summary>Portraits are scaled to this width (height keeps the aspect ratio).</summary>
    public int PortraitWidth { get; init; } = 400;

    /// <summary>Share of the YOLO source images that go to <c>val</c> (deterministic, by a hash of the image name).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    /// <summary>Also export the noise cluster (Id 0) into <c>_unclustered/</c>. Noise is never a YOLO class.</summary>
    public bool IncludeNoise { get; init; }

    /// <summary>
    /// Write into a non-empty folder that is not a FaceCluster dataset (only files FaceCluster wrote are ever replaced;
    /// every other existing file is left untouched). In an update of a dataset, also delete the files an earlier
    /// export wrote that this one no longer writes (stale YOLO images, a person's old files); without it they stay, with a warning.
    /// </summary>
    public bool Force { get; init; }

    /// <summary>Plan only: report every file that would be written (<see cref="IDatasetReporter.PlannedWrite"/>) and write nothing.</summary>
    public bool WhatIf { get; init; }

    /// <summary>
    /// Makes the aligned chip (for example FaceCluster.Alignment.FaceAligner) from the whole source image (BGR)
    /// and the face's landmarks. The writer disposes the returned Mat. Without it no chips are written (a warning says so).
    /// </summary>
    public Func<Mat, FaceLandmarks, Mat>? Aligner { get; init; }

    /// <summary>
    /// Asked about every file operation of the plan (target, action) before any is applied; in -WhatIf each call prints
    /// a line and returns false. When any answer is false nothing is changed. Null: the reporter's PlannedWrite in plan mode.
    /// </summary>
    public Func<string, string, bool>? ShouldProcess { get; init; }

    /// <summary>Progress, warnings and planned writes. Null for none.</summary>
    public IDatasetReporter? Reporter { get; init; }

    public CancellationToken CancellationToken { get; init; }

    /// <summary>JPEG quality of portraits, montages and YOLO images.</summary>
    public int JpegQuality { get; init; } = DefaultJpegQuality;

    /// <summary>Also the quality of montages rewritten after an export (rename, merge), which have no options.</summary>
    public const int DefaultJpegQuality = 92;
}
