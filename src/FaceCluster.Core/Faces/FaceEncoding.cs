namespace FaceCluster;

/// <summary>A rectangle in source-image pixels.</summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    public float Right => X + Width;
    public float Bottom => Y + Height;
    public float CenterX => X + Width / 2f;
    public float CenterY => Y + Height / 2f;

    public float IntersectionOverUnion(FaceBox other)
    {
        float ix = MathF.Max(0, MathF.Min(Right, other.Right) - MathF.Max(X, other.X));
        float iy = MathF.Max(0, MathF.Min(Bottom, other.Bottom) - MathF.Max(Y, other.Y));
        float intersection = ix * iy;
        float union = Width * Height + other.Width * other.Height - intersection;
        return union <= 0 ? 0 : intersection / union;
    }

    public override string ToString() => $"{X:0},{Y:0} {Width:0}x{Height:0}";
}

/// <summary>A point in source-image pixels.</summary>
public readonly record struct FacePoint(float X, float Y)
{
    public override string ToString() => $"{X:0.0},{Y:0.0}";
}

/// <summary>The six BlazeFace keypoints, named from the subject's point of view.</summary>
public sealed record FaceLandmarks(
    FacePoint RightEye,
    FacePoint LeftEye,
    FacePoint NoseTip,
    FacePoint Mouth,
    FacePoint RightEar,
    FacePoint LeftEar)
{
    public FacePoint[] ToArray() => [RightEye, LeftEye, NoseTip, Mouth, RightEar, LeftEar];

    public static FaceLandmarks FromArray(IReadOnlyList<FacePoint> points)
    {
        if (points.Count != 6) throw new ArgumentException("BlazeFace has exactly six keypoints.", nameof(points));
        return new FaceLandmarks(points[0], points[1], points[2], points[3], points[4], points[5]);
    }
}

/// <summary>One face found in one image: where it is and the 128-d descriptor that identifies the person.</summary>
public sealed class FaceEncoding
{
    public const int DescriptorLength = 128;

    /// <summary>Stable identity: derived from the source path and the box, so reruns give the same ids.</summary>
    public required string Id { get; init; }
    public required string Path { get; init; }
    public string? VideoPath { get; init; }
    public int? FrameIndex { get; init; }
    public TimeSpan? Timestamp { get; init; }
    /// <summary>
    /// Shot of the video the frame belongs to (<see cref="VideoFrame.Shot"/>: shots are numbered 0, 1, ... from the
    /// first sampled frame, a new one at every cut). Null for photos and for frames of older runs.
    /// </summary>
    public int? Shot { get; init; }
    /// <summary>
    /// The track the face belongs to: faces of consecutive frames of one shot that are the same face (boxes overlap,
    /// descriptors agree), set by clustering with tracks (<see cref="ClusteringOptions.UseTracks"/>,
    /// <see cref="Clustering.Tracks"/>). Null for a face seen in no neighbouring frame, and before clustering.
    /// </summary>
    public string? TrackId { get => trackId; init => trackId = value; }
    private string? trackId;
    public int ImageWidth { get; init; }
    public int ImageHeight { get; init; }
    public required FaceBox Box { get; init; }
    public required FaceLandmarks Landmarks { get; init; }
    public float Confidence { get; init; }
    /// <summary>Variance of the Laplacian of the aligned chip; low values are blurry faces.</summary>
    public double Sharpness { get; init; }
    public required float[] Descriptor { get; init; }
    /// <summary>The descriptor model that produced <see cref="Descriptor"/>; descriptors of different models never mix.</summary>
    public required string Model { get; init; }

    /// <summary>The same face under another identity or source: a moved image, or a cached face seen again as a video frame.</summary>
    public FaceEncoding WithSource(string id, string path, string? videoPath, int? frameIndex, TimeSpan? timestamp, int? shot = null) => new()
    {
        Id = id,
        Path = path,
        VideoPath = videoPath,
        FrameIndex = frameIndex,
        Timestamp = timestamp,
        Shot = shot,
        TrackId = TrackId,
        ImageWidth = ImageWidth,
        ImageHeight = ImageHeight,
        Box = Box,
        Landmarks = Landmarks,
        Confidence = Confidence,
        Sharpness = Sharpness,
        Descriptor = Descriptor,
        Model = Model,
    };

    /// <summary>The same face with another <see cref="TrackId"/> (every other field, present and future, copied as is).</summary>
    public FaceEncoding WithTrack(string? trackId)
    {
        var copy = (FaceEncoding)MemberwiseClone();
        copy.trackId = trackId;
        return copy;
    }

    public override string ToString() => $"{System.IO.Path.GetFileName(Path)} {Box}";
}

/// <summary>A frame sampled from a video and written to disk.</summary>
public sealed class VideoFrame
{
    public required string VideoPath { get; init; }
    public required int Index { get; init; }
    public required TimeSpan Timestamp { get; init; }
    public required string Path { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    /// <summary>
    /// Shot number within this extraction of the video: 0 from the first sampled frame, one more after every cut found
    /// between decoded frames (<see cref="Video.VideoFrameExtractorOptions.ShotThreshold"/>). Faces of different shots are
    /// never linked into one track. With a StartTime the count starts there.
    /// </summary>
    public int Shot { get; init; }

    public override string ToString() => Path;
}
