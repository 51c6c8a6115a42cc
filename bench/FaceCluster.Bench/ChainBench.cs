using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// chain [--seconds 120] [--width 1280] [--height 720] [--fps 1] [--workers 2] [--repeat 2] [--chain-repeat 2] [--no-h264] [--h264-only] [--no-profile] [--profile-only] [--decoder-threads n] [--model-dir dir]
///   A --seconds long clip of the demo photos (SampleFootage pans and zooms, 25 fps mp4v, cached in obj/bench/) and, with
///   the ffmpeg CLI and libx264, its H.264 transcode. First where the CPU goes (ChainProfile: every step alone, one
///   thread; --no-profile skips it, --profile-only stops after it). Then per codec: the decode-every-frame floor
///   (VideoCapture.Read), extraction alone (700x500 jpg + full-resolution copies), and the whole chain frames ->
///   encodings (each frame posted with its full-resolution copy and shot as soon as its files are written, as
///   Export-VideoFrame | Get-FaceEncoding does) through the per-image engine (old) and the staged pipeline (new),
///   alternated --chain-repeat times in this process, with process CPU time, x floor, x real time and whether both
///   gave the same faces. Floor and extraction are the best of --repeat runs, each chain the best of its runs.
/// </summary>
public static class ChainBench
{
    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "no-h264", "h264-only", "profile-only", "no-profile");
        double seconds = BenchEnv.Double(o, "seconds", 120);
        int width = BenchEnv.Int(o, "width", 1280), height = BenchEnv.Int(o, "height", 720);
        double fps = BenchEnv.Double(o, "fps", 1);
        int workers = BenchEnv.Workers(o).Max();
        int repeat = Math.Max(1, BenchEnv.Int(o, "repeat", 2));
        int chainRepeat = Math.Max(1, BenchEnv.Int(o, "chain-repeat", 2));
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
        Console.WriteLine($"{workers} encoder workers (capacity {2 * workers}), sampling {fps:0.##} fps, frames scaled to fit 700x500 jpg + full-resolution copies; " +
                          $"best of {repeat} for extraction and floor; CPU s = process CPU time");

        if (!flags.Contains("no-profile"))
        {
            ChainProfile.Run(clip, "mp4v", modelDir, fps);
            if (!flags.Contains("no-h264") && Transcode(clip) is { } h264Clip) ChainProfile.Run(h264Clip, "H.264", modelDir, fps);
            if (flags.Contains("profile-only")) return 0;
        }
        var frames = Path.Combine(BenchEnv.WorkDirectory, "frames-" + Guid.NewGuid().ToString("N"));
        try
        {
            var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions
            {
                OutputDirectory = frames, FramesPerSecond = fps, Force = true, DecoderThreads = BenchEnv.Int(o, "decoder-threads", 0),
            });
            var clips = new List<(string Label, string Path, double Duration)> { ("mp4v", clip, duration) };
            if (!flags.Contains("no-h264") && Transcode(clip) is { } h264)
            {
                var hi = Describe(h264);
                clips.Add(("H.264", h264, hi.Duration?.TotalSeconds ?? seconds));
                if (flags.Contains("h264-only")) clips.RemoveAt(0);
            }
            var summary = new List<string>();
            foreach (var (label, path, clipSeconds) in clips)
            {
                Console.WriteLine();
                Console.WriteLine($"{label}: {"step",-66} {"wall s",8} {"CPU s",7} {"frames",7} {"x floor",8} {"x real time",12}");
                double floor = 0;
                void Row(string name, double s, double cpu, int n) =>
                    Console.WriteLine($"{label}: {name,-66} {s,8:0.00} {cpu,7:0.0} {n,7} {(floor > 0 ? s / floor : 1),8:0.00} {clipSeconds / s,12:0.0}");
                floor = Best(repeat, () => DecodeAll(path), out int decoded, out double floorCpu);
                Row("decode every frame to BGR (VideoCapture.Read) [floor]", floor, floorCpu, decoded);
                // For transparency only: decoding without the BGR conversion is a lower bound no OpenCV-based chain
                // reaches (the sampled frames need BGR, and VideoCapture cannot convert only those: docs/video-frames.md).
                double grabOnly = Best(repeat, () => GrabAll(path), out _, out double grabCpu);
                Row("decode every frame, Grab only (no BGR; not the floor)", grabOnly, grabCpu, decoded);
                double extraction = Best(repeat, () => extractor.Extract(path).Count(), out int sampled, out double extractionCpu);
                Row($"extraction alone ({fps:0.##} fps -> jpg + full/)", extraction, extractionCpu, sampled);
                // The same through OpenCV's capture, the extractor's decoder before direct decoding (same files, same shots).
                var throughCapture = new VideoFrameExtractor(new VideoFrameExtractorOptions
                {
                    OutputDirectory = frames, FramesPerSecond = fps, Force = true, DecoderThreads = extractor.Options.DecoderThreads, DirectDecoding = false,
                });
                double captured = Best(repeat, () => throughCapture.Extract(path).Count(), out _, out double capturedCpu);
                Row("extraction alone through OpenCV's VideoCapture (before)", captured, capturedCpu, sampled);

                // Old and new engine one after the other in this process, same frames, same settings: the pair to compare.
                var runs = new Dictionary<PipelineKind, (double Wall, double Cpu, EncodeTotals Totals)>();
                // Alternated old, new, old, new...: on a shared machine the load drifts within minutes, and the best of each
                // is the run least disturbed by it.
                // Each round decodes the floor again right before its chains, and each chain is set against that floor:
                // a floor from minutes earlier can be twice as fast or slow on a shared machine.
                var ratios = new Dictionary<PipelineKind, double>();
                for (int round = 0; round < chainRepeat; round++)
                {
                    floor = Best(1, () => DecodeAll(path), out _, out double roundFloorCpu);
                    Row($"floor again, before round {round + 1}", floor, roundFloorCpu, decoded);
                    foreach (var kind in new[] { PipelineKind.PerImage, PipelineKind.Staged })
                    {
                        var (wall, cpu, totals) = Chain(extractor, path, modelDir, workers, kind);
                        if (!runs.TryGetValue(kind, out var best) || wall < best.Wall) runs[kind] = (wall, cpu, totals);
                        if (!ratios.TryGetValue(kind, out var r) || wall / floor < r) ratios[kind] = wall / floor;
                        Row((kind == PipelineKind.Staged ? "whole chain, staged pipeline (new)" : "whole chain, whole Encode per worker item (old)") + $", run {round + 1}",
                            wall, cpu, totals.Images);
                    }
                }
                var (oldRun, newRun) = (runs[PipelineKind.PerImage], runs[PipelineKind.Staged]);
                bool same = Same(oldRun.Totals.Kept!, newRun.Totals.Kept!, out string difference);
                var t = newRun.Totals;
                Console.WriteLine($"{label}: chain {t.Images} frames, {t.Faces} faces ({t.Faces / (double)Math.Max(1, t.Images):0.0} per frame), {t.Errors} errors; " +
                                  $"{t.Faces / newRun.Wall:0.00} faces/s; {clipSeconds:0} s of video in {newRun.Wall:0.0} s = {clipSeconds / newRun.Wall:0.0}x real time");
                Console.WriteLine($"{label}: staged worker time: prepare {t.Stages.Prepare.TotalSeconds:0.00} s, detect {t.Stages.Detect.TotalSeconds:0.00} s " +
                                  $"({t.Detection.TotalMilliseconds / Math.Max(1, t.Images):0.0} ms/frame), describe {t.Stages.Describe.TotalSeconds:0.00} s " +
                                  $"({t.Description.TotalMilliseconds / Math.Max(1, t.Faces):0.0} ms/face)");
                Console.WriteLine($"{label}: the chain's CPU over the cores is a floor for its wall time: {newRun.Cpu:0.0} CPU s / {Environment.ProcessorCount} = " +
                                  $"{newRun.Cpu / Environment.ProcessorCount:0.0} s ({newRun.Cpu / Environment.ProcessorCount / floor:0.00}x the decode floor)");
                Console.WriteLine($"{label}: old and new engine give the same faces, ids, boxes and descriptors: {(same ? "yes" : "NO, " + difference)}   [{BenchEnv.Load()}]");
                double oldRatio = ratios[PipelineKind.PerImage], newRatio = ratios[PipelineKind.Staged];
                summary.Add($"{label}: whole chain (best of {chainRepeat}, each against the floor decoded just before it) old {oldRun.Wall:0.0} s = {oldRatio:0.00}x floor " +
                            $"({clipSeconds / oldRun.Wall:0.0}x real time, {oldRun.Cpu:0} CPU s), new {newRun.Wall:0.0} s = {newRatio:0.00}x floor " +
                            $"({clipSeconds / newRun.Wall:0.0}x real time, {newRun.Cpu:0} CPU s; {newRun.Wall / grabOnly:0.00}x the grab-only decode); goal <= 1.5x: {(newRatio <= 1.5 ? "met" : "not met")} in this run");
            }

            var written = Directory.GetFiles(frames, "*.jpg").Order(StringComparer.Ordinal).ToList();
            var alone = new EncodePipeline(modelDir, workers);
            alone.WarmUp(written[0]);
            foreach (var path in written) alone.Post(path);
            var a = alone.Complete();
            Console.WriteLine();
            Console.WriteLine($"encoding the frames the chains wrote (every clip), alone: no extraction, staged: {a.WallSeconds:0.00} s for {a.Images} frames, {a.Faces} faces");
            Console.WriteLine();
            foreach (var line in summary) Console.WriteLine(line);
            Console.WriteLine($"[{BenchEnv.Load()}]");
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

    private static double Best(int repeat, Func<int> run, out int count, out double cpu)
    {
        double best = double.MaxValue;
        count = 0;
        cpu = 0;
        for (int i = 0; i < repeat; i++)
        {
            var cpu0 = ProcessCpu();
            var sw = Stopwatch.StartNew();
            count = run();
            double wall = sw.Elapsed.TotalSeconds;
            if (wall < best) (best, cpu) = (wall, ProcessCpu() - cpu0);
        }
        return best;
    }

    private static double ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>
    /// Export-VideoFrame | Get-FaceEncoding in one process: the extractor's lazy enumeration on this thread, each frame
    /// posted (with its full-resolution copy and shot, as the cmdlet binds them) as soon as its files are written; wall
    /// time from opening the video to the last encoding.
    /// </summary>
    private static (double Wall, double Cpu, EncodeTotals Totals) Chain(VideoFrameExtractor extractor, string clip, string modelDir, int workers, PipelineKind kind)
    {
        var pipeline = new EncodePipeline(modelDir, workers, kind, keepFaces: true);
        pipeline.WarmUp(extractor.Extract(clip).First().Frame.Path);
        GC.Collect();
        var cpu0 = ProcessCpu();
        var chain = Stopwatch.StartNew();
        foreach (var f in extractor.Extract(clip))
        {
            var v = f.Frame;
            pipeline.Post(v.Path, new Recognition.FrameSource(v.VideoPath, v.Index, v.Timestamp, v.FullResolutionPath, v.Shot));
        }
        var totals = pipeline.Complete();
        chain.Stop();
        return (chain.Elapsed.TotalSeconds, ProcessCpu() - cpu0, totals);
    }

    /// <summary>Whether two runs gave the same faces in the same order: ids, boxes, landmarks and descriptors bit for bit.</summary>
    internal static bool Same(IReadOnlyList<FaceEncoding> a, IReadOnlyList<FaceEncoding> b, out string difference)
    {
        difference = "";
        if (a.Count != b.Count)
        {
            difference = $"{a.Count} faces against {b.Count}";
            return false;
        }
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].Id != b[i].Id || a[i].Box != b[i].Box || a[i].Landmarks != b[i].Landmarks || !a[i].Descriptor.AsSpan().SequenceEqual(b[i].Descriptor))
            {
                difference = $"face {i} ({a[i].Id} in {Path.GetFileName(a[i].Path)}) differs";
                return false;
            }
        }
        return true;
    }

    private static int GrabAll(string clip)
    {
        using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
        int n = 0;
        while (cap.Grab()) n++;
        return n;
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
