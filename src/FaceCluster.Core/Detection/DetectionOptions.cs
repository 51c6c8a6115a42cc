namespace FaceCluster.Detection;

/// <summary>Settings for <see cref="BlazeFaceDetector.Detect"/>.</summary>
public sealed record DetectionOptions
{
    /// <summary>The defaults: confidence 0.5, faces of 20 px and more, no limit, tiling down to 40 px faces, padded retry on.</summary>
    public static DetectionOptions Default { get; } = new();

    /// <summary>Detections scoring below this are dropped (MediaPipe's default is 0.5). Range [0, 1].</summary>
    public float MinConfidence { get; init; } = 0.5f;

    /// <summary>
    /// Faces whose box is narrower than this many source pixels are dropped. Default 20: smaller faces are
    /// found unreliably and are useless as training data anyway. The multi-scale search only looks for faces
    /// down to <see cref="SmallestFace"/>; smaller ones are reported only when found by chance.
    /// </summary>
    public float MinFaceSize { get; init; } = 20f;

    /// <summary>Keep at most this many faces (the most confident). Null: no limit.</summary>
    public int? MaxFaces { get; init; }

    /// <summary>
    /// The smallest face, in source pixels, the multi-scale search is built to find (default 40). On images
    /// where such a face would be too small for the network (longer side above 12x this value), overlapping
    /// tiles are searched as well as the whole image, sized so that this face is about 16 pixels of the
    /// 192-pixel network input. Smaller values mean more tiles (cost grows with the square); 0 searches the
    /// whole image only (one network pass; reliable for faces wider than 1/12 of the longer image side).
    /// </summary>
    public float SmallestFace { get; init; } = 40f;

    /// <summary>
    /// Re-detect each face that was small in the network input (under 40 of 192 px, e.g. any face under 400 px
    /// in a 1920 px photo) in a crop four times its size, rotated so the eyes are level, and in the mirror image of
    /// that crop, and take its box and keypoints from the average of the two readings: much steadier keypoints,
    /// hence better alignment (eyes land within ~1 px whatever the head roll), for two network passes per face.
    /// Default true.
    /// (Faces found only in tiles are always re-detected: that second look is what rejects false positives.)
    /// </summary>
    public bool Refine { get; init; } = true;

    /// <summary>
    /// When nothing is found, search again with the image centred on a canvas twice its size (edges replicated),
    /// which finds faces in tight crops that fill the whole frame.
    /// </summary>
    public bool PaddedRetry { get; init; } = true;

    /// <summary>
    /// Search large levels as one downscaled image in windows (default), or every level in letterboxed tiles as before
    /// windows: only for the bench, which times both in one process.
    /// </summary>
    internal bool LevelWindows { get; init; } = true;

    /// <summary>Bench only: refine faces narrower than this many network-input pixels (experiment knob).</summary>
    internal float RefineBelow { get; init; } = BlazeFaceDetector.RefineBelowInputPixels;

    /// <summary>Bench only: average each refine reading with its mirror image's (experiment knob).</summary>
    internal bool RefineMirror { get; init; } = true;

    internal void Validate()
    {
        if (float.IsNaN(MinConfidence) || MinConfidence < 0 || MinConfidence > 1)
            throw new ArgumentOutOfRangeException(nameof(MinConfidence), MinConfidence, "Must be between 0 and 1.");
        if (float.IsNaN(MinFaceSize) || MinFaceSize < 0)
            throw new ArgumentOutOfRangeException(nameof(MinFaceSize), MinFaceSize, "Must be zero or more.");
        if (float.IsNaN(SmallestFace) || SmallestFace < 0)
            throw new ArgumentOutOfRangeException(nameof(SmallestFace), SmallestFace, "Must be zero or more.");
        if (MaxFaces is < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxFaces), MaxFaces, "Must be at least 1.");
    }
}
