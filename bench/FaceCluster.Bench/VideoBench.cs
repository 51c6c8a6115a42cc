using System.Diagnostics;
using System.Globalization;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// video [--seconds 120] [--width 1280] [--height 720] [--fps 1] [--repeat 2] [--clip path] [--footage]
///   Wall time of 1-fps frame extraction next to the decode-every-frame floor on a generated clip
///   (25 fps mp4v, cached in the temp folder). Each figure is the best of --repeat runs (the machine may be shared). --footage also times the default SampleFootage from the demo photos.
/// </summary>
public static class VideoBench
{
    public static int Run(string[] args)
    {
        var o = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i].TrimStart('-');
            if (a == "footage") flags.Add(a);
            else if (i + 1 < args.Length) o[a] = args[++i];
        }
        double seconds = double.Parse(o.GetValueOrDefault("seconds", "120"), CultureInfo.InvariantCulture);
        int width = int.Parse(o.GetValueOrDefault("width", "1280"), CultureInfo.InvariantCulture);
        int height = int.Parse(o.GetValueOrDefault("height", "720"), CultureInfo.InvariantCulture);
        double sampleFps = double.Parse(o.GetValueOrDefault("fps", "1"), CultureInfo.InvariantCulture);
        s_repeat = Math.Max(1, int.Parse(o.GetValueOrDefault("repeat", "2"), CultureInfo.InvariantCulture));
        var work = Path.Combine(Path.GetTempPath(), "facecluster-bench");
        Directory.CreateDirectory(work);
        var clip = o.GetValueOrDefault("clip") ?? Path.Combine(work, $"bench-{width}x{height}-{seconds:0}s.mp4");

        if (!File.Exists(clip))
        {
            var sw = Stopwatch.StartNew();
            WriteClip(clip, width, height, 25, (int)(seconds * 25));
            Console.WriteLine($"generated {clip} in {sw.Elapsed.TotalSeconds:0.0} s");
        }
        BenchEnv.Header("video");
        var info = VideoFrameExtractor.Probe(clip);
        Console.WriteLine($"clip: {info.Width}x{info.Height} {info.FramesPerSecond:0.##} fps, {info.FrameCountHint} frames, {info.Duration}, codec {info.Codec}, " +
                          $"{new FileInfo(clip).Length / 1e6:0.0} MB; {Environment.ProcessorCount} logical cores");
        Console.WriteLine();
        Console.WriteLine($"{"method",-58} {"wall s",8} {"frames",8}");
        void Row(string name, double s, int n) => Console.WriteLine($"{name,-58} {s,8:0.00} {n,8}");

        Row("decode every frame to BGR (Read) [floor, FFmpeg threads auto]", Time(() => DecodeAll(clip, retrieve: true, threads: 0), out var n1), n1);
        Row("decode every frame, Grab only (no BGR conversion)", Time(() => DecodeAll(clip, retrieve: false, threads: 0), out var n2), n2);
        Row("decode every frame, Grab only, 1 FFmpeg thread", Time(() => DecodeAll(clip, retrieve: false, threads: 1), out var n3), n3);
        Row($"seek per sample (POS_MSEC) + Read, {sampleFps:0.##} fps", Time(() => SeekEach(clip, sampleFps), out var n4), n4);
        foreach (int threads in new[] { 0, 1, 2 })
        {
            var output = Path.Combine(work, "frames-" + Guid.NewGuid().ToString("N"));
            var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = output, FramesPerSecond = sampleFps, DecoderThreads = threads });
            var forced = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = output, FramesPerSecond = sampleFps, DecoderThreads = threads, Force = true });
            Row($"VideoFrameExtractor {sampleFps:0.##} fps -> 700x394 jpg, threads {(threads == 0 ? "auto" : threads.ToString(CultureInfo.InvariantCulture))}",
                Time(() => forced.Extract(clip).Count(), out var n), n);
            var rerun = Stopwatch.StartNew();
            int reused = extractor.Extract(clip).Count(f => f.Action == FrameAction.Reused);
            if (threads == 0) Row("  rerun of the above (all frames reused)", rerun.Elapsed.TotalSeconds, reused);
            Directory.Delete(output, recursive: true); // only the bench's own temp folder
        }

        if (flags.Contains("footage"))
        {
            var root = FindRoot();
            var photos = Enumerable.Range(1, 6).Select(i => Path.Combine(root, "obj", "models", "npm", "node_modules", "@vladmandic", "face-api", "demo", $"sample{i}.jpg")).ToList();
            if (photos.All(File.Exists))
            {
                var video = Path.Combine(work, "footage-" + Guid.NewGuid().ToString("N") + ".mp4");
                Row("SampleFootage default (6 photos x 4 s, 960x540, 25 fps)", Time(() => SampleFootage.Create(photos, video).Frames.Count, out var nf), nf);
                File.Delete(video);
                File.Delete(SampleFootage.TruthPath(video));
            }
            else Console.WriteLine("SampleFootage: demo photos not found (npm install the face-api package first)");
        }
        BenchEnv.Footer();
        return 0;
    }

    private static int s_repeat = 1;

    private static double Time(Func<int> run, out int count)
    {
        double best = double.MaxValue;
        count = 0;
        for (int i = 0; i < s_repeat; i++)
        {
            var sw = Stopwatch.StartNew();
            count = run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static int DecodeAll(string clip, bool retrieve, int threads)
    {
        using var cap = threads > 0
            ? new VideoCapture(clip, VideoCaptureAPIs.FFMPEG, [70 /* CAP_PROP_N_THREADS */, threads])
            : new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
        using var m = new Mat();
        int n = 0;
        if (retrieve) { while (cap.Read(m) && !m.Empty()) n++; }
        else { while (cap.Grab()) n++; }
        return n;
    }

    private static int SeekEach(string clip, double fps)
    {
        using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
        using var m = new Mat();
        int n = 0;
        for (int k = 0; ; k++)
        {
            cap.Set(VideoCaptureProperties.PosMsec, k * 1000.0 / fps);
            if (!cap.Read(m) || m.Empty()) break;
            n++;
        }
        return n;
    }

    /// <summary>Moving shapes over a textured, slowly changing background: compresses like ordinary footage.</summary>
    private static void WriteClip(string path, int width, int height, double fps, int frames)
    {
        using var writer = new VideoWriter(path, FourCC.FromString("mp4v"), fps, new Size(width, height));
        if (!writer.IsOpened()) throw new InvalidOperationException("cannot write " + path);
        using var texture = new Mat(height, width, MatType.CV_8UC3);
        Cv2.Randu(texture, Scalar.All(0), Scalar.All(60));
        Cv2.GaussianBlur(texture, texture, new Size(0, 0), 3);
        using var img = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            img.SetTo(new Scalar(80 + 40 * Math.Sin(i / 90.0), 100, 140));
            Cv2.Add(img, texture, img);
            for (int s = 0; s < 6; s++)
            {
                var c = new Point((int)((width / 2) + width / 3 * Math.Sin((i + 50 * s) / (40.0 + 7 * s))), (int)(height / 2 + height / 3 * Math.Cos((i + 30 * s) / (55.0 + 5 * s))));
                Cv2.Circle(img, c, height / 10, new Scalar(40 * s, 255 - 30 * s, 120), -1);
                Cv2.Ellipse(img, c, new Size(height / 30, height / 20), 0, 0, 360, Scalar.Black, 2);
            }
            Cv2.PutText(img, i.ToString(CultureInfo.InvariantCulture), new Point(40, 80), HersheyFonts.HersheySimplex, 2, Scalar.White, 3);
            writer.Write(img);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
