using System.Diagnostics;
using System.Management.Automation;
using FaceCluster.Detection;
using FaceCluster.Recognition;
using FaceCluster.Imaging;
using FaceCluster.Models;
using FaceCluster.Concurrency;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Finds, aligns and describes every face in images and video frames.</summary>
[Cmdlet(VerbsCommon.Get, "FaceEncoding", HelpUri = HelpLinks.Online + "Get-FaceEncoding.md", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceEncoding))]
public sealed class GetFaceEncodingCommand : PathInputCmdlet, IDisposable
{
    /// <summary>Set by the pipeline from VideoFrame objects, so faces remember their video.</summary>
    /// <remarks>
    /// In the LiteralPath set only, with the frame's file: the binder tries the default (Path) set first, and were these
    /// there, a frame would bind them and then -Path through its ToString(), taking 'clip[1]_0.jpg' for a pattern.
    /// </remarks>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = LiteralPathSet)]
    public string? VideoPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = LiteralPathSet)]
    [Alias("Index")]
    public int? FrameIndex { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = LiteralPathSet)]
    [SecondsToTimeSpan]
    public TimeSpan? Timestamp { get; set; }

    /// <summary>Set by the pipeline from VideoFrame objects: the frame at full resolution, where chips and descriptors are cut.</summary>
    /// <remarks>In the LiteralPath set only, for the reason given at <see cref="VideoPath"/>.</remarks>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = LiteralPathSet)]
    public string? FullResolutionPath { get; set; }

    /// <summary>Describe faces from the (scaled) frames themselves, not from their full-resolution copies.</summary>
    [Parameter]
    public SwitchParameter NoFullResolution { get; set; }

    /// <summary>Set by the pipeline from VideoFrame objects: the shot of the frame, so that clustering links faces into tracks only within a shot.</summary>
    /// <remarks>In the LiteralPath set only, for the reason given at <see cref="VideoPath"/>.</remarks>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true, ParameterSetName = LiteralPathSet)]
    public int? Shot { get; set; }

    [Parameter]
    public DetectorKind Detector { get; set; } = DetectorKind.FullRange;

    /// <summary>The descriptor model: FaceRes (1024-d, the default: stronger on children and Asian faces) or Dlib (128-d, cheaper).</summary>
    [Parameter]
    public DescriptorModelKind Model { get; set; } = DescriptorModels.DefaultKind;

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public float MinConfidence { get; set; } = 0.5f;

    [Parameter]
    [ValidateRange(1.0, 100000.0)]
    public float MinFaceSize { get; set; } = 20f;

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    /// <summary>A folder given as -Path also gives the images of its subfolders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Keeps one store per source image here, so a rerun after Ctrl+C or a crash encodes only what is missing.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CachePath { get; set; }

    /// <summary>
    /// Images whose header announces more pixels (width x height) are refused with an ImageTooLarge error before they are
    /// decoded; the default is 100 million (ImageLoader.DefaultMaxPixels).
    /// </summary>
    [Parameter]
    [ValidateRange(1L, long.MaxValue)]
    public long MaxImagePixels { get; set; } = ImageLoader.DefaultMaxPixels;

    private FaceEncoder? encoder;
    private bool cacheWarned;
    private EncodingPipeline? processor;
    private readonly Stopwatch elapsed = new();
    private readonly Stopwatch sinceProgress = new();
    private int imagesDone;
    private int imagesFromCache;
    private int facesFound;
    private int? knownTotal;

    protected override void BeginProcessing()
    {
        RequireOpenCv();
        var options = new FaceEncoderOptions
        {
            Detector = Detector,
            Model = Model,
            MinConfidence = MinConfidence,
            MinFaceSize = MinFaceSize,
            DegreeOfParallelism = ThrottleLimit,
            UseFullResolution = !NoFullResolution,
            CacheDirectory = CachePath is null ? null : ResolveOutputPath(CachePath),
            MaxImagePixels = MaxImagePixels,
        };
        try
        {
            encoder = new FaceEncoder(options);
        }
        catch (Exception ex) when (ex is ModelIntegrityException or FileNotFoundException or InvalidDataException)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(ex, FaceClusterErrors.ModelUnavailable, ErrorCategory.ResourceUnavailable, ex is ModelIntegrityException mi ? mi.FilePath : null));
        }
        WriteVerbose($"Descriptor model '{encoder!.ModelName}', detector {Detector} (confidence >= {MinConfidence}, faces >= {MinFaceSize} px), {ThrottleLimit} workers"
            + (CachePath is null ? "." : $", cache '{options.CacheDirectory}'."));
        // Two items queued per worker keeps every worker busy without buffering a long input in memory.
        processor = new EncodingPipeline(encoder, ThrottleLimit, ThrottleLimit * 2, CancellationToken);
        elapsed.Start();
        sinceProgress.Start();
    }

    protected override void ProcessRecord()
    {
        var frame = VideoPath is { Length: > 0 } && FrameIndex is int index ? new FrameSource(VideoPath, index, Timestamp ?? TimeSpan.Zero, FullResolutionPath, Shot) : null;
        var files = InputFiles().ToList();
        // The total is known only when every input came on the command line, not down the pipeline.
        if (!MyInvocation.ExpectingInput) knownTotal = files.Count;
        foreach (var file in files)
        {
            IEnumerable<WorkResult<EncodingRequest, ImageEncodingResult>> ready;
            try
            {
                ready = processor!.Post(new EncodingRequest(file, frame));
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            foreach (var result in ready) Emit(result);
        }
    }

    protected override void EndProcessing()
    {
        try
        {
            foreach (var result in processor!.Complete()) Emit(result);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        ReportProgress(final: true);
        double seconds = elapsed.Elapsed.TotalSeconds;
        WriteVerbose($"{imagesDone} images, {facesFound} faces in {seconds:0.0} s ({imagesDone / Math.Max(seconds, 1e-3):0.0} images/s).");
        if (CachePath is not null) WriteVerbose($"{imagesFromCache} of {imagesDone} images came from the cache; {imagesDone - imagesFromCache} were encoded.");
        WriteProgress(new ProgressRecord(1, "Get-FaceEncoding", $"{imagesDone} images, {facesFound} faces") { RecordType = ProgressRecordType.Completed });
    }

    /// <summary>A photo folder stands for the image files in it (by extension; -Recurse for subfolders).</summary>
    protected override IReadOnlyList<string>? ExpandDirectory(string directory)
    {
        var images = ImageLoader.FindImages(directory, Recurse);
        if (images.Count == 0) WriteError(FaceClusterErrors.NoImagesInFolderError(directory, Recurse));
        else WriteVerbose($"'{directory}': {images.Count} image files{(Recurse ? " (with subfolders)" : "")}.");
        return images;
    }

    /// <summary>Ctrl+C: cancels, then waits for the workers to leave the image step they are in, so nothing runs on after the pipeline has stopped.</summary>
    protected override void StopProcessing()
    {
        base.StopProcessing();
        processor?.Stop();
    }

    /// <summary>The engine's workers end with the command however it ends (a downstream error, Select-Object -First).</summary>
    public void Dispose() => processor?.Stop();

    private void Emit(WorkResult<EncodingRequest, ImageEncodingResult> result)
    {
        imagesDone++;
        string path = result.Input.Path;
        switch (result.Error)
        {
            case null:
                var faces = result.Output!.Faces;
                if (result.Output.FromCache) imagesFromCache++;
                if (result.Output.CacheWriteError is { } cacheError && !cacheWarned)
                {
                    // Once: the cause is the same for every image, and the faces are good all the same.
                    cacheWarned = true;
                    WriteWarning($"{FaceClusterErrors.CacheWriteFailed}: {cacheError}. Faces are still returned; the cache is not updated in this run.");
                }
                if (faces.Count == 0) WriteVerbose($"No face in '{path}'.");
                foreach (var face in faces) WriteObject(face);
                facesFound += faces.Count;
                break;
            case OperationCanceledException:
                throw new PipelineStoppedException();
            case FileNotFoundException:
                WriteError(FaceClusterErrors.PathNotFoundError(path));
                break;
            case ImageTooLargeException tooLarge:
                WriteError(FaceClusterErrors.ImageTooLargeError(tooLarge));
                break;
            case UnauthorizedAccessException or IOException:
                WriteError(FaceClusterErrors.ReadFailed(path, result.Error));
                break;
            case ImageDecodeException decode:
                WriteError(FaceClusterErrors.InvalidData(FaceClusterErrors.ImageDecodeFailed, decode.Message, path, decode));
                break;
            default:
                WriteError(FaceClusterErrors.Create(
                    new InvalidOperationException($"Could not encode the faces of '{path}': {result.Error.Message}", result.Error),
                    FaceClusterErrors.ImageProcessingFailed, ErrorCategory.InvalidOperation, path));
                break;
        }
        ReportProgress(final: false);
    }

    private void ReportProgress(bool final)
    {
        if (!final && sinceProgress.ElapsedMilliseconds < 250) return;
        sinceProgress.Restart();
        double seconds = Math.Max(elapsed.Elapsed.TotalSeconds, 1e-3);
        string status = $"{imagesDone} images, {facesFound} faces, {imagesDone / seconds:0.0} images/s";
        var record = new ProgressRecord(1, "Get-FaceEncoding", status);
        if (knownTotal is int total && total > 0) record.PercentComplete = Math.Min(100, imagesDone * 100 / total);
        WriteProgress(record);
    }
}
