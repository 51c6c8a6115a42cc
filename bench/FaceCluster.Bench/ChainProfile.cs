using System.Diagnostics;
using System.Runtime.InteropServices;
using FaceCluster.Alignment;
using FaceCluster.Detection;
using FaceCluster.IO;
using FaceCluster.Imaging;
using FaceCluster.Models;
using FaceCluster.Recognition;
using FaceCluster.Store;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// Where the chain's CPU goes: every step of Export-VideoFrame | Get-FaceEncoding | Export-FaceEncoding run alone, one
/// after the other on one thread (ONNX Runtime at one intra-op thread, as at -ThrottleLimit 2 on 2 cores), so each
/// figure is that step's own CPU time, not a share of a busy machine. The decoder's figures are process CPU time
/// (FFmpeg decodes on its own threads); every other figure is the calling thread's CPU time.
/// </summary>
internal static class ChainProfile
{
    public static void Run(string clip, string label, string modelDir, double fps)
    {
        var frames = Path.Combine(BenchEnv.WorkDirectory, "profile-" + Guid.NewGuid().ToString("N"));
        try
        {
            Measure(clip, label, modelDir, fps, frames);
        }
        finally
        {
            if (Directory.Exists(frames)) Directory.Delete(frames, recursive: true); // only the bench's own folder
        }
    }

    private static void Measure(string clip, string label, string modelDir, double fps, string frames)
    {
        var rows = new List<(string Step, double Cpu, double Wall, int N)>();
        void Add(string step, double cpu, double wall, int n) => rows.Add((step, cpu, wall, n));

        // 1. Decoding alone: Grab (decode only) and Read (decode + conversion to BGR) of every frame.
        var (grabCpu, grabWall, grabbed) = ProcessTimed(() =>
        {
            using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
            int n = 0;
            while (cap.Grab()) n++;
            return n;
        });
        Add("decode every frame (Grab)", grabCpu, grabWall, grabbed);
        var (oneCpu, oneWall, _) = ProcessTimed(() =>
        {
            using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG, [VideoFrameExtractor.CapPropNThreads, 1]);
            int n = 0;
            while (cap.Grab()) n++;
            return n;
        });
        Add($"  (the same with 1 decoder thread: {oneWall:0.0} s wall against {grabWall:0.0} s)", oneCpu, oneWall, grabbed);
        var (readCpu, readWall, read) = ProcessTimed(() =>
        {
            using var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG);
            using var m = new Mat();
            int n = 0;
            while (cap.Read(m) && !m.Empty()) n++;
            return n;
        });
        Add("  + BGR conversion of every frame (Read - Grab) [floor]", readCpu - grabCpu, readWall - grabWall, read);

        // 2. The extractor's own work on the decoded frames, thread CPU of each step.
        double shotCpu = 0, resizeCpu = 0, smallJpegCpu = 0, fullJpegCpu = 0, writeCpu = 0;
        int sampled = 0, shotFrames = 0;
        Directory.CreateDirectory(Path.Combine(frames, VideoFrameExtractor.FullResolutionFolderName));
        var paths = new List<(string Small, string Full)>();
        using (var cap = new VideoCapture(clip, VideoCaptureAPIs.FFMPEG))
        using (var frame = new Mat())
        using (var small = new Mat())
        using (var shots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold))
        {
            double periodMs = 1000 / fps, targetMs = 0;
            int k = 0;
            while (cap.Read(frame) && !frame.Empty())
            {
                double t0 = ThreadCpu.Seconds();
                shots.IsCut(frame);
                shotCpu += ThreadCpu.Seconds() - t0;
                shotFrames++;
                double pos = cap.Get(VideoCaptureProperties.PosMsec);
                if (pos < targetMs - 1e-3) continue;
                var (w, h) = VideoFrameExtractor.FitWithin(frame.Width, frame.Height, 700, 500);
                t0 = ThreadCpu.Seconds();
                Cv2.Resize(frame, small, new Size(w, h), 0, 0, InterpolationFlags.Area);
                double t1 = ThreadCpu.Seconds();
                Cv2.ImEncode(".jpg", small, out var smallBytes, [new ImageEncodingParam(ImwriteFlags.JpegQuality, 92)]);
                double t2 = ThreadCpu.Seconds();
                Cv2.ImEncode(".jpg", frame, out var fullBytes, [new ImageEncodingParam(ImwriteFlags.JpegQuality, 95)]);
                double t3 = ThreadCpu.Seconds();
                var name = FormattableString.Invariant($"f_{k:D6}.jpg");
                var smallPath = Path.Combine(frames, name);
                var fullPath = VideoFrameExtractor.FullResolutionPath(smallPath);
                AtomicFile.Replace(smallPath, smallBytes);
                AtomicFile.Replace(fullPath, fullBytes);
                double t4 = ThreadCpu.Seconds();
                resizeCpu += t1 - t0;
                smallJpegCpu += t2 - t1;
                fullJpegCpu += t3 - t2;
                writeCpu += t4 - t3;
                paths.Add((smallPath, fullPath));
                sampled++;
                k = Math.Max(k + 1, (int)Math.Floor(pos / periodMs + 1e-9) + 1);
                targetMs = k * periodMs;
            }
        }
        Add("shot detection of every frame (96 px HSV histogram)", shotCpu, shotCpu, shotFrames);
        Add("resize of the sampled frames to 700x500 (area)", resizeCpu, resizeCpu, sampled);
        Add("JPEG encode of the capped frame (q92)", smallJpegCpu, smallJpegCpu, sampled);
        Add("JPEG encode of the full-resolution frame (q95)", fullJpegCpu, fullJpegCpu, sampled);
        Add("atomic writes of both files", writeCpu, writeCpu, sampled);

        // 3. Get-FaceEncoding's steps on those files, one frame at a time.
        var detector = SharedModels.Detector(DetectorKind.FullRange, modelDir, 1);
        var descriptor = SharedModels.Descriptor(DescriptorModels.DefaultKind, modelDir, 1);
        var detection = DetectionOptions.Default;
        using (var warm = ImageLoader.Load(paths[0].Small)) detector.Detect(warm, detection);
        double hashCpu = 0, loadSmallCpu = 0, loadFullCpu = 0, detectCpu = 0, alignCpu = 0, describeCpu = 0, qualityCpu = 0, storeCpu = 0;
        int faces = 0;
        var store = Path.Combine(frames, "faces.jsonl");
        using (var writer = EncodingStoreWriter.Create(store, descriptor.Model.Name, StoreWriteMode.Overwrite))
        {
            foreach (var (smallPath, fullPath) in paths)
            {
                double t0 = ThreadCpu.Seconds();
                string hash = EncodingCache.HashFile(smallPath);
                double t1 = ThreadCpu.Seconds();
                var image = ImageLoader.Load(smallPath);
                double t2 = ThreadCpu.Seconds();
                var full = ImageLoader.Load(fullPath);
                double t3 = ThreadCpu.Seconds();
                var found = detector.Detect(image, detection);
                double t4 = ThreadCpu.Seconds();
                var pixels = new PixelSource(full, fullPath);
                var inFull = found.Select(f => pixels.Map(f, image.Width, image.Height)).ToList();
                var chips = inFull.Select(f => FaceAligner.Align(full, f.Landmarks)).ToList();
                double t5 = ThreadCpu.Seconds();
                var descriptors = descriptor.Describe(full, inFull.Select(f => f.Box).ToList(), chips);
                double t6 = ThreadCpu.Seconds();
                var qualities = inFull.Select((f, i) => FaceQuality.Measure(chips[i], f.Landmarks, f.Box)).ToList();
                double t7 = ThreadCpu.Seconds();
                for (int i = 0; i < found.Count; i++)
                {
                    writer.Write(new FaceEncoding
                    {
                        Id = FaceEncoder.ContentId(hash, found[i].Box), Path = smallPath, ImageWidth = image.Width, ImageHeight = image.Height,
                        Box = found[i].Box, Landmarks = found[i].Landmarks, Confidence = found[i].Confidence, Sharpness = qualities[i].Sharpness,
                        Descriptor = descriptors[i], Model = descriptor.Model.Name, FullResolutionPath = fullPath,
                        FullResolutionWidth = full.Width, FullResolutionHeight = full.Height, Quality = qualities[i],
                    });
                }
                double t8 = ThreadCpu.Seconds();
                hashCpu += t1 - t0; loadSmallCpu += t2 - t1; loadFullCpu += t3 - t2; detectCpu += t4 - t3;
                alignCpu += t5 - t4; describeCpu += t6 - t5; qualityCpu += t7 - t6; storeCpu += t8 - t7;
                faces += found.Count;
                image.Dispose();
                full.Dispose();
                chips.ForEach(c => c.Dispose());
            }
            writer.Commit();
        }
        Add("SHA-256 of the capped frame file (face ids, cache key)", hashCpu, hashCpu, sampled);
        Add("JPEG read of the capped frame", loadSmallCpu, loadSmallCpu, sampled);
        Add("JPEG read of the full-resolution frame", loadFullCpu, loadFullCpu, sampled);
        Add("detection (whole image, tiles, refine)", detectCpu, detectCpu, sampled);
        Add($"alignment (chips from the full-resolution frame), {faces} faces", alignCpu, alignCpu, faces);
        // One ORT thread runs each face as its own call (OnnxSessions.InputsPerCall), so batching faces of several frames
        // changes nothing here any more (it was measured before that: 29 against 26 ms per face, not a lever).
        Add($"descriptors ({descriptor.Model.Name})", describeCpu, describeCpu, faces);
        Add("quality (sharpness, pose...)", qualityCpu, qualityCpu, faces);
        Add("store write (Export-FaceEncoding's JSON Lines)", storeCpu, storeCpu, faces);

        Console.WriteLine();
        Console.WriteLine($"{label}: CPU of each step alone (one thread; decoding: process CPU), {sampled} sampled of {read} decoded frames, {faces} faces   [{BenchEnv.Load()}]");
        Console.WriteLine($"{"step",-62} {"CPU s",7} {"ms/item",8} {"items",6}");
        double total = 0;
        foreach (var (step, cpu, wall, n) in rows)
        {
            if (!step.StartsWith("  (", StringComparison.Ordinal)) total += cpu;
            Console.WriteLine($"{step,-62} {cpu,7:0.00} {1000 * cpu / Math.Max(1, n),8:0.00} {n,6}");
        }
        Console.WriteLine($"{"total",-62} {total,7:0.00}");
    }

    private static (double Cpu, double Wall, int N) ProcessTimed(Func<int> run)
    {
        var self = Process.GetCurrentProcess();
        self.Refresh();
        var cpu0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        int n = run();
        sw.Stop();
        self.Refresh();
        return ((self.TotalProcessorTime - cpu0).TotalSeconds, sw.Elapsed.TotalSeconds, n);
    }
}

/// <summary>The calling thread's CPU time (Linux clock_gettime(CLOCK_THREAD_CPUTIME_ID)); 0 elsewhere.</summary>
internal static class ThreadCpu
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec time);

    private const int ClockThreadCpuTime = 3;

    public static double Seconds()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return ClockGetTime(ClockThreadCpuTime, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : 0;
    }
}
