using System.Diagnostics;
using System.Globalization;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// shots [--clips a.mp4,b.mp4] [--direct-only]
///   How well cut detectors separate cuts from in-shot change, on every footage with truth (the chain clip, mp4v and its
///   H.264 transcode, the two footage-eval clips, and any --clips with a .truth.json beside them): for each pair of
///   consecutive decoded frames, today's difference (<see cref="ShotDetector"/>, HSV histogram of the BGR frame) and the
///   luma-plane candidates below, from a second capture with CAP_PROP_CONVERT_RGB off (what FFmpeg decoded, before any
///   colour conversion). Per detector: the largest in-shot difference, the smallest at a cut, and their ratio (the
///   separation margin; above 1 means one threshold separates every pair). Also the CPU of decoding each way.
///   The luma detectors are evaluated here only: OpenCV's capture cannot hand out BGR for the sampled frames once it
///   gives luma for the others (docs/video-frames.md), so no production path can use them yet.
/// </summary>
public static class ShotsBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>A luma cut measure: nearest-pixel copy 96 px wide, a grid of cells, a luma histogram per cell; the
    /// difference is the mean over cells of the total variation distance: the share of the picture whose luma bin changed.</summary>
    private sealed class LumaGrid(int cells, int bins)
    {
        public string Name => $"luma {cells}x{cells} grid, {bins} bins";
        private float[] previous = [];
        private readonly Mat small = new();

        public double Difference(Mat luma)
        {
            int height = Math.Max(1, (int)Math.Round((double)luma.Height * ShotDetector.AnalysisWidth / luma.Width));
            Cv2.Resize(luma, small, new Size(ShotDetector.AnalysisWidth, height), 0, 0, InterpolationFlags.Nearest);
            int rows = small.Rows, cols = small.Cols;
            var pixels = new byte[rows * cols];
            System.Runtime.InteropServices.Marshal.Copy(small.Data, pixels, 0, pixels.Length);
            var h = new float[cells * cells * bins];
            var count = new int[cells * cells];
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                {
                    int cell = y * cells / rows * cells + x * cells / cols;
                    h[cell * bins + pixels[y * cols + x] * bins / 256]++;
                    count[cell]++;
                }
            for (int c = 0; c < cells * cells; c++)
                for (int b = 0; b < bins; b++) h[c * bins + b] /= Math.Max(1, count[c]);
            double d = double.NaN;
            if (previous.Length == h.Length)
            {
                d = 0;
                for (int i = 0; i < h.Length; i++) d += Math.Abs(h[i] - previous[i]);
                d *= 0.5 / (cells * cells);
            }
            previous = h;
            return d;
        }
    }

    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "direct-only", "stride-only");
        BenchEnv.Header("shots");
        var bench = BenchEnv.WorkDirectory;
        var clips = new List<(string Video, string Truth)>();
        void Add(string video, string truth)
        {
            if (File.Exists(video) && File.Exists(truth)) clips.Add((video, truth));
            else Console.WriteLine($"skipped {video}: missing (run bench chain / footage-eval first)");
        }
        var chain = Path.Combine(bench, "footage-1280x720-120s.mp4");
        Add(chain, SampleFootage.TruthPath(chain));
        Add(Path.Combine(bench, "footage-1280x720-120s-h264.mp4"), SampleFootage.TruthPath(chain)); // a transcode: same frames
        foreach (var name in new[] { "labelled", "demo" })
        {
            var v = Path.Combine(bench, "footage-eval", name + ".mp4");
            Add(v, SampleFootage.TruthPath(v));
        }
        foreach (var v in (o.GetValueOrDefault("clips") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)) Add(Path.GetFullPath(v), SampleFootage.TruthPath(Path.GetFullPath(v)));

        if (flags.Contains("stride-only"))
        {
            Strides(clips);
            BenchEnv.Footer();
            return 0;
        }
        var worst = new Dictionary<string, (double InShot, double AtCut)>();
        foreach (var (video, truthPath) in flags.Contains("direct-only") ? [] : clips)
        {
            var truth = SampleFootageTruth.Load(truthPath);
            var detectors = new[] { new LumaGrid(1, 32), new LumaGrid(2, 16), new LumaGrid(3, 16), new LumaGrid(4, 16), new LumaGrid(4, 8) };
            var names = new List<string> { "HSV 16x4x4 of BGR (today)" };
            names.AddRange(detectors.Select(d => d.Name));
            var within = names.Select(_ => new List<double>()).ToArray();
            var atCut = names.Select(_ => new List<double>()).ToArray();
            string lumaFormat = "";
            var level = Cv2.GetLogLevel();
            Cv2.SetLogLevel(LogLevel.ERROR); // the luma capture warns on every frame that yuv420p "will be treated as 8UC1": that is what is asked for
            try
            {
                using var bgrCapture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
                using var lumaCapture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
                lumaCapture.Set(VideoCaptureProperties.ConvertRgb, 0);
                using var shots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
                using var bgr = new Mat();
                using var luma = new Mat();
                for (int i = 0; bgrCapture.Read(bgr) && !bgr.Empty() && lumaCapture.Read(luma) && !luma.Empty(); i++)
                {
                    if (i == 0) lumaFormat = $"{luma.Width}x{luma.Height} {luma.Type()}";
                    if (luma.Type() != MatType.CV_8UC1 || luma.Width != bgr.Width || luma.Height != bgr.Height)
                        throw new InvalidOperationException($"{video}: the capture without RGB conversion gave {luma.Width}x{luma.Height} {luma.Type()}, not the luma plane");
                    shots.IsCut(bgr);
                    var values = new List<double> { shots.LastDifference };
                    values.AddRange(detectors.Select(d => d.Difference(luma)));
                    if (i == 0 || i >= truth.Frames.Count) continue;
                    bool cut = truth.Frames[i].Photo != truth.Frames[i - 1].Photo;
                    for (int k = 0; k < values.Count; k++) (cut ? atCut : within)[k].Add(values[k]);
                }
            }
            finally
            {
                Cv2.SetLogLevel(level);
            }

            Console.WriteLine();
            Console.WriteLine($"{Path.GetFileName(video)}: {within[0].Count + atCut[0].Count + 1} frames, {atCut[0].Count} cuts; luma plane {lumaFormat}");
            Console.WriteLine($"  {"detector",-28} {"in-shot max",12} {"99th pct",9} {"cut min",8} {"cut median",11} {"margin",7}");
            for (int k = 0; k < names.Count; k++)
            {
                var w = within[k].Order().ToList();
                var c = atCut[k].Order().ToList();
                double max = w[^1], min = c[0];
                Console.WriteLine($"  {names[k],-28} {max,12:0.000} {w[(int)(w.Count * 0.99)],9:0.000} {min,8:0.000} {c[c.Count / 2],11:0.000} {min / max,7:0.00}");
                var prior = worst.GetValueOrDefault(names[k], (0.0, double.MaxValue));
                worst[names[k]] = (Math.Max(prior.Item1, max), Math.Min(prior.Item2, min));
            }
        }

        Console.WriteLine();
        Console.WriteLine("worst case over every clip (largest in-shot difference, smallest at a cut; a threshold between them separates all):");
        foreach (var (name, (inShot, atCutMin)) in worst)
            Console.WriteLine(FormattableString.Invariant($"  {name,-28} in-shot <= {inShot:0.000}, cuts >= {atCutMin:0.000}, margin {atCutMin / inShot:0.00}, midpoint (geometric) {Math.Sqrt(inShot * atCutMin):0.000}"));

        // What each way of reading costs: Grab only, Read to BGR, Read of the luma plane (900 frames of the first clip).
        if (clips.Count > 0 && !flags.Contains("direct-only"))
        {
            Console.WriteLine();
            foreach (var (video, _) in clips.Take(2))
                foreach (var mode in new[] { "grab", "bgr", "luma" })
                {
                    var level = Cv2.GetLogLevel();
                    Cv2.SetLogLevel(LogLevel.ERROR);
                    try
                    {
                        using var capture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
                        if (mode == "luma") capture.Set(VideoCaptureProperties.ConvertRgb, 0);
                        using var m = new Mat();
                        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                        int n = 0;
                        for (; n < 900 && capture.Grab(); n++)
                            if (mode != "grab") capture.Retrieve(m);
                        Console.WriteLine(FormattableString.Invariant($"{Path.GetFileName(video)}: {mode,-5} {(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:0.00} CPU s for {n} frames   [{BenchEnv.Load()}]"));
                    }
                    finally
                    {
                        Cv2.SetLogLevel(level);
                    }
                }
        }
        DirectDecoding(clips);
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>
    /// shots --stride-only: today's HSV detector on every k-th decoded frame only (k = 1..4), i.e. comparing frames k
    /// apart: the in-shot maximum and the cut minimum per clip and over all, for converting 1/k of the frames to BGR.
    /// </summary>
    private static void Strides(IReadOnlyList<(string Video, string Truth)> clips)
    {
        var worst = new Dictionary<int, (double InShot, double AtCut)>();
        foreach (var (video, truthPath) in clips)
        {
            var truth = SampleFootageTruth.Load(truthPath);
            var hists = new List<float[]>();
            using (var capture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG))
            using (var bgr = new Mat())
            using (var shots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold))
            {
                double fps = capture.Fps;
                while (capture.Read(bgr) && !bgr.Empty()) hists.Add(shots.HistogramOf(bgr));
                Console.WriteLine($"{Path.GetFileName(video)}: {hists.Count} frames at {fps:0.##} fps");
            }
            int n = Math.Min(hists.Count, truth.Frames.Count);
            for (int k = 1; k <= 4; k++)
            {
                double inMax = 0, cutMin = double.MaxValue; int cuts = 0;
                for (int i = k; i < n; i += k)
                {
                    double d = 0;
                    for (int b = 0; b < hists[i].Length; b++) d += Math.Abs(hists[i][b] - hists[i - k][b]);
                    d *= 0.5;
                    if (truth.Frames[i].Photo != truth.Frames[i - k].Photo) { cuts++; cutMin = Math.Min(cutMin, d); }
                    else inMax = Math.Max(inMax, d);
                }
                Console.WriteLine(FormattableString.Invariant($"  stride {k}: in-shot max {inMax:0.000}, {cuts} cuts, cut min {cutMin:0.000}, margin {cutMin / inMax:0.00}"));
                var prior = worst.GetValueOrDefault(k, (0.0, double.MaxValue));
                worst[k] = (Math.Max(prior.Item1, inMax), Math.Min(prior.Item2, cutMin));
            }
        }
        foreach (var (k, (a, b)) in worst)
            Console.WriteLine(FormattableString.Invariant($"worst over all, stride {k}: in-shot <= {a:0.000}, cuts >= {b:0.000}, margin {b / a:0.00}"));
    }

    /// <summary>
    /// The extractor's two decoders (<see cref="FfmpegDecoder"/>, used when it gives the capture's frames, and
    /// <see cref="VideoCapture"/>) on every footage: first frame for frame (timestamps, luma against a CONVERT_RGB-off
    /// capture, the 1-fps samples' BGR against VideoCapture.Read); then cut detection as the extractor runs it (frames at
    /// most <see cref="ShotDetector.MaxGapMs"/> apart and every sample), the capture's frames resized against the pixels
    /// the direct decoder reads from its planes: the largest difference between the two, and per decoder the in-shot
    /// maximum, cut minimum and margin; then the CPU of decoding each way (whole clip).
    /// </summary>
    private static void DirectDecoding(IReadOnlyList<(string Video, string Truth)> clips)
    {
        Console.WriteLine();
        if (FfmpegDecoder.Unavailable is { } unavailable)
        {
            Console.WriteLine($"direct decoding: not available ({unavailable})");
            return;
        }
        int threads = 0;
        var worst = new Dictionary<string, (double InShot, double AtCut)>();
        double worstGap = 0;
        foreach (var (video, truthPath) in clips)
        {
            var truth = SampleFootageTruth.Load(truthPath);
            var level = Cv2.GetLogLevel();
            Cv2.SetLogLevel(LogLevel.ERROR);
            int frames = 0, samples = 0, timeDiffers = 0, lumaDiffers = 0, bgrDiffers = 0, format = -1, compared = 0;
            var inShot = new[] { 0.0, 0.0 };
            var atCut = new[] { double.MaxValue, double.MaxValue };
            double gap = 0;
            try
            {
                using var bgrCapture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
                using var lumaCapture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
                lumaCapture.Set(VideoCaptureProperties.ConvertRgb, 0);
                using var direct = FfmpegDecoder.Open(video, threads, out string why) ?? throw new InvalidOperationException(why);
                using var bgr = new Mat();
                using var luma = new Mat();
                using var directBgr = new Mat();
                using var small = new Mat();
                using var capturedShots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
                using var directShots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
                var rule = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
                int k = 0, lastCompared = -1;
                while (true)
                {
                    bool a = bgrCapture.Grab(), b = lumaCapture.Grab(), c = direct.Next();
                    if (a != c || b != c) { Console.WriteLine($"{Path.GetFileName(video)}: the streams end at different frames ({frames})"); break; }
                    if (!c) break;
                    format = direct.PixelFormat;
                    double want = bgrCapture.Get(VideoCaptureProperties.PosMsec);
                    if (direct.PositionMs != want) timeDiffers++;
                    lumaCapture.Retrieve(luma);
                    using (var mine = direct.Luma()) if (Cv2.Norm(luma, mine, NormTypes.INF) != 0) lumaDiffers++;
                    bool sampled = want >= k * 1000 - 1e-3;
                    if (sampled)
                    {
                        direct.Bgr(directBgr);
                        samples++;
                        k = (int)Math.Floor(want / 1000 + 1e-9) + 1;
                    }
                    if (rule.Wants(want, sampled))
                    {
                        bgrCapture.Retrieve(bgr);
                        if (sampled && Cv2.Norm(bgr, directBgr, NormTypes.INF) != 0) bgrDiffers++;
                        capturedShots.IsCut(bgr);
                        var size = ShotDetector.AnalysisSize(direct.Width, direct.Height);
                        direct.SmallBgr(small, size.Width, size.Height);
                        directShots.IsCutOfAnalysisImage(small);
                        if (lastCompared >= 0 && frames < truth.Frames.Count)
                        {
                            compared++;
                            bool cut = truth.Frames[frames].Photo != truth.Frames[lastCompared].Photo;
                            var values = new[] { capturedShots.LastDifference, directShots.LastDifference };
                            gap = Math.Max(gap, Math.Abs(values[0] - values[1]));
                            for (int d = 0; d < 2; d++)
                            {
                                if (cut) atCut[d] = Math.Min(atCut[d], values[d]);
                                else inShot[d] = Math.Max(inShot[d], values[d]);
                            }
                        }
                        lastCompared = frames;
                    }
                    frames++;
                }
                rule.Dispose();
            }
            finally
            {
                Cv2.SetLogLevel(level);
            }
            Console.WriteLine($"{Path.GetFileName(video)}: direct decoding against OpenCV, {frames} frames (pixel format {format}): timestamps differ {timeDiffers}, " +
                              $"luma differs {lumaDiffers}, BGR of the {samples} 1-fps samples differs {bgrDiffers}");
            string[] names = ["capture (BGR frame resized)", "direct (pixels from the planes)"];
            for (int d = 0; d < 2; d++)
            {
                Console.WriteLine(FormattableString.Invariant($"  cut detection, {names[d],-32} {compared} compared pairs: in-shot max {inShot[d]:0.0000}, cut min {atCut[d]:0.0000}, margin {atCut[d] / inShot[d]:0.00}"));
                var prior = worst.GetValueOrDefault(names[d], (0.0, double.MaxValue));
                worst[names[d]] = (Math.Max(prior.Item1, inShot[d]), Math.Min(prior.Item2, atCut[d]));
            }
            Console.WriteLine(FormattableString.Invariant($"  largest difference between the two decoders' histogram differences: {gap:0.0000}"));
            worstGap = Math.Max(worstGap, gap);
        }
        foreach (var (name, (a, b)) in worst)
            Console.WriteLine(FormattableString.Invariant($"worst over all, {name}: in-shot <= {a:0.0000}, cuts >= {b:0.0000}, margin {b / a:0.00} (threshold {VideoFrameExtractorOptions.DefaultShotThreshold})"));
        Console.WriteLine(FormattableString.Invariant($"largest difference between the decoders over all: {worstGap:0.0000}"));

        foreach (var (video, _) in clips.Take(2))
        {
            double Cpu(Action run)
            {
                var start = Process.GetCurrentProcess().TotalProcessorTime;
                run();
                return (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds;
            }
            double grab = Cpu(() => { using var c = new VideoCapture(video, VideoCaptureAPIs.FFMPEG); while (c.Grab()) { } });
            double read = Cpu(() => { using var c = new VideoCapture(video, VideoCaptureAPIs.FFMPEG); using var m = new Mat(); while (c.Read(m) && !m.Empty()) { } });
            double direct = Cpu(() =>
            {
                using var d = FfmpegDecoder.Open(video, threads, out _)!;
                using var bgr = new Mat();
                var grid = new LumaGrid(4, 8);
                int k = 0;
                while (d.Next())
                {
                    using (var luma = d.Luma()) grid.Difference(luma);
                    if (d.PositionMs < k * 1000 - 1e-3) continue;
                    d.Bgr(bgr);
                    k = (int)Math.Floor(d.PositionMs / 1000 + 1e-9) + 1;
                }
            });
            Console.WriteLine(FormattableString.Invariant($"{Path.GetFileName(video)}, whole clip, process CPU s: OpenCV Grab {grab:0.00}, OpenCV Read to BGR (the floor) {read:0.00}, direct decode + luma 4x4 histogram of every frame + BGR of the 1-fps samples {direct:0.00} ({read - direct:0.00} less than the floor)   [{BenchEnv.Load()}]"));
        }
    }
}
