using System.Diagnostics;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// memory [--inputs 2000] [--every 100] [--workers 2] [--full] [--model-dir dir]
///   Memory over a long input through the staged pipeline Get-FaceEncoding uses (EncodingPipeline + FaceEncoder, capacity 2x workers):
///   working set, peak working set and GC heap, sampled every --every inputs. The inputs are the six demo photos
///   scaled to fit 700x500 (the size Export-VideoFrame writes), repeated; --full uses the full-size photos (slower).
///   Results are dropped as they come back, as when the cmdlet writes them down the pipeline.
/// </summary>
public static class MemoryBench
{
    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "full");
        int inputs = BenchEnv.Int(o, "inputs", 2000);
        int every = Math.Max(1, BenchEnv.Int(o, "every", 100));
        int workers = BenchEnv.Workers(o).Max();
        var modelDir = BenchEnv.ModelDirectory(o);
        var photos = flags.Contains("full") ? BenchEnv.DemoPhotos() : SmallPhotos();
        BenchEnv.Header("memory");
        using (var first = Cv2.ImRead(photos[0])) 
            Console.WriteLine($"{inputs} inputs: {photos.Count} demo photos ({(flags.Contains("full") ? "full size" : "scaled to fit 700x500")}, first {first.Width}x{first.Height}) repeated; {workers} workers, capacity {2 * workers}");

        var self = Process.GetCurrentProcess();
        var pipeline = new EncodePipeline(modelDir, workers);
        pipeline.WarmUp(photos[0]);
        GC.Collect();
        self.Refresh();
        long baseWs = self.WorkingSet64;
        Console.WriteLine($"after loading the models and one warm-up image: working set {Mb(baseWs)} MB, GC heap {Mb(GC.GetTotalMemory(false))} MB");
        Console.WriteLine();
        Console.WriteLine($"{"inputs",7} {"done",6} {"in flight",9} {"wall s",7} {"working set MB",15} {"peak WS MB",11} {"private MB",11} {"GC heap MB",11} {"gen2 GCs",9}");
        var sw = Stopwatch.StartNew();
        var samples = new List<(long Ws, long Peak, long Heap)>();
        void Sample(int posted)
        {
            self.Refresh();
            long heap = GC.GetTotalMemory(false);
            samples.Add((self.WorkingSet64, self.PeakWorkingSet64, heap));
            Console.WriteLine($"{posted,7} {pipeline.Totals.Images,6} {posted - pipeline.Totals.Images,9} {sw.Elapsed.TotalSeconds,7:0.0} {Mb(self.WorkingSet64),15} " +
                              $"{Mb(self.PeakWorkingSet64),11} {Mb(self.PrivateMemorySize64),11} {Mb(heap),11} {GC.CollectionCount(2),9}");
        }
        for (int i = 0; i < inputs; i++)
        {
            pipeline.Post(photos[i % photos.Count]);
            if ((i + 1) % every == 0) Sample(i + 1);
        }
        var t = pipeline.Complete();
        Sample(inputs);
        Console.WriteLine();
        Console.WriteLine($"{t.Images} images, {t.Faces} faces, {t.Errors} errors in {t.WallSeconds:0.0} s ({t.Images / t.WallSeconds:0.0} images/s)");
        if (samples.Count >= 2)
        {
            var firstHalf = samples.Take(samples.Count / 2).ToList();
            var secondHalf = samples.Skip(samples.Count / 2).ToList();
            Console.WriteLine($"working set: first half max {Mb(firstHalf.Max(s => s.Ws))} MB, second half max {Mb(secondHalf.Max(s => s.Ws))} MB; " +
                              $"peak working set {Mb(samples[^1].Peak)} MB; GC heap range {Mb(samples.Min(s => s.Heap))}..{Mb(samples.Max(s => s.Heap))} MB");
        }
        BenchEnv.Footer();
        return t.Errors == 0 ? 0 : 1;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The demo photos scaled to fit 700x500 as Export-VideoFrame would write them (cached in obj/bench/memory).</summary>
    private static List<string> SmallPhotos()
    {
        var dir = Path.Combine(BenchEnv.WorkDirectory, "memory");
        Directory.CreateDirectory(dir);
        var result = new List<string>();
        foreach (var photo in BenchEnv.DemoPhotos())
        {
            var small = Path.Combine(dir, Path.GetFileNameWithoutExtension(photo) + "-700x500.jpg");
            if (!File.Exists(small))
            {
                using var image = Cv2.ImRead(photo, ImreadModes.Color);
                var (w, h) = VideoFrameExtractor.FitWithin(image.Width, image.Height, 700, 500);
                using var resized = new Mat();
                Cv2.Resize(image, resized, new Size(w, h), 0, 0, InterpolationFlags.Area);
                Cv2.ImWrite(small, resized, [new ImageEncodingParam(ImwriteFlags.JpegQuality, 92)]);
            }
            result.Add(small);
        }
        return result;
    }
}
