using OpenCvSharp;

namespace FaceCluster.Video;

/// <summary>What the container says about a video.</summary>
public sealed record VideoInfo(string Path, int Width, int Height, double FramesPerSecond, int FrameCountHint, TimeSpan? Duration, string Codec, string Backend);

/// <summary>
/// Samples frames from a video by presentation time and writes them as images.
/// Frame k is the first decoded frame whose timestamp is at or after k / FramesPerSecond seconds.
/// Skipped frames are only grabbed (demuxed and decoded, not converted to BGR) unless shots are numbered, which looks at
/// decoded frames at most 0.1 s apart (<see cref="ShotDetector"/>), and the loop always runs to the real end of the stream, whatever
/// the container claims its frame count is.
/// </summary>
public sealed class VideoFrameExtractor
{
    /// <summary>OpenCV's CAP_PROP_N_THREADS (FFmpeg backend).</summary>
    internal const int CapPropNThreads = 70;
    private const double EpsilonMs = 1e-3;

    public VideoFrameExtractor(VideoFrameExtractorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    public VideoFrameExtractorOptions Options { get; }

    /// <summary>Size of a <paramref name="width"/> x <paramref name="height"/> image scaled down to fit the limits (0 = none), keeping the aspect ratio; never scaled up.</summary>
    public static (int Width, int Height) FitWithin(int width, int height, int maxWidth, int maxHeight)
    {
        double scale = 1;
        if (maxWidth > 0) scale = Math.Min(scale, (double)maxWidth / width);
        if (maxHeight > 0) scale = Math.Min(scale, (double)maxHeight / height);
        if (scale >= 1) return (width, height);
        int w = Math.Max(1, (int)Math.Round(width * scale));
        int h = Math.Max(1, (int)Math.Round(height * scale));
        if (maxWidth > 0) w = Math.Min(w, maxWidth);
        if (maxHeight > 0) h = Math.Min(h, maxHeight);
        return (w, h);
    }

    /// <summary>Subfolder of the output folder that holds the full-resolution copies of scaled frames (same file names).</summary>
    public const string FullResolutionFolderName = "full";

    /// <summary>Where the full-resolution copy of the frame at <paramref name="framePath"/> goes: <c>full/&lt;same name&gt;.jpg</c> beside it.</summary>
    public static string FullResolutionPath(string framePath) => System.IO.Path.Combine(
        System.IO.Path.GetDirectoryName(framePath)!, FullResolutionFolderName, System.IO.Path.GetFileNameWithoutExtension(framePath) + ".jpg");

    /// <summary>
    /// Deterministic file name of sample <paramref name="index"/>: <c>&lt;video name&gt;_&lt;provenance&gt;_&lt;index:D6&gt;.jpg</c>,
    /// <paramref name="provenance"/> being <see cref="ProvenanceTag"/>.
    /// </summary>
    public static string FrameFileName(string videoPath, string provenance, int index, VideoFrameFormat format) =>
        $"{System.IO.Path.GetFileNameWithoutExtension(videoPath)}_{provenance}_{index:D6}.{(format == VideoFrameFormat.Png ? "png" : "jpg")}";

    /// <summary>Bytes read from each end of a video for its identity: enough to tell re-encodes and edits apart without reading gigabytes.</summary>
    internal const int IdentityBytes = 1 << 20;

    /// <summary>
    /// 8 hex digits of SHA-256 over what decides the pixels of a frame file: the video's identity (its size and its first
    /// and last MiB, not its path, so a moved or copied video keeps its frames and another video of the same name does
    /// not get them) and the sampling settings (frames per second, size limits, format and quality, start and end).
    /// A frame is reused only under the same tag, so a stale or foreign frame is never taken for this one.
    /// </summary>
    public static string ProvenanceTag(string videoPath, VideoFrameExtractorOptions options)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        using (var stream = new FileStream(videoPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            long length = stream.Length;
            var buffer = new byte[(int)Math.Min(IdentityBytes, length)];
            stream.ReadExactly(buffer);
            sha.AppendData(buffer);
            if (length > IdentityBytes)
            {
                stream.Position = Math.Max(IdentityBytes, length - IdentityBytes);
                buffer = new byte[(int)(length - stream.Position)];
                stream.ReadExactly(buffer);
                sha.AppendData(buffer);
            }
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(FormattableString.Invariant($"size={length}")));
        }
        var o = options;
        string settings = FormattableString.Invariant(
            $"|fps={o.FramesPerSecond:R}|max={o.MaxWidth}x{o.MaxHeight}|{o.Format}|q={o.JpegQuality}|fq={o.FullResolutionJpegQuality}|start={o.StartTime?.Ticks}|end={o.EndTime?.Ticks}");
        sha.AppendData(System.Text.Encoding.UTF8.GetBytes(settings));
        return Convert.ToHexString(sha.GetHashAndReset(), 0, 4).ToLowerInvariant();
    }

    /// <summary>Reads the container's description of <paramref name="videoPath"/>.</summary>
    public static VideoInfo Probe(string videoPath)
    {
        var full = CheckExists(videoPath);
        using var capture = Open(full, 0);
        return Describe(full, capture);
    }

    /// <summary>
    /// Samples <paramref name="videoPath"/>. Frames are returned lazily, each as soon as its image is on disk, so a
    /// consumer can encode faces while the next frames decode. Throws <see cref="VideoException"/>
    /// (VideoNotFound at once; VideoOpenFailed, VideoCodecUnsupported, VideoReadFailed, FrameWriteFailed during enumeration).
    /// </summary>
    public IEnumerable<ExtractedFrame> Extract(string videoPath, IVideoExtractionObserver? observer = null, CancellationToken cancellationToken = default)
    {
        var full = CheckExists(videoPath);
        return Iterate(full, observer, cancellationToken);
    }

    private IEnumerable<ExtractedFrame> Iterate(string videoPath, IVideoExtractionObserver? observer, CancellationToken cancellationToken)
    {
        var o = Options;
        var capture = Open(videoPath, o.DecoderThreads);
        VideoInfo info;
        try
        {
            info = Describe(videoPath, capture);
        }
        catch
        {
            capture.Dispose();
            throw;
        }
        double periodMs = 1000.0 / o.FramesPerSecond;
        int k = o.StartTime is { } start ? (int)Math.Ceiling(start.TotalMilliseconds / periodMs - 1e-9) : 0;
        double endMs = o.EndTime?.TotalMilliseconds ?? double.PositiveInfinity;
        double targetMs = k * periodMs;
        // Skip most of the lead-in by seeking a little before the first sample; sampling still checks every timestamp.
        double seekMs = targetMs > 2000 ? targetMs - 1000 : double.NaN;
        // Frames are converted only when written or looked at by cut detection; the direct decoder, used when it gives
        // this video's frames exactly as the capture does, spares cut detection's conversions too.
        using var reader = OpenReader(videoPath, capture, seekMs);
        observer?.OnVerbose($"Decoding '{videoPath}' with {reader.Description}.");
        var (outWidth, outHeight) = info.Width > 0 && info.Height > 0 ? FitWithin(info.Width, info.Height, o.MaxWidth, o.MaxHeight) : (0, 0);
        var outputDirectory = System.IO.Path.GetFullPath(o.OutputDirectory);
        string provenance;
        try
        {
            provenance = ProvenanceTag(videoPath, o);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new VideoException(VideoErrorCode.VideoReadFailed, videoPath, $"Cannot read '{videoPath}': {ex.Message}", 0, ex);
        }
        if (!o.WhatIf)
        {
            CreateOutputDirectory(outputDirectory, videoPath);
            AtomicFile.RemoveStaleTemps(outputDirectory);
            AtomicFile.RemoveStaleTemps(System.IO.Path.Combine(outputDirectory, FullResolutionFolderName));
        }


        using var frame = new Mat();
        using var resized = new Mat();
        using var shots = o.DetectShots && !o.WhatIf ? new ShotDetector(o.ShotThreshold) : null;
        int cuts = 0;
        int? firstSampleCuts = null;
        int grabbed = 0, produced = 0;
        double positionMs = 0;
        bool endedByRange = false;
        var encodeParams = o.Format == VideoFrameFormat.Png
            ? new[] { new ImageEncodingParam(ImwriteFlags.PngCompression, 3) }
            : new[] { new ImageEncodingParam(ImwriteFlags.JpegQuality, o.JpegQuality) };
        var extension = o.Format == VideoFrameFormat.Png ? ".png" : ".jpg";
        var fullParams = new[] { new ImageEncodingParam(ImwriteFlags.JpegQuality, o.FullResolutionJpegQuality) };
        // Known from the container for the plan and for reused frames; a written frame decides from its decoded size.
        bool scaledByInfo = outWidth > 0 && (outWidth != info.Width || outHeight != info.Height);
        if (o.FullResolution && scaledByInfo && !o.WhatIf) CreateOutputDirectory(System.IO.Path.Combine(outputDirectory, FullResolutionFolderName), videoPath);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (targetMs > endMs + EpsilonMs)
            {
                endedByRange = true;
                break;
            }
            bool ok;
            try
            {
                ok = reader.Grab();
            }
            catch (Exception ex) when (ex is OpenCVException or DecodeException)
            {
                throw ReadFailed(videoPath, positionMs, produced, ex);
            }
            if (!ok) break;
            grabbed++;
            positionMs = reader.PositionMs;
            if (grabbed % 50 == 0) observer?.OnProgress(new VideoExtractionProgress(videoPath, TimeSpan.FromMilliseconds(positionMs), info.Duration, produced));
            bool retrieved = false;
            // Frames at most 0.1 s apart and every sample, so that a cut anywhere between two samples is seen (skipped
            // frames are otherwise only grabbed).
            if (shots is not null && shots.Wants(positionMs, positionMs >= targetMs - EpsilonMs))
            {
                bool cut;
                try
                {
                    cut = reader.IsCut(shots, frame, out retrieved);
                }
                catch (Exception ex) when (ex is OpenCVException or DecodeException)
                {
                    throw ReadFailed(videoPath, positionMs, produced, ex);
                }
                if (cut) cuts++;
            }
            if (positionMs < targetMs - EpsilonMs) continue;
            if (positionMs > endMs + EpsilonMs)
            {
                endedByRange = true;
                break;
            }
            // Shots count from the first sample: a cut before it (lead-in, seek) is no new shot.
            firstSampleCuts ??= cuts;

            // This frame is sample k (and, if frames are sparser than the sampling rate, also stands for any later
            // samples it covers: those are skipped, the next sample is the first target after this timestamp).
            var path = System.IO.Path.Combine(outputDirectory, FrameFileName(videoPath, provenance, k, o.Format));
            var fullPath = FullResolutionPath(path);
            bool wantFull = o.FullResolution && scaledByInfo;
            // A frame is reused when every file it needs exists: a rerun with the full-resolution copies turned on
            // decodes only to add the missing copies.
            bool needed = o.Force || !File.Exists(path) || (wantFull && !File.Exists(fullPath));
            FrameAction action;
            int width = outWidth, height = outHeight;
            if (o.WhatIf)
            {
                action = needed ? FrameAction.Planned : FrameAction.Reused;
            }
            else if (!needed)
            {
                action = FrameAction.Reused;
            }
            else
            {
                if (!retrieved) Retrieve(reader, frame, videoPath, positionMs, produced);
                (width, height) = FitWithin(frame.Width, frame.Height, o.MaxWidth, o.MaxHeight);
                var image = frame;
                bool scaled = width != frame.Width || height != frame.Height;
                if (scaled)
                {
                    Cv2.Resize(frame, resized, new Size(width, height), 0, 0, InterpolationFlags.Area);
                    image = resized;
                }
                if (o.Force || !File.Exists(path)) WriteAtomic(path, image, extension, encodeParams, videoPath, produced);
                wantFull = o.FullResolution && scaled;
                if (wantFull && (o.Force || !File.Exists(fullPath)))
                {
                    CreateOutputDirectory(System.IO.Path.GetDirectoryName(fullPath)!, videoPath, produced);
                    WriteAtomic(fullPath, frame, ".jpg", fullParams, videoPath, produced);
                }
                action = FrameAction.Written;
            }

            produced++;
            var result = new VideoFrame
            {
                VideoPath = videoPath,
                Index = k,
                Timestamp = TimeSpan.FromTicks((long)Math.Round(positionMs * TimeSpan.TicksPerMillisecond)),
                Path = path,
                Width = width,
                Height = height,
                FullResolutionPath = wantFull && (o.WhatIf || File.Exists(fullPath)) ? fullPath : null,
                Shot = cuts - firstSampleCuts.Value,
            };
            observer?.OnProgress(new VideoExtractionProgress(videoPath, result.Timestamp, info.Duration, produced));
            yield return new ExtractedFrame(result, action);

            // Next sample: the first k whose target lies after this frame's timestamp.
            k = Math.Max(k + 1, (int)Math.Floor(positionMs / periodMs + 1e-9) + 1);
            targetMs = k * periodMs;
        }

        if (grabbed == 0 && !endedByRange)
        {
            if (o.StartTime is { } s && info.Duration is { } d && s >= d) yield break; // started past the end: nothing to do
            throw new VideoException(VideoErrorCode.VideoCodecUnsupported, videoPath,
                $"'{videoPath}' opened but no frame could be decoded (codec '{info.Codec}'): unsupported codec or corrupt stream.");
        }
        // The container's length is only a hint (the loop never relies on it), but ending far before it means the
        // file is truncated or corrupt. Compare times, not frame counts: for variable-frame-rate files the count is an estimate.
        double frameMs = info.FramesPerSecond > 0 ? 1000 / info.FramesPerSecond : 40;
        if (!endedByRange && grabbed > 0 && info.Duration is { } announced && positionMs + 2 * frameMs < announced.TotalMilliseconds * 0.9)
        {
            observer?.OnWarning(VideoErrorCode.VideoTruncated,
                $"'{videoPath}' ended at {TimeSpan.FromMilliseconds(positionMs)} after {grabbed} frames, but the container announced {info.FrameCountHint} frames" +
                (info.Duration is { } dur ? $" ({dur})" : "") + "; the file may be truncated or corrupt. The frames found were kept.");
        }
        observer?.OnProgress(new VideoExtractionProgress(videoPath, TimeSpan.FromMilliseconds(positionMs), info.Duration, produced));
    }

    /// <summary>The reader (it owns <paramref name="capture"/> from here); a video whose first frames cannot be read is a read failure.</summary>
    private FrameReader OpenReader(string videoPath, VideoCapture capture, double seekMs)
    {
        try
        {
            return FrameReader.Open(videoPath, capture, () => Open(videoPath, Options.DecoderThreads), Options.DecoderThreads, seekMs, Options.DirectDecoding);
        }
        catch (Exception ex) when (ex is OpenCVException or DecodeException)
        {
            throw ReadFailed(videoPath, 0, 0, ex);
        }
    }

    /// <summary>Converts the grabbed frame into <paramref name="frame"/>; a frame that cannot be converted is a read failure.</summary>
    private static void Retrieve(FrameReader reader, Mat frame, string videoPath, double positionMs, int produced)
    {
        bool retrieved;
        try
        {
            retrieved = reader.Retrieve(frame);
        }
        catch (Exception ex) when (ex is OpenCVException or DecodeException)
        {
            throw ReadFailed(videoPath, positionMs, produced, ex);
        }
        if (!retrieved) throw ReadFailed(videoPath, positionMs, produced, null);
    }

    private static VideoException ReadFailed(string videoPath, double positionMs, int produced, Exception? inner) =>
        new(VideoErrorCode.VideoReadFailed, videoPath,
            $"Decoding '{videoPath}' failed at {TimeSpan.FromMilliseconds(positionMs)}{(inner is null ? "" : ": " + inner.Message)}. The {produced} frames before are kept.", produced, inner);

    private static void WriteAtomic(string path, Mat image, string extension, ImageEncodingParam[] encodeParams, string videoPath, int produced)
    {
        try
        {
            Cv2.ImEncode(extension, image, out var bytes, encodeParams);
            AtomicFile.Replace(path, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OpenCVException)
        {
            throw new VideoException(VideoErrorCode.FrameWriteFailed, videoPath, $"Cannot write frame '{path}': {ex.Message}", produced, ex);
        }
    }

    /// <summary>An output folder that cannot be made (a file is in the way, no permission) fails this video only.</summary>
    private static void CreateOutputDirectory(string directory, string videoPath, int produced = 0)
    {
        try
        {
            if (File.Exists(directory)) throw new IOException($"'{directory}' is a file, not a folder.");
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new VideoException(VideoErrorCode.FrameWriteFailed, videoPath, $"Cannot create the output folder '{directory}': {ex.Message}", produced, ex);
        }
    }

    private static string CheckExists(string videoPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        var full = System.IO.Path.GetFullPath(videoPath);
        if (!File.Exists(full)) throw new VideoException(VideoErrorCode.VideoNotFound, full, $"Video '{full}' does not exist.");
        return full;
    }

    private static VideoCapture Open(string videoPath, int threads)
    {
        VideoCapture capture;
        try
        {
            capture = threads > 0
                ? new VideoCapture(videoPath, VideoCaptureAPIs.FFMPEG, [CapPropNThreads, threads])
                : new VideoCapture(videoPath, VideoCaptureAPIs.FFMPEG);
        }
        catch (OpenCVException ex)
        {
            throw new VideoException(VideoErrorCode.VideoOpenFailed, videoPath, $"Cannot open '{videoPath}' as a video: {ex.Message}", 0, ex);
        }
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new VideoException(VideoErrorCode.VideoOpenFailed, videoPath, $"Cannot open '{videoPath}' as a video (not a video, or an unknown container).");
        }
        return capture;
    }

    private static VideoInfo Describe(string path, VideoCapture capture)
    {
        int width = (int)capture.Get(VideoCaptureProperties.FrameWidth);
        int height = (int)capture.Get(VideoCaptureProperties.FrameHeight);
        double fps = capture.Get(VideoCaptureProperties.Fps);
        double count = capture.Get(VideoCaptureProperties.FrameCount);
        int frameCount = count is > 0 and < int.MaxValue ? (int)count : 0;
        TimeSpan? duration = frameCount > 0 && fps > 0 ? TimeSpan.FromSeconds(frameCount / fps) : null;
        int fourcc = (int)capture.Get(VideoCaptureProperties.FourCC);
        var codec = new string([(char)(fourcc & 0xFF), (char)((fourcc >> 8) & 0xFF), (char)((fourcc >> 16) & 0xFF), (char)((fourcc >> 24) & 0xFF)]).TrimEnd('\0');
        return new VideoInfo(path, width, height, fps, frameCount, duration, codec, capture.GetBackendName());
    }
}
