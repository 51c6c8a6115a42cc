using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// chain [--seconds 120] [--width 1280] [--height 720] [--fps 1] [--workers 2] [--repeat 2] [--no-h264] [--model-dir dir]
///   A --seconds long clip of the demo photos (SampleFootage pans and zooms, 25 fps mp4v, cached in obj/bench/), then:
///   extraction alone (VideoFrameExtractor at --fps, 700x500 jpg), the decode-every-frame floor (VideoCapture.Read),
///   the whole chain frames -> encodings (each frame posted to OrderedParallelProcessor + FaceEncoder as soon as it
///   is written, as Export-VideoFrame | Get-FaceEncoding does), the encoding of the written frames alone, faces/s
///   and the multiple of real time. With the ffmpeg CLI and libx264, the clip is also transcoded to H.264 (cached)
///   and extraction vs floor measured on it. Extraction and floor are the best of --repeat runs.
/// </summary>
public static class ChainBench
{
    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "no-h264");
        double seconds = BenchEnv.Double(o, "seconds", 120);
        int width = BenchEnv.Int(o, "width", 1280), height = BenchEnv.Int(o, "height", 720);
        double fps = BenchEnv.Double(o, "fps", 1);
        int workers = BenchEnv.Workers(o).Max();
        int repeat = Math.Max(1, BenchEnv.Int(o, "repeat", 2));
        var modelDir = BenchEnv.ModelDirectory(o);
        var photos = BenchEnv.DemoPhotos();
        BenchEnv.Header("chain");

        var clip = Path.Combine(BenchEnv.WorkDirectory, FormattableString.Invariant($"footage-{width}x{height}-{seconds:0}s.mp4"));
        if (!File.Exists(clip))
        {
            var made = Stopwatch.StartNew();
            SampleFootage.Create(photos, clip, new SampleFootageOptions { Width = width, Height = height, SecondsPerPhoto = seconds / photos.Count, Force = true });
            Console.WriteLine($"generated {clip} with SampleFootage in {made.Elapsed.TotalSeconds:0.0} s");
        }
        var info = Describe(clip);
        double duration = info.Duration?.TotalSeconds ?? seconds;
        Console.WriteLine($"{workers} encoder workers (capacity {2 * workers}), sampling {fps:0.##} fps, frames scaled to fit 700x500 jpg; best of {repeat} for extraction and floor");
        Console.WriteLine();
        Console.WriteLine($"{"step",-60} {"wall s",8} {"frames",7} {"x real time",12}");
        void Row(string name, double s, int n) => Console.WriteLine($"{name,-60} {s,8:0.00} {n,7} {duration / s,12:0.0}");

        var frames = Path.Combine(BenchEnv.WorkDirectory, "frames-" + Guid.NewGuid().ToString("N"));
        try
        {
            var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = frames, FramesPerSecond = fps, Force = true });
            Row("decode every frame to BGR (VideoCapture.Read) [floor]", Best(repeat, () => DecodeAll(clip), out int decoded), decoded);
            Row($"extraction alone ({fps:0.##} fps -> jpg)", Best(repeat, () => extractor.Extract(clip).Count(), out int sampled), sampled);

            var pipeline = new EncodePipeline(modelDir, workers);
            var firstFrame = extractor.Extract(clip).First().Frame.Path;
            pipeline.WarmUp(firstFrame);
            var chain = Stopwatch.StartNew();
            int posted = 0;
            foreach (var f in extractor.Extract(clip))
            {
                pipeline.Post(f.Frame.Path, new Recognition.FrameSource(f.Frame.VideoPath, f.Frame.Index, f.Frame.Timestamp));
                posted++;
            }
            var t = pipeline.Complete();
            chain.Stop();
            Row("whole chain: extraction feeding the encoder concurrently", chain.Elapsed.TotalSeconds, posted);

            var written = Directory.GetFiles(frames, "*.jpg").Order(StringComparer.Ordinal).ToList();
            var alone = new EncodePipeline(modelDir, workers);
            alone.WarmUp(written[0]);
            foreach (var path in written) alone.Post(path);
            var a = alone.Complete();
            Row("encoding the written frames alone (no extraction)", a.WallSeconds, a.Images);

            Console.WriteLine();
            Console.WriteLine($"chain: {t.Images} frames, {t.Faces} faces, {t.Errors} errors; {t.Images / chain.Elapsed.TotalSeconds:0.00} frames/s, {t.Faces / chain.Elapsed.TotalSeconds:0.00} faces/s; " +
                              $"{duration:0} s of video in {chain.Elapsed.TotalSeconds:0.0} s = {duration / chain.Elapsed.TotalSeconds:0.0}x real time");
            Console.WriteLine($"chain worker time: detection {t.Detection.TotalSeconds:0.00} s ({t.Detection.TotalMilliseconds / Math.Max(1, t.Images):0.0} ms/frame), " +
                              $"description {t.Description.TotalSeconds:0.00} s ({t.Description.TotalMilliseconds / Math.Max(1, t.Faces):0.0} ms/face)   [{BenchEnv.Load()}]");

            if (!flags.Contains("no-h264"))
            {
                var h264 = Transcode(clip);
                if (h264 is not null)
                {
                    Console.WriteLine();
                    var hi = Describe(h264);
                    double hd = hi.Duration?.TotalSeconds ?? seconds;
                    void HRow(string name, double s, int n) => Console.WriteLine($"{name,-60} {s,8:0.00} {n,7} {hd / s,12:0.0}");
                    HRow("H.264: decode every frame to BGR (Read) [floor]", Best(repeat, () => DecodeAll(h264), out int hdecoded), hdecoded);
                    HRow($"H.264: extraction alone ({fps:0.##} fps -> jpg)", Best(repeat, () => extractor.Extract(h264).Count(), out int hsampled), hsampled);
                }
            }
        }
        finally
        {
            if (Directory.Exists(frames)) Directory.Delete(frames, recursive: true); // only the bench's own folder
        }
        BenchEnv.Footer();
        return 0;
    }

    private static VideoInfo Describe(string clip)
    {
        var info = VideoFrameExtractor.Probe(clip);
        Console.WriteLine($"clip: {Path.GetFileName(clip)} {info.Width}x{info.Height} {info.FramesPerSecond:0.##} fps, {info.FrameCountHint} frames, {info.Duration}, " +
                          $"codec {info.Codec}, {new FileInfo(clip).Length / 1e6:0.0} MB");
        return info;
    }

    private static double Best(int repeat, Func<int> run, out int count)
    {
        double best = double.MaxValue;
        count = 0;
        for (int i = 0; i < repeat; i++)
        {
            var sw = Stopwatch.StartNew();
            count = run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }

    private static int DecodeAll(string clip)
    {
        using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
        using var m = new Mat();
        int n = 0;
        while (cap.Read(m) && !m.Empty()) n++;
        return n;
    }

    /// <summary>The clip as H.264 (libx264, yuv420p, cached next to it), or null when the ffmpeg CLI or libx264 is missing.</summary>
    private static string? Transcode(string clip)
    {
        var h264 = Path.Combine(Path.GetDirectoryName(clip)!, Path.GetFileNameWithoutExtension(clip) + "-h264.mp4");
        if (File.Exists(h264)) return h264;
        try
        {
            var (code, encoders) = RunFfmpeg("-hide_banner", "-encoders");
            if (code != 0 || !encoders.Contains("libx264", StringComparison.Ordinal))
            {
                Console.WriteLine("H.264: skipped, ffmpeg has no libx264 encoder");
                return null;
            }
            var temp = h264 + ".tmp.mp4";
            var sw = Stopwatch.StartNew();
            // Two encoder threads at most: the machine is shared.
            (code, var log) = RunFfmpeg("-hide_banner", "-v", "error", "-y", "-i", clip, "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                                        "-pix_fmt", "yuv420p", "-threads", "2", temp);
            if (code != 0)
            {
                Console.WriteLine($"H.264: transcoding failed ({code}): {log.Trim()}");
                File.Delete(temp);
                return null;
            }
            File.Move(temp, h264, overwrite: true);
            Console.WriteLine($"H.264: transcoded with ffmpeg libx264 (veryfast, crf 20, 2 threads) in {sw.Elapsed.TotalSeconds:0.0} s");
            return h264;
        }
        catch (Win32Exception)
        {
            Console.WriteLine("H.264: skipped, the ffmpeg CLI is not installed");
            return null;
        }
    }

    private static (int Code, string Output) RunFfmpeg(params string[] arguments)
    {
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
