namespace FaceCluster.Video;

public enum VideoFrameFormat
{
    Jpg,
    Png,
}

/// <summary>Settings of <see cref="VideoFrameExtractor"/> (the parameters of Export-VideoFrame).</summary>
public sealed class VideoFrameExtractorOptions
{
    /// <summary>Frames sampled per second of video; fractions allowed (0.2 = one frame every 5 s).</summary>
    public double FramesPerSecond { get; init; } = 1;
    /// <summary>Frames are scaled down, keeping the aspect ratio, until they fit MaxWidth x MaxHeight; never up. 0 = no limit.</summary>
    public int MaxWidth { get; init; } = 700;
    public int MaxHeight { get; init; } = 500;
    /// <summary>Folder for the frame images (created if missing, unless WhatIf).</summary>
    public required string OutputDirectory { get; init; }
    public VideoFrameFormat Format { get; init; } = VideoFrameFormat.Jpg;
    /// <summary>JPEG quality 1..100.</summary>
    public int JpegQuality { get; init; } = 92;
    /// <summary>First sample time (inclusive). Null = start of the video.</summary>
    public TimeSpan? StartTime { get; init; }
    /// <summary>Last sample time (inclusive). Null = end of the video.</summary>
    public TimeSpan? EndTime { get; init; }
    /// <summary>Rewrite frame files that already exist. Without it existing frames are reused (resume).</summary>
    public bool Force { get; init; }
    /// <summary>Plan only: decode timestamps and report what would be written (<see cref="FrameAction.Planned"/>), writing nothing.</summary>
    public bool WhatIf { get; init; }
    /// <summary>
    /// Also write each scaled-down frame at the video's own resolution, under <see cref="VideoFrameExtractor.FullResolutionFolderName"/>
    /// (JPEG quality <see cref="FullResolutionJpegQuality"/>), so that chips and portraits can be cut from it while detection
    /// runs on the small frame. Costs disk space (docs/video-frames.md); frames that are not scaled get no copy.
    /// </summary>
    public bool FullResolution { get; init; } = true;
    /// <summary>JPEG quality of the full-resolution copies: high, since faces are cut from them.</summary>
    public int FullResolutionJpegQuality { get; init; } = 95;
    /// <summary>FFmpeg decoder threads; 0 = FFmpeg's default (auto).</summary>
    public int DecoderThreads { get; init; }
    /// <summary>
    /// Decode with the FFmpeg inside OpenCV's native library directly when it gives the video's frames exactly as
    /// OpenCV's capture does (<see cref="FfmpegDecoder"/>, checked on every video): cut detection then reads its pixels
    /// from the decoded planes instead of converting frames to BGR. False, or the environment variable
    /// FACECLUSTER_VIDEO_DECODER=opencv, decodes through OpenCV's capture.
    /// </summary>
    public bool DirectDecoding { get; init; } = true;
    /// <summary>
    /// Number the shots (<see cref="VideoFrame.Shot"/>): decoded frames at most 0.1 s apart are compared
    /// (<see cref="ShotDetector"/>), and a colour histogram difference above <see cref="ShotThreshold"/> is a cut. Off: every frame is shot 0. Not done
    /// under WhatIf (planning only; frames are shot 0).
    /// </summary>
    public bool DetectShots { get; init; } = true;
    /// <summary>Histogram difference (0..1, the share of the picture that changed colour) above which two compared decoded frames (at most 0.1 s apart) are a cut.</summary>
    public double ShotThreshold { get; init; } = DefaultShotThreshold;
    // Measured on the footage of the labelled and demo photos (bench footage-eval): consecutive decoded frames of one
    // Ken Burns shot differ by at most 0.071, the 65 cuts by 0.243 to 0.9 (two photos of one person back to back are
    // the closest); 0.3 missed two of them. Compared 0.1 s apart instead (ShotDetector.MaxGapMs), the worst case over
    // every footage with truth is 0.085 in a shot and 0.238 at a cut (bench shots --stride-only), so 0.2 stays.
    public const double DefaultShotThreshold = 0.2;

    internal void Validate()
    {
        if (!(FramesPerSecond > 0) || double.IsInfinity(FramesPerSecond))
            throw new ArgumentOutOfRangeException(nameof(FramesPerSecond), FramesPerSecond, "FramesPerSecond must be a positive number.");
        if (MaxWidth < 0) throw new ArgumentOutOfRangeException(nameof(MaxWidth), MaxWidth, "MaxWidth must be >= 0 (0 = no limit).");
        if (MaxHeight < 0) throw new ArgumentOutOfRangeException(nameof(MaxHeight), MaxHeight, "MaxHeight must be >= 0 (0 = no limit).");
        if (string.IsNullOrWhiteSpace(OutputDirectory)) throw new ArgumentException("OutputDirectory is required.", nameof(OutputDirectory));
        if (FullResolutionJpegQuality is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(FullResolutionJpegQuality), FullResolutionJpegQuality, "FullResolutionJpegQuality must be 1..100.");
        if (JpegQuality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(JpegQuality), JpegQuality, "JpegQuality must be 1..100.");
        if (StartTime < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(StartTime), StartTime, "StartTime must not be negative.");
        if (EndTime is { } end && StartTime is { } start && end < start)
            throw new ArgumentOutOfRangeException(nameof(EndTime), EndTime, "EndTime is before StartTime.");
        if (!(ShotThreshold > 0 && ShotThreshold < 1))
            throw new ArgumentOutOfRangeException(nameof(ShotThreshold), ShotThreshold, "ShotThreshold must lie between 0 and 1.");
        if (DecoderThreads < 0) throw new ArgumentOutOfRangeException(nameof(DecoderThreads), DecoderThreads, "DecoderThreads must be >= 0.");
    }
}

/// <summary>What happened to one sampled frame.</summary>
public enum FrameAction
{
    /// <summary>The frame image was written now.</summary>
    Written,
    /// <summary>The frame image already existed and was kept (resume; use Force to rewrite).</summary>
    Reused,
    /// <summary>Plan only (WhatIf): the image would be written to Frame.Path; nothing was written.</summary>
    Planned,
}

/// <summary>One sampled frame and what was done with it.</summary>
public sealed record ExtractedFrame(VideoFrame Frame, FrameAction Action);

/// <summary>Progress by stream time.</summary>
/// <param name="Position">Presentation time of the last decoded frame.</param>
/// <param name="Duration">Length announced by the container, when known.</param>
/// <param name="FramesSampled">Frames produced so far.</param>
public readonly record struct VideoExtractionProgress(string VideoPath, TimeSpan Position, TimeSpan? Duration, int FramesSampled)
{
    /// <summary>0..1 when the duration is known.</summary>
    public double? Fraction => Duration is { } d && d > TimeSpan.Zero ? Math.Clamp(Position / d, 0, 1) : null;
}

/// <summary>Receives progress and warnings of an extraction (never the console).</summary>
public interface IVideoExtractionObserver
{
    void OnProgress(VideoExtractionProgress progress) { }
    void OnWarning(VideoErrorCode code, string message) { }
    /// <summary>How the video is decoded (which decoder, and why not the direct one), for -Verbose.</summary>
    void OnVerbose(string message) { }
}
