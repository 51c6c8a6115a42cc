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

    /// <summary>The box in an image scaled by <paramref name="sx"/> x <paramref name="sy"/> (pixel corners scale, so (0,0) stays put).</summary>
    public FaceBox Scale(double sx, double sy) => sx == 1 && sy == 1 ? this
        : new FaceBox((float)(X * sx), (float)(Y * sy), (float)(Width * sx), (float)(Height * sy));

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

    /// <summary>The keypoints in an image scaled by <paramref name="sx"/> x <paramref name="sy"/>.</summary>
    public FaceLandmarks Scale(double sx, double sy) => sx == 1 && sy == 1 ? this
        : FromArray(ToArray().Select(p => new FacePoint((float)(p.X * sx), (float)(p.Y * sy))).ToArray());

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

    /// <summary>
    /// The full-resolution image the chip and descriptor were cut from, when the face was found on a scaled-down copy
    /// (a video frame capped for detection speed); null when the pixels came from <see cref="Path"/> itself.
    /// <see cref="Box"/> and <see cref="Landmarks"/> stay in <see cref="Path"/>'s pixels; <see cref="PixelBox"/> and
    /// <see cref="PixelLandmarks"/> give them in this image's.
    /// </summary>
    public string? FullResolutionPath { get; init; }
    /// <summary>Size of <see cref="FullResolutionPath"/> in pixels (0 when there is none).</summary>
    public int FullResolutionWidth { get; init; }
    public int FullResolutionHeight { get; init; }

    /// <summary>How usable the face is for identity (null for faces of stores written before it was measured).</summary>
    public FaceQuality? Quality { get; init; }

    /// <summary>The image whose pixels describe this face: <see cref="FullResolutionPath"/> when there is one, else <see cref="Path"/>.</summary>
    public string PixelPath => FullResolutionPath ?? Path;

    /// <summary>Horizontal and vertical scale from <see cref="Path"/>'s pixels to <see cref="PixelPath"/>'s (1 without a full-resolution image).</summary>
    public (double X, double Y) PixelScale => FullResolutionPath is not null && ImageWidth > 0 && ImageHeight > 0 && FullResolutionWidth > 0 && FullResolutionHeight > 0
        ? ((double)FullResolutionWidth / ImageWidth, (double)FullResolutionHeight / ImageHeight)
        : (1, 1);

    /// <summary><see cref="Box"/> in <see cref="PixelPath"/>'s pixels.</summary>
    public FaceBox PixelBox => Box.Scale(PixelScale.X, PixelScale.Y);

    /// <summary><see cref="Landmarks"/> in <see cref="PixelPath"/>'s pixels.</summary>
    public FaceLandmarks PixelLandmarks => Landmarks.Scale(PixelScale.X, PixelScale.Y);

    /// <summary>The same face under another identity or source: a moved image, or a cached face seen again as a video frame.</summary>
    /// <remarks><paramref name="fullResolutionPath"/>, when given, replaces <see cref="FullResolutionPath"/> (a cached face whose frames folder moved); null keeps it.</remarks>
    public FaceEncoding WithSource(string id, string path, string? videoPath, int? frameIndex, TimeSpan? timestamp, string? fullResolutionPath = null, int? shot = null) => new()
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
        FullResolutionPath = fullResolutionPath ?? FullResolutionPath,
        FullResolutionWidth = FullResolutionWidth,
        FullResolutionHeight = FullResolutionHeight,
        Quality = Quality,
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
    /// The same frame at the video's own resolution, written when <see cref="Path"/> was scaled down (under <c>full/</c>
    /// next to it); null when the frame was not scaled or the full-resolution copy was not asked for. Get-FaceEncoding
    /// detects on <see cref="Path"/> and cuts chips and descriptors from this image.
    /// </summary>
    public string? FullResolutionPath { get; init; }
    /// <summary>
    /// Shot number within this extraction of the video: 0 from the first sampled frame, one more after every cut found
    /// between decoded frames (<see cref="Video.VideoFrameExtractorOptions.ShotThreshold"/>). Faces of different shots are
    /// never linked into one track. With a StartTime the count starts there.
    /// </summary>
    public int Shot { get; init; }

    public override string ToString() => Path;
}
