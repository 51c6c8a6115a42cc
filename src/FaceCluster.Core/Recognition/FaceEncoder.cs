using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FaceCluster.Alignment;
using FaceCluster.Detection;
using FaceCluster.Imaging;
using FaceCluster.Models;
using FaceCluster.Store;
using OpenCvSharp;

namespace FaceCluster.Recognition;

/// <summary>How faces are found and described. The defaults are the ones the cmdlets use.</summary>
public sealed record FaceEncoderOptions
{
    public DetectorKind Detector { get; init; } = DetectorKind.FullRange;
    public float MinConfidence { get; init; } = 0.5f;
    /// <summary>Faces narrower than this many source pixels are ignored.</summary>
    public float MinFaceSize { get; init; } = 20f;
    /// <summary>Which descriptor model describes the faces.</summary>
    public DescriptorModelKind Model { get; init; } = DescriptorModels.DefaultKind;
    /// <summary>Where the model files are; null for the module's own models folder.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>A folder that keeps one store per source image (keyed by content hash and settings), so reruns encode only what is missing.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Worker threads that will call <see cref="FaceEncoder.Encode"/> at once; the networks' own threads are sized from it.</summary>
    public int DegreeOfParallelism { get; init; } = 1;
    /// <summary>ONNX Runtime threads per network call; null shares the cores out among the workers (<see cref="FaceEncoder.IntraOpThreads"/>).</summary>
    public int? IntraOpThreads { get; init; }
    /// <summary>
    /// Cut chips and descriptors from a frame's full-resolution image (<see cref="FrameSource.FullResolutionPath"/>) when
    /// there is one, detecting on the scaled frame; false describes the scaled frame itself (the behaviour before).
    /// </summary>
    public bool UseFullResolution { get; init; } = true;
    /// <summary>Images whose header announces more pixels are refused before decoding (<see cref="ImageTooLargeException"/>).</summary>
    public long MaxImagePixels { get; init; } = ImageLoader.DefaultMaxPixels;

    /// <summary>Everything that changes which faces come out, as one string (the encoding cache keys on it).</summary>
    public string SettingsKey => FormattableString.Invariant(
        $"{Detector}|conf={MinConfidence:R}|min={MinFaceSize:R}|{DescriptorModels.Get(Model).Name}");
}

/// <summary>What one image gave: its faces (possibly none) and where the time went.</summary>
public sealed record ImageEncodingResult(
    string Path,
    int ImageWidth,
    int ImageHeight,
    IReadOnlyList<FaceEncoding> Faces,
    TimeSpan DetectionTime,
    TimeSpan DescriptionTime,
    bool FromCache = false)
{
    /// <summary>Why the faces could not be written to the cache (read-only, not a folder, disk full), or null. The faces are still good.</summary>
    public string? CacheWriteError { get; init; }
}

/// <summary>Where an image came from when it is a video frame.</summary>
/// <param name="FullResolutionPath">The frame at the video's own resolution when the image was scaled down (<see cref="VideoFrame.FullResolutionPath"/>).</param>
/// <param name="Shot">The frame's <see cref="VideoFrame.Shot"/>, when known.</param>
public sealed record FrameSource(string VideoPath, int FrameIndex, TimeSpan Timestamp, string? FullResolutionPath = null, int? Shot = null);

/// <summary>
/// The image a face's pixels (chip, descriptor, quality) are taken from when it is not the image the face was found in:
/// the full-resolution frame of a scaled-down video frame. Any descriptor model cuts its crop from <see cref="Image"/>
/// with the face mapped by <see cref="Map"/>.
/// </summary>
public sealed record PixelSource(Mat Image, string Path)
{
    /// <summary>A face found on a <paramref name="detectedWidth"/> x <paramref name="detectedHeight"/> image, in <see cref="Image"/>'s pixels.</summary>
    public DetectedFace Map(DetectedFace face, int detectedWidth, int detectedHeight)
    {
        double sx = (double)Image.Width / detectedWidth, sy = (double)Image.Height / detectedHeight;
        return face with { Box = face.Box.Scale(sx, sy), Landmarks = face.Landmarks.Scale(sx, sy) };
    }
}

/// <summary>
/// One image between the steps of <see cref="FaceEncoder"/> (<see cref="FaceEncoder.Prepare"/>, <see cref="FaceEncoder.Detect"/>,
/// <see cref="FaceEncoder.Describe(PreparedImage, CancellationToken)"/>): the decoded image, the faces found, and in the end
/// the result. Owns the decoded image; dispose it when done.
/// </summary>
public sealed class PreparedImage : IDisposable
{
    internal PreparedImage(string path, FrameSource? frame, string contentHash, string settings, string? pixelsPath)
    {
        Path = path;
        Frame = frame;
        ContentHash = contentHash;
        Settings = settings;
        PixelsPath = pixelsPath;
    }

    public string Path { get; }
    public FrameSource? Frame { get; }
    internal string ContentHash { get; }
    internal string Settings { get; }
    internal string? PixelsPath { get; }
    internal Mat? Image { get; set; }
    internal IReadOnlyList<DetectedFace>? Found { get; set; }
    internal TimeSpan DetectionTime { get; set; }

    /// <summary>The faces once described, or at once for a cache hit; null before.</summary>
    public ImageEncodingResult? Result { get; internal set; }

    /// <summary>Faces found so far (0 before detection).</summary>
    public int FacesFound => Found?.Count ?? Result?.Faces.Count ?? 0;

    public void Dispose()
    {
        Image?.Dispose();
        Image = null;
    }
}

/// <summary>
/// Finds, aligns and describes every face of an image. Safe to call from several threads at once:
/// the detector pools its networks and the descriptor session's Run is thread-safe.
/// </summary>
public sealed class FaceEncoder
{
    private readonly FaceEncoderOptions options;
    private readonly BlazeFaceDetector detector;
    private readonly IDescriptorNetwork descriptor;
    private readonly DetectionOptions detection;
    private readonly EncodingCache? cache;

    public FaceEncoder(FaceEncoderOptions options)
    {
        this.options = options;
        int threads = options.IntraOpThreads ?? IntraOpThreads(options.DegreeOfParallelism);
        detector = SharedModels.Detector(options.Detector, options.ModelDirectory, threads);
        descriptor = SharedModels.Descriptor(options.Model, options.ModelDirectory, threads);
        detection = DetectionOptions.Default with { MinConfidence = options.MinConfidence, MinFaceSize = options.MinFaceSize };
        if (options.CacheDirectory is { Length: > 0 } cacheDirectory)
        {
            // Ids come from the image's content, which a cache hit shares: the cached id is the id.
            cache = new EncodingCache(cacheDirectory);
        }
    }

    /// <summary>
    /// ONNX Runtime threads per session call when <paramref name="workers"/> images are encoded at once: the cores
    /// shared out, so that workers x threads never oversubscribes the machine (one worker uses every core inside its
    /// batches; as many workers as cores run one thread each, the parallelism coming from the workers).
    /// </summary>
    public static int IntraOpThreads(int workers) => Math.Max(1, Environment.ProcessorCount / Math.Max(1, workers));

    public FaceEncoderOptions Options => options;
    public string ModelName => descriptor.Model.Name;

    /// <summary>Encodes the faces of one image file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageDecodeException">The file is not a readable image.</exception>
    public ImageEncodingResult Encode(string path, FrameSource? frame = null, CancellationToken cancellation = default)
    {
        // The staged pipeline (EncodingPipeline) runs the same three steps on different threads: one home for each.
        using var image = Prepare(path, frame, cancellation);
        if (image.Result is { } cached) return cached;
        Detect(image, cancellation);
        return Describe(image, cancellation);
    }

    /// <summary>
    /// The first step of <see cref="Encode(string, FrameSource?, CancellationToken)"/>: hashes the file, answers from the
    /// cache when it can (<see cref="PreparedImage.Result"/> set), else decodes the image that detection runs on. The
    /// full-resolution pixels are decoded later, by <see cref="Describe(PreparedImage, CancellationToken)"/>, and only when
    /// faces were found.
    /// </summary>
    public PreparedImage Prepare(string path, FrameSource? frame = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        string fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw new FileNotFoundException($"Cannot find '{fullPath}'.", fullPath);
        string contentHash = EncodingCache.HashFile(fullPath, cancellation);
        string? pixelsPath = options.UseFullResolution && frame?.FullResolutionPath is { Length: > 0 } fr && File.Exists(fr) ? System.IO.Path.GetFullPath(fr) : null;
        // Faces described from the full-resolution frame differ from those of the scaled one; faces cached before
        // quality was measured lack it: both are other cache entries.
        string settings = options.SettingsKey + "|quality1" + (pixelsPath is null ? "" : "|fullres");
        var prepared = new PreparedImage(fullPath, frame, contentHash, settings, pixelsPath);
        if (cache is not null && cache.TryGetByHash(fullPath, contentHash, settings, out var cached, cancellation))
        {
            // Entries written when ids hashed the path get the content id here.
            var faces = cached.Select(f => f.WithSource(ContentId(contentHash, f.Box), fullPath, frame?.VideoPath, frame?.FrameIndex, frame?.Timestamp, pixelsPath, frame?.Shot)).ToList();
            int width = faces.Count > 0 ? faces[0].ImageWidth : 0, height = faces.Count > 0 ? faces[0].ImageHeight : 0;
            prepared.Result = new(fullPath, width, height, faces, TimeSpan.Zero, TimeSpan.Zero, FromCache: true);
            return prepared;
        }
        prepared.Image = ImageLoader.Load(fullPath, options.MaxImagePixels);
        return prepared;
    }

    /// <summary>The second step: finds the faces of a prepared image (nothing to do for a cache hit).</summary>
    public void Detect(PreparedImage image, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Result is not null) return;
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        image.Found = detector.Detect(image.Image ?? throw new InvalidOperationException("Prepare the image first."), detection);
        image.DetectionTime = clock.Elapsed;
    }

    /// <summary>
    /// The last step: aligns and describes the faces found, measures their quality and writes the cache entry (once the
    /// image is fully encoded, so an interrupted run leaves no partial entry).
    /// </summary>
    public ImageEncodingResult Describe(PreparedImage image, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Result is { } done) return done;
        var found = image.Found ?? throw new InvalidOperationException("Detect the faces first.");
        var mat = image.Image!;
        ImageEncodingResult result;
        if (found.Count == 0)
        {
            result = new(image.Path, mat.Width, mat.Height, [], image.DetectionTime, TimeSpan.Zero);
        }
        else
        {
            using var pixels = image.PixelsPath is null ? null : ImageLoader.Load(image.PixelsPath, options.MaxImagePixels);
            result = Describe(mat, image.Path, image.Frame, pixels is null ? null : new PixelSource(pixels, image.PixelsPath!), image.ContentHash, found, image.DetectionTime, cancellation);
        }
        image.Result = result;
        if (cache is null) return result;
        // The cache only saves time: when it cannot be written the faces computed are still returned.
        try
        {
            cache.PutByHash(image.ContentHash!, image.Settings, descriptor.Model.Name, result.Faces, cancellation);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            image.Result = result = result with { CacheWriteError = $"cannot write the encoding cache '{cache.Directory}': {ex.Message}" };
        }
        return result;
    }

    /// <summary>Encodes the faces of an image already in memory (BGR); <paramref name="path"/> names it in the results.</summary>
    public ImageEncodingResult Encode(Mat image, string path, FrameSource? frame = null, CancellationToken cancellation = default) =>
        Encode(image, path, frame, null, cancellation);

    /// <summary>
    /// Encodes the faces of an image already in memory (BGR): detects on <paramref name="image"/>, and cuts chips and
    /// descriptors from <paramref name="pixels"/> (a larger copy of the same picture) when given, else from the image.
    /// </summary>
    public ImageEncodingResult Encode(Mat image, string path, FrameSource? frame, PixelSource? pixels, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var found = detector.Detect(image, detection);
        var detectionTime = clock.Elapsed;
        if (found.Count == 0) return new(path, image.Width, image.Height, [], detectionTime, TimeSpan.Zero);
        return Describe(image, path, frame, pixels, null, found, detectionTime, cancellation);
    }

    private ImageEncodingResult Describe(Mat image, string path, FrameSource? frame, PixelSource? pixels, string? contentHash,
                                         IReadOnlyList<DetectedFace> found, TimeSpan detectionTime, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var chips = new List<Mat>(found.Count);
        try
        {
            var source = pixels?.Image ?? image;
            var inSource = pixels is null ? found : found.Select(f => pixels.Map(f, image.Width, image.Height)).ToList();
            foreach (var face in inSource) chips.Add(FaceAligner.Align(source, face.Landmarks));
            var descriptors = descriptor.Describe(source, inSource.Select(f => f.Box).ToList(), chips);
            var faces = new FaceEncoding[found.Count];
            for (int i = 0; i < found.Count; i++)
            {
                var quality = FaceQuality.Measure(chips[i], inSource[i].Landmarks, inSource[i].Box);
                faces[i] = new FaceEncoding
                {
                    Id = ContentId(contentHash ??= ContentHash(image, path, cancellation), found[i].Box),
                    Path = path,
                    VideoPath = frame?.VideoPath,
                    FrameIndex = frame?.FrameIndex,
                    Timestamp = frame?.Timestamp,
                    Shot = frame?.Shot,
                    ImageWidth = image.Width,
                    ImageHeight = image.Height,
                    Box = found[i].Box,
                    Landmarks = found[i].Landmarks,
                    Confidence = found[i].Confidence,
                    Sharpness = quality.Sharpness,
                    Descriptor = descriptors[i],
                    Model = descriptor.Model.Name,
                    FullResolutionPath = pixels?.Path,
                    FullResolutionWidth = pixels?.Image.Width ?? 0,
                    FullResolutionHeight = pixels?.Image.Height ?? 0,
                    Quality = quality,
                };
            }
            return new(path, image.Width, image.Height, faces, detectionTime, clock.Elapsed);
        }
        finally
        {
            foreach (var chip in chips) chip.Dispose();
        }
    }

    /// <summary>
    /// The same face of the same picture always gets the same id: a hash of the image file's bytes and the box rounded
    /// to whole pixels. Not the path: a work folder copied or moved elsewhere keeps every id, so a rerun writes each
    /// face once, and reruns, caches, merged stores and datasets agree on identity.
    /// </summary>
    public static string StableId(string path, FaceBox box) => ContentId(EncodingCache.HashFile(path), box);

    /// <summary>The id of the face in <paramref name="box"/> of the image whose SHA-256 (hex) is <paramref name="contentHash"/>.</summary>
    public static string ContentId(string contentHash, FaceBox box)
    {
        string key = FormattableString.Invariant(
            $"sha256:{contentHash}|{MathF.Round(box.X)}|{MathF.Round(box.Y)}|{MathF.Round(box.Width)}|{MathF.Round(box.Height)}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 8).ToLowerInvariant();
    }

    /// <summary>The content hash of an image given in memory: its file's bytes when it has one, else its pixels.</summary>
    private static string ContentHash(Mat image, string path, CancellationToken cancellation)
    {
        if (File.Exists(path)) return EncodingCache.HashFile(path, cancellation);
        using var continuous = image.IsContinuous() ? null : image.Clone();
        var source = continuous ?? image;
        var bytes = new byte[source.Total() * source.ElemSize()];
        System.Runtime.InteropServices.Marshal.Copy(source.Data, bytes, 0, bytes.Length);
        return Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
    }
}

/// <summary>
/// The networks are loaded once per process, on first use (not at Import-Module), and shared by every cmdlet call:
/// loading and verifying them costs far more than a typical interactive call.
/// </summary>
public static class SharedModels
{
    private static readonly Dictionary<(DetectorKind, string, int), BlazeFaceDetector> Detectors = [];
    private static readonly Dictionary<(string, int), IDescriptorNetwork> Descriptors = [];
    private static readonly object Gate = new();

    /// <summary>One detector session per model file and thread count, shared by every worker.</summary>
    public static BlazeFaceDetector Detector(DetectorKind kind, string? directory, int intraOpThreads = 1)
    {
        var model = kind == DetectorKind.ShortRange ? ModelCatalog.DetectorShortRange : ModelCatalog.DetectorFullRange;
        string path = ModelCatalog.GetVerifiedPath(model, directory);
        lock (Gate)
        {
            if (!Detectors.TryGetValue((kind, path, intraOpThreads), out var detector))
            {
                detector = new BlazeFaceDetector(path, kind, intraOpThreads);
                Detectors[(kind, path, intraOpThreads)] = detector;
            }
            return detector;
        }
    }

    /// <summary>dlib's network (the aligned-chip API the tests and benchmarks use directly).</summary>
    public static FaceDescriptorNetwork Descriptor(string? directory, int intraOpThreads)
        => (FaceDescriptorNetwork)Descriptor(DescriptorModelKind.Dlib, directory, intraOpThreads);

    public static FaceResNetwork FaceRes(string? directory, int intraOpThreads)
        => (FaceResNetwork)Descriptor(DescriptorModelKind.FaceRes, directory, intraOpThreads);

    public static IDescriptorNetwork Descriptor(DescriptorModelKind kind, string? directory, int intraOpThreads)
    {
        var model = DescriptorModels.Get(kind);
        string path = ModelCatalog.GetVerifiedPath(model.File, directory);
        lock (Gate)
        {
            if (!Descriptors.TryGetValue((path, intraOpThreads), out var network))
            {
                network = kind switch
                {
                    DescriptorModelKind.FaceRes => new FaceResNetwork(path, intraOpThreads),
                    _ => new FaceDescriptorNetwork(path, intraOpThreads),
                };
                Descriptors[(path, intraOpThreads)] = network;
            }
            return network;
        }
    }
}
