using System.Diagnostics;
using FaceCluster.Concurrency;
using FaceCluster.Recognition;

namespace FaceCluster.Bench;

/// <summary>Totals of a run through the pipeline.</summary>
internal sealed class EncodeTotals
{
    public int Images;
    public int Faces;
    public int Errors;
    public TimeSpan Detection;
    public TimeSpan Description;
    public double WallSeconds;

    public void Add(WorkResult<(string Path, FrameSource? Frame), ImageEncodingResult> r)
    {
        Images++;
        if (r.Error is not null)
        {
            if (Errors++ == 0) Console.WriteLine($"  first error: {r.Input.Path}: {r.Error.GetType().Name}: {r.Error.Message}");
            return;
        }
        Faces += r.Output!.Faces.Count;
        Detection += r.Output.DetectionTime;
        Description += r.Output.DescriptionTime;
    }
}

/// <summary>
/// FaceEncoder driven the way Get-FaceEncoding drives it: one thread posts paths to an
/// <see cref="OrderedParallelProcessor{TIn,TOut}"/> (n workers, capacity 2n) and takes the results back in order.
/// </summary>
internal sealed class EncodePipeline
{
    private readonly FaceEncoder encoder;
    private readonly OrderedParallelProcessor<(string Path, FrameSource? Frame), ImageEncodingResult> processor;

    public EncodePipeline(string modelDirectory, int workers)
    {
        encoder = new FaceEncoder(new FaceEncoderOptions { DegreeOfParallelism = workers, ModelDirectory = modelDirectory });
        processor = new((item, ct) => encoder.Encode(item.Path, item.Frame, ct), workers, workers * 2, CancellationToken.None);
        Workers = workers;
    }

    public int Workers { get; }
    public EncodeTotals Totals { get; } = new();
    private readonly Stopwatch clock = new();

    /// <summary>Loads the networks and runs one image, so the timed run measures steady state (the cmdlet loads them once per process).</summary>
    public void WarmUp(string path) => encoder.Encode(path);

    public void Post(string path, FrameSource? frame = null)
    {
        clock.Start();
        foreach (var r in processor.Post((path, frame))) Totals.Add(r);
    }

    public EncodeTotals Complete()
    {
        clock.Start();
        foreach (var r in processor.Complete()) Totals.Add(r);
        clock.Stop();
        Totals.WallSeconds = clock.Elapsed.TotalSeconds;
        return Totals;
    }
}
