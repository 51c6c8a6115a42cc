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
    /// <summary>The staged pipeline's worker time per stage (zero for the per-image processor).</summary>
    public EncodingStageTimes Stages;
    /// <summary>Every face, in output order, when asked for (to compare two runs).</summary>
    public List<FaceEncoding>? Kept;

    public void Add<TIn>(WorkResult<TIn, ImageEncodingResult> r, string path)
    {
        Images++;
        if (r.Error is not null)
        {
            if (Errors++ == 0) Console.WriteLine($"  first error: {path}: {r.Error.GetType().Name}: {r.Error.Message}");
            return;
        }
        Faces += r.Output!.Faces.Count;
        Detection += r.Output.DetectionTime;
        Description += r.Output.DescriptionTime;
        Kept?.AddRange(r.Output.Faces);
    }
}

/// <summary>Which engine drives the encoder.</summary>
internal enum PipelineKind
{
    /// <summary>The staged <see cref="EncodingPipeline"/> that Get-FaceEncoding uses.</summary>
    Staged,
    /// <summary>The previous engine: <see cref="OrderedParallelProcessor{TIn,TOut}"/> running the whole Encode per worker item.</summary>
    PerImage,
}

/// <summary>
/// FaceEncoder driven the way Get-FaceEncoding drives it: one thread posts paths (n workers, capacity 2n) and takes the
/// results back in order, through the staged pipeline or, for old-beside-new figures in one process, the per-image one.
/// </summary>
internal sealed class EncodePipeline
{
    private readonly FaceEncoder encoder;
    private readonly EncodingPipeline? staged;
    private readonly OrderedParallelProcessor<EncodingRequest, ImageEncodingResult>? perImage;

    public EncodePipeline(string modelDirectory, int workers, PipelineKind kind = PipelineKind.Staged, bool keepFaces = false)
    {
        encoder = new FaceEncoder(new FaceEncoderOptions { DegreeOfParallelism = workers, ModelDirectory = modelDirectory });
        if (kind == PipelineKind.Staged) staged = new EncodingPipeline(encoder, workers, workers * 2, CancellationToken.None);
        else perImage = new((item, ct) => encoder.Encode(item.Path, item.Frame, ct), workers, workers * 2, CancellationToken.None);
        Workers = workers;
        Kind = kind;
        if (keepFaces) Totals.Kept = [];
    }

    public int Workers { get; }
    public PipelineKind Kind { get; }
    public EncodeTotals Totals { get; } = new();
    private readonly Stopwatch clock = new();

    /// <summary>Loads the networks and runs one image, so the timed run measures steady state (the cmdlet loads them once per process).</summary>
    public void WarmUp(string path) => encoder.Encode(path);

    public void Post(string path, FrameSource? frame = null)
    {
        clock.Start();
        var request = new EncodingRequest(path, frame);
        var ready = staged is not null ? staged.Post(request) : perImage!.Post(request);
        foreach (var r in ready) Totals.Add(r, r.Input.Path);
    }

    public EncodeTotals Complete()
    {
        clock.Start();
        var rest = staged is not null ? staged.Complete() : perImage!.Complete();
        foreach (var r in rest) Totals.Add(r, r.Input.Path);
        clock.Stop();
        Totals.WallSeconds = clock.Elapsed.TotalSeconds;
        if (staged is not null) Totals.Stages = staged.StageTimes;
        return Totals;
    }
}
