using System.Text.Json;
using System.Text.Json.Serialization;
using OpenCvSharp;

namespace FaceCluster.Video;

/// <summary>Settings of <see cref="SampleFootage.Create"/>.</summary>
public sealed class SampleFootageOptions
{
    public int Width { get; init; } = 960;
    public int Height { get; init; } = 540;
    public double FramesPerSecond { get; init; } = 25;
    /// <summary>Length of the shot of each photo.</summary>
    public double SecondsPerPhoto { get; init; } = 4;
    /// <summary>Seeds the (deterministic) choice of pans and zooms.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Replace an existing video / truth file.</summary>
    public bool Force { get; init; }
}

/// <summary>Where one source photo appears in the footage.</summary>
public sealed record SampleFootagePhoto(string Path, int Width, int Height, int FirstFrame, int FrameCount);

/// <summary>
/// Ground truth of one video frame: which photo it shows and the affine transform photo → frame
/// (<c>x' = a x + b y + c</c>, <c>y' = d x + e y + f</c>, as <c>[a, b, c, d, e, f]</c>, in video pixels).
/// </summary>
public sealed record SampleFootageFrame(int Index, int Photo, double[] Transform);

/// <summary>The ground truth written next to a sample video as <c>&lt;video&gt;.truth.json</c>.</summary>
public sealed class SampleFootageTruth
{
    public const string FormatName = "facecluster.sample-footage";
    public string Format { get; init; } = FormatName;
    public int Version { get; init; } = 1;
    /// <summary>File name of the video (the truth file sits next to it).</summary>
    public required string Video { get; init; }
    public required int Width { get; init; }
    public required int Height { get; init; }
    public required double FramesPerSecond { get; init; }
    public required IReadOnlyList<SampleFootagePhoto> Photos { get; init; }
    public required IReadOnlyList<SampleFootageFrame> Frames { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        MaxDepth = 8,
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static SampleFootageTruth Load(string path)
    {
        using var stream = File.OpenRead(path);
        var truth = JsonSerializer.Deserialize<SampleFootageTruth>(stream, JsonOptions) ?? throw new InvalidDataException($"{path} is empty.");
        if (truth.Format != FormatName || truth.Version != 1) throw new InvalidDataException($"{path} is not a {FormatName} version 1 file.");
        return truth;
    }

    public void Save(string path)
    {
        using var pending = AtomicFile.Begin(path);
        JsonSerializer.Serialize(pending.Stream, this, JsonOptions);
        pending.Commit();
    }

    /// <summary>The video frame shown at <paramref name="timestamp"/> (the frame whose time is nearest).</summary>
    public SampleFootageFrame? FrameAt(TimeSpan timestamp)
    {
        int index = (int)Math.Round(timestamp.TotalSeconds * FramesPerSecond);
        return index >= 0 && index < Frames.Count ? Frames[index] : null;
    }

    /// <summary>
    /// Maps a box found in a frame image back to the source photo. <paramref name="imageWidth"/> x <paramref name="imageHeight"/>
    /// is the size of the image the box was found in (an extracted frame may have been scaled down); 0 = video size.
    /// Returns the photo and the box in photo pixels (clipped to the photo), or null when the time is outside the video.
    /// </summary>
    public (SampleFootagePhoto Photo, FaceBox Box)? MapToPhoto(TimeSpan timestamp, FaceBox box, int imageWidth = 0, int imageHeight = 0)
    {
        var frame = FrameAt(timestamp);
        return frame is null ? null : MapToPhoto(frame.Index, box, imageWidth, imageHeight);
    }

    /// <summary>As <see cref="MapToPhoto(TimeSpan, FaceBox, int, int)"/> for video frame <paramref name="frameIndex"/>.</summary>
    public (SampleFootagePhoto Photo, FaceBox Box)? MapToPhoto(int frameIndex, FaceBox box, int imageWidth = 0, int imageHeight = 0)
    {
        if (frameIndex < 0 || frameIndex >= Frames.Count) return null;
        var frame = Frames[frameIndex];
        double sx = imageWidth > 0 ? (double)Width / imageWidth : 1;
        double sy = imageHeight > 0 ? (double)Height / imageHeight : 1;
        var t = frame.Transform;
        double det = t[0] * t[4] - t[1] * t[3];
        if (Math.Abs(det) < 1e-12) return null;
        (double X, double Y) Inverse(double fx, double fy)
        {
            double u = fx * sx - t[2], v = fy * sy - t[5];
            return ((t[4] * u - t[1] * v) / det, (-t[3] * u + t[0] * v) / det);
        }
        var corners = new[] { Inverse(box.X, box.Y), Inverse(box.Right, box.Y), Inverse(box.X, box.Bottom), Inverse(box.Right, box.Bottom) };
        var photo = Photos[frame.Photo];
        double x0 = Math.Clamp(corners.Min(c => c.X), 0, photo.Width), x1 = Math.Clamp(corners.Max(c => c.X), 0, photo.Width);
        double y0 = Math.Clamp(corners.Min(c => c.Y), 0, photo.Height), y1 = Math.Clamp(corners.Max(c => c.Y), 0, photo.Height);
        return (photo, new FaceBox((float)x0, (float)y0, (float)(x1 - x0), (float)(y1 - y0)));
    }

    /// <summary>Maps a photo-space box into video frame <paramref name="frameIndex"/> (video pixels).</summary>
    public FaceBox MapToFrame(int frameIndex, FaceBox photoBox)
    {
        var t = Frames[frameIndex].Transform;
        (double X, double Y) Map(double x, double y) => (t[0] * x + t[1] * y + t[2], t[3] * x + t[4] * y + t[5]);
        var c = new[] { Map(photoBox.X, photoBox.Y), Map(photoBox.Right, photoBox.Y), Map(photoBox.X, photoBox.Bottom), Map(photoBox.Right, photoBox.Bottom) };
        double x0 = c.Min(p => p.X), x1 = c.Max(p => p.X), y0 = c.Min(p => p.Y), y1 = c.Max(p => p.Y);
        return new FaceBox((float)x0, (float)y0, (float)(x1 - x0), (float)(y1 - y0));
    }
}

/// <summary>
/// Builds realistic test footage from still photos: a slow pan and zoom across each photo (a "Ken Burns" shot),
/// one shot per photo, written as MPEG-4 Part 2 (mp4v) in an .mp4, plus a ground-truth file that says, for every
/// frame, which photo it shows and the affine transform photo → frame. Deterministic for the same inputs.
/// </summary>
public static class SampleFootage
{
    /// <summary><c>&lt;video&gt;.truth.json</c>.</summary>
    public static string TruthPath(string videoPath) => videoPath + ".truth.json";

    public static SampleFootageTruth Create(IReadOnlyList<string> photoPaths, string videoPath, SampleFootageOptions? options = null,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(photoPaths);
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        if (photoPaths.Count == 0) throw new ArgumentException("Give at least one photo.", nameof(photoPaths));
        options ??= new SampleFootageOptions();
        if (options.Width < 16 || options.Height < 16 || options.Width % 2 != 0 || options.Height % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Width and Height must be even and at least 16.");
        if (!(options.FramesPerSecond > 0) || !(options.SecondsPerPhoto > 0))
            throw new ArgumentOutOfRangeException(nameof(options), "FramesPerSecond and SecondsPerPhoto must be positive.");
        videoPath = System.IO.Path.GetFullPath(videoPath);
        var truthPath = TruthPath(videoPath);
        if (!options.Force && (File.Exists(videoPath) || File.Exists(truthPath)))
            throw new VideoException(VideoErrorCode.VideoWriteFailed, videoPath, $"'{videoPath}' or its truth file already exists; use Force to replace them.");

        int W = options.Width, H = options.Height;
        int framesPerPhoto = Math.Max(1, (int)Math.Round(options.SecondsPerPhoto * options.FramesPerSecond));
        var dir = System.IO.Path.GetDirectoryName(videoPath)!;
        Directory.CreateDirectory(dir);
        // OpenCV writes the video itself, so only the temp name comes from AtomicFile (it ends with the video's name: the container is chosen by extension).
        var temp = AtomicFile.TempPathFor(videoPath);
        var photos = new List<SampleFootagePhoto>();
        var frames = new List<SampleFootageFrame>();
        try
        {
            using (var writer = new VideoWriter(temp, FourCC.FromString("mp4v"), options.FramesPerSecond, new Size(W, H)))
            {
                if (!writer.IsOpened()) throw new VideoException(VideoErrorCode.VideoWriteFailed, videoPath, $"Cannot create the video '{videoPath}' (mp4v).");
                using var canvas = new Mat(H, W, MatType.CV_8UC3);
                using var affine = new Mat(2, 3, MatType.CV_64FC1);
                for (int p = 0; p < photoPaths.Count; p++)
                {
                    var photoPath = System.IO.Path.GetFullPath(photoPaths[p]);
                    using var photo = Cv2.ImRead(photoPath, ImreadModes.Color);
                    if (photo.Empty()) throw new VideoException(VideoErrorCode.VideoWriteFailed, videoPath, $"Cannot read the photo '{photoPath}'.");
                    photos.Add(new SampleFootagePhoto(photoPath, photo.Width, photo.Height, frames.Count, framesPerPhoto));
                    var (from, to) = ChooseShot(photo.Width, photo.Height, W, H, new Random(ShotSeed(options.Seed, p)), p);
                    for (int i = 0; i < framesPerPhoto; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        double s = framesPerPhoto == 1 ? 0 : (double)i / (framesPerPhoto - 1);
                        s = s * s * (3 - 2 * s); // ease in and out
                        double wx = Lerp(from.X, to.X, s), wy = Lerp(from.Y, to.Y, s), ww = Lerp(from.W, to.W, s);
                        double scale = W / ww; // window (ww x ww*H/W in photo pixels) → whole frame
                        double[] t = [scale, 0, -wx * scale, 0, scale, -wy * scale];
                        affine.Set(0, 0, t[0]); affine.Set(0, 1, t[1]); affine.Set(0, 2, t[2]);
                        affine.Set(1, 0, t[3]); affine.Set(1, 1, t[4]); affine.Set(1, 2, t[5]);
                        Cv2.WarpAffine(photo, canvas, affine, new Size(W, H), InterpolationFlags.Linear, BorderTypes.Constant, Scalar.Black);
                        writer.Write(canvas);
                        frames.Add(new SampleFootageFrame(frames.Count, p, t));
                    }
                    progress?.Report((double)(p + 1) / photoPaths.Count);
                }
            }
            File.Move(temp, videoPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        var truth = new SampleFootageTruth
        {
            Video = System.IO.Path.GetFileName(videoPath),
            Width = W,
            Height = H,
            FramesPerSecond = options.FramesPerSecond,
            Photos = photos,
            Frames = frames,
        };
        truth.Save(truthPath);
        return truth;
    }

    private static double Lerp(double a, double b, double s) => a + (b - a) * s;

    /// <summary>Start and end windows (top-left and width in photo pixels; height follows the frame aspect).</summary>
    /// <summary>
    /// The seed of shot <paramref name="shot"/>: a fixed mix of the two numbers. (HashCode.Combine is randomised per
    /// process, so it made the footage differ from one process to the next.)
    /// </summary>
    internal static int ShotSeed(int seed, int shot) => (int)((uint)(seed * 1000003 + shot * 7919 + 12345) & int.MaxValue);

    private static ((double X, double Y, double W) From, (double X, double Y, double W) To) ChooseShot(int pw, int ph, int fw, int fh, Random rng, int shot)
    {
        double aspect = (double)fw / fh;
        // "Contain": the window that shows the whole photo (letterboxed); zooming in shrinks it towards a region.
        double containW = Math.Max(pw, ph * aspect);
        (double, double, double) Window(double zoom, double cx, double cy)
        {
            double w = containW / zoom, h = w / aspect;
            // Keep the window centre so that the window stays over the photo as much as possible.
            double x = w >= pw ? (pw - w) / 2 : Math.Clamp(cx - w / 2, 0, pw - w);
            double y = h >= ph ? (ph - h) / 2 : Math.Clamp(cy - h / 2, 0, ph - h);
            return (x, y, w);
        }
        var wide = Window(1.0 + rng.NextDouble() * 0.15, pw / 2.0, ph / 2.0);
        var close = Window(1.5 + rng.NextDouble() * 0.5, pw * (0.3 + 0.4 * rng.NextDouble()), ph * (0.3 + 0.4 * rng.NextDouble()));
        return shot % 2 == 0 ? (wide, close) : (close, wide); // zoom in, then out, alternately
    }
}
