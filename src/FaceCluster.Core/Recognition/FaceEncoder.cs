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
    /// <summary>Where the model files are; null for the module's own models folder.</summary>
    public string? ModelDirectory { get; init; }
    /// <summary>A folder that keeps one store per source image (keyed by content hash and settings), so reruns encode only what is missing.</summary>
    public string? CacheDirectory { get; init; }
    /// <summary>Worker threads that will call <see cref="FaceEncoder.Encode"/> at once; the descriptor network's own threads are sized from it.</summary>
    public int DegreeOfParallelism { get; init; } = 1;

    /// <summary>Everything that changes which faces come out, as one string (the encoding cache keys on it).</summary>
    public string SettingsKey => FormattableString.Invariant(
        $"{Detector}|conf={MinConfidence:R}|min={MinFaceSize:R}|{ModelCatalog.DescriptorModelName}");
}

/// <summary>What one image gave: its faces (possibly none) and where the time went.</summary>
public sealed record ImageEncodingResult(
    string Path,
    int ImageWidth,
    int ImageHeight,
    IReadOnlyList<FaceEncoding> Faces,
    TimeSpan DetectionTime,
    TimeSpan DescriptionTime,
    bool FromCache = false);

/// <summary>Where an image came from when it is a video frame.</summary>
/// <param name="Shot">The frame's <see cref="VideoFrame.Shot"/>, when known.</param>
public sealed record FrameSource(string VideoPath, int FrameIndex, TimeSpan Timestamp, int? Shot = null);

/// <summary>
/// Finds, aligns and describes every face of an image. Safe to call from several threads at once:
/// the detector pools its networks and the descriptor session's Run is thread-safe.
/// </summary>
public sealed class FaceEncoder
{
    private readonly FaceEncoderOptions options;
    private readonly BlazeFaceDetector detector;
    private readonly FaceDescriptorNetwork descriptor;
    private readonly DetectionOptions detection;
    private readonly EncodingCache? cache;

    public FaceEncoder(FaceEncoderOptions options)
    {
        this.options = options;
        detector = SharedModels.Detector(options.Detector, options.ModelDirectory);
        int cores = Environment.ProcessorCount;
        descriptor = SharedModels.Descriptor(options.ModelDirectory, Math.Max(1, cores / Math.Max(1, options.DegreeOfParallelism)));
        detection = DetectionOptions.Default with { MinConfidence = options.MinConfidence, MinFaceSize = options.MinFaceSize };
        if (options.CacheDirectory is { Length: > 0 } cacheDirectory)
        {
            cache = new EncodingCache(cacheDirectory, face => StableId(face.Path, face.Box));
        }
    }

    public FaceEncoderOptions Options => options;
    public string ModelName => descriptor.ModelName;

    /// <summary>Encodes the faces of one image file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageDecodeException">The file is not a readable image.</exception>
    public ImageEncodingResult Encode(string path, FrameSource? frame = null, CancellationToken cancellation = default)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        string? contentHash = null;
        if (cache is not null)
        {
            if (!File.Exists(fullPath)) throw new FileNotFoundException($"Cannot find '{fullPath}'.", fullPath);
            contentHash = EncodingCache.HashFile(fullPath, cancellation);
            if (cache.TryGetByHash(fullPath, contentHash, options.SettingsKey, out var cached, cancellation))
            {
                var faces = cached.Select(f => f.WithSource(f.Id, fullPath, frame?.VideoPath, frame?.FrameIndex, frame?.Timestamp, frame?.Shot)).ToList();
                int width = faces.Count > 0 ? faces[0].ImageWidth : 0, height = faces.Count > 0 ? faces[0].ImageHeight : 0;
                return new(fullPath, width, height, faces, TimeSpan.Zero, TimeSpan.Zero, FromCache: true);
            }
        }
        ImageEncodingResult result;
        using (var image = ImageLoader.Load(fullPath))
        {
            result = Encode(image, fullPath, frame, cancellation);
        }
        // Written only once the image is fully encoded, so an interrupted run leaves no partial entry.
        cache?.PutByHash(contentHash!, options.SettingsKey, descriptor.ModelName, result.Faces, cancellation);
        return result;
    }

    /// <summary>Encodes the faces of an image already in memory (BGR); <paramref name="path"/> names it in the results.</summary>
    public ImageEncodingResult Encode(Mat image, string path, FrameSource? frame = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var found = detector.Detect(image, detection);
        var detectionTime = clock.Elapsed;
        if (found.Count == 0) return new(path, image.Width, image.Height, [], detectionTime, TimeSpan.Zero);

        cancellation.ThrowIfCancellationRequested();
        clock.Restart();
        var chips = new List<Mat>(found.Count);
        try
        {
            foreach (var face in found) chips.Add(FaceAligner.Align(image, face.Landmarks));
            var descriptors = descriptor.Compute(chips);
            var faces = new FaceEncoding[found.Count];
            for (int i = 0; i < found.Count; i++)
            {
                faces[i] = new FaceEncoding
                {
                    Id = StableId(path, found[i].Box),
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
                    Sharpness = Imaging.Sharpness.VarianceOfLaplacian(chips[i]),
                    Descriptor = descriptors[i],
                    Model = descriptor.ModelName,
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
    /// The same face of the same file always gets the same id: a hash of the full path and the box rounded to whole
    /// pixels, so reruns, caches and merged stores agree on identity.
    /// </summary>
    public static string StableId(string path, FaceBox box)
    {
        string key = FormattableString.Invariant(
            $"{System.IO.Path.GetFullPath(path)}|{MathF.Round(box.X)}|{MathF.Round(box.Y)}|{MathF.Round(box.Width)}|{MathF.Round(box.Height)}");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0, 8).ToLowerInvariant();
    }
}

/// <summary>
/// The networks are loaded once per process, on first use (not at Import-Module), and shared by every cmdlet call:
/// loading and verifying them costs far more than a typical interactive call.
/// </summary>
public static class SharedModels
{
    private static readonly Dictionary<(DetectorKind, string), BlazeFaceDetector> Detectors = [];
    private static readonly Dictionary<(string, int), FaceDescriptorNetwork> Descriptors = [];
    private static readonly object Gate = new();

    public static BlazeFaceDetector Detector(DetectorKind kind, string? directory)
    {
        var model = kind == DetectorKind.ShortRange ? ModelCatalog.DetectorShortRange : ModelCatalog.DetectorFullRange;
        string path = ModelCatalog.GetVerifiedPath(model, directory);
        lock (Gate)
        {
            if (!Detectors.TryGetValue((kind, path), out var detector))
            {
                detector = new BlazeFaceDetector(path, kind);
                Detectors[(kind, path)] = detector;
            }
            return detector;
        }
    }

    public static FaceDescriptorNetwork Descriptor(string? directory, int intraOpThreads)
    {
        string path = ModelCatalog.GetVerifiedPath(ModelCatalog.Descriptor, directory);
        lock (Gate)
        {
            if (!Descriptors.TryGetValue((path, intraOpThreads), out var network))
            {
                network = new FaceDescriptorNetwork(path, intraOpThreads);
                Descriptors[(path, intraOpThreads)] = network;
            }
            return network;
        }
    }
}
