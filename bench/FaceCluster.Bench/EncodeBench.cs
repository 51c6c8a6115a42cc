using System.Diagnostics;

namespace FaceCluster.Bench;

/// <summary>
/// encode [--images 24] [--workers 1,2] [--model-dir dir]
///   End-to-end images/s and faces/s of FaceEncoder on the six demo photos (about 1920x1400, repeated up to --images),
///   driven like Get-FaceEncoding (OrderedParallelProcessor, capacity 2x workers), with the worker time split
///   between detection and description.
/// </summary>
public static class EncodeBench
{
    public static int Run(string[] args)
    {
        var (o, _) = BenchEnv.Parse(args);
        int images = BenchEnv.Int(o, "images", 24);
        var modelDir = BenchEnv.ModelDirectory(o);
        var photos = BenchEnv.DemoPhotos();
        BenchEnv.Header("encode");
        Console.WriteLine($"{images} images: demo photos sample1..6.jpg repeated; capacity 2x workers; descriptor threads = cores / workers");
        Console.WriteLine();
        Console.WriteLine($"{"workers",7} {"wall s",8} {"images/s",9} {"faces",6} {"faces/s",8} {"detect ms/img",14} {"describe ms/face",17} {"detect %",9} {"describe %",11}   load");
        foreach (int workers in BenchEnv.Workers(o))
        {
            var pipeline = new EncodePipeline(modelDir, workers);
            pipeline.WarmUp(photos[0]);
            for (int i = 0; i < images; i++) pipeline.Post(photos[i % photos.Count]);
            var t = pipeline.Complete();
            double worker = (t.Detection + t.Description).TotalSeconds;
            Console.WriteLine($"{workers,7} {t.WallSeconds,8:0.00} {t.Images / t.WallSeconds,9:0.00} {t.Faces,6} {t.Faces / t.WallSeconds,8:0.00} " +
                              $"{t.Detection.TotalMilliseconds / Math.Max(1, t.Images),14:0.0} {t.Description.TotalMilliseconds / Math.Max(1, t.Faces),17:0.0} " +
                              $"{100 * t.Detection.TotalSeconds / worker,9:0} {100 * t.Description.TotalSeconds / worker,11:0}   {BenchEnv.Load()}");
            if (t.Errors > 0) Console.WriteLine($"  {t.Errors} images failed");
        }
        Console.WriteLine();
        Console.WriteLine("detect/describe ms are summed over the workers (worker time, not wall time); the rest of the wall time is decoding the JPEG, alignment and waiting.");
        BenchEnv.Footer();
        return 0;
    }
}
