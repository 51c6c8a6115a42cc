using System.Management.Automation;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Video;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Samples frames from videos by presentation time and writes them as images.</summary>
/// <remarks>Singular noun, as PowerShell names cmdlets; Export-VideoFrames, the first release's name, stays as an alias
/// (also listed in the manifest's AliasesToExport, so that it autoloads the module).</remarks>
[Cmdlet(VerbsData.Export, "VideoFrame", HelpUri = HelpLinks.Online + "Export-VideoFrame.md", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[Alias("Export-VideoFrames")]
[OutputType(typeof(VideoFrame))]
public sealed class ExportVideoFrameCommand : PathInputCmdlet
{
    [Parameter]
    [ValidateRange(0.001, 1000.0)]
    public double FramesPerSecond { get; set; } = 1;

    [Parameter]
    [ValidateRange(0, 100000)]
    public int MaxWidth { get; set; } = 700;

    [Parameter]
    [ValidateRange(0, 100000)]
    public int MaxHeight { get; set; } = 500;

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    [Parameter]
    public VideoFrameFormat Format { get; set; } = VideoFrameFormat.Jpg;

    /// <summary>Where sampling starts: a TimeSpan, '00:01:30', or a number of seconds (7 = 7 s).</summary>
    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan? StartTime { get; set; }

    /// <summary>Where sampling ends: a TimeSpan, '00:01:30', or a number of seconds (7 = 7 s).</summary>
    [Parameter]
    [SecondsToTimeSpan]
    public TimeSpan? EndTime { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Do not write the full-resolution copies of scaled frames (under full/); chips are then cut from the scaled frames.</summary>
    [Parameter]
    public SwitchParameter NoFullResolution { get; set; }

    /// <summary>Colour histogram difference (0..1) between decoded frames at most 0.1 s apart above which a new shot starts (VideoFrame.Shot).</summary>
    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double ShotThreshold { get; set; } = VideoFrameExtractorOptions.DefaultShotThreshold;

    private int videoNumber;

    protected override void BeginProcessing() => RequireOpenCv();

    protected override void ProcessRecord()
    {
        foreach (var video in InputFiles())
        {
            ExportFrames(video);
        }
    }

    private void ExportFrames(string video)
    {
        string name = System.IO.Path.GetFileNameWithoutExtension(video);
        string outputDirectory = ResolveOutputPath(OutputPath ?? System.IO.Path.Combine("Frames", name));
        bool whatIf = IsWhatIf();
        if (!whatIf && !ShouldProcess(video, $"Export frames to '{outputDirectory}'")) return;

        var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions
        {
            FramesPerSecond = FramesPerSecond,
            MaxWidth = MaxWidth,
            MaxHeight = MaxHeight,
            OutputDirectory = outputDirectory,
            Format = Format,
            StartTime = StartTime,
            EndTime = EndTime,
            Force = Force,
            WhatIf = whatIf,
            FullResolution = !NoFullResolution,
            ShotThreshold = ShotThreshold,
        });
        var observer = new ProgressObserver(this, ++videoNumber);
        int written = 0, reused = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            foreach (var extracted in extractor.Extract(video, observer, CancellationToken))
            {
                switch (extracted.Action)
                {
                    case FrameAction.Planned:
                        // Under -WhatIf this prints "What if: ..." for each frame that would be written.
                        ShouldProcess(extracted.Frame.Path, "Write video frame");
                        if (extracted.Frame.FullResolutionPath is { } full) ShouldProcess(full, "Write full-resolution video frame");
                        continue;
                    case FrameAction.Reused:
                        reused++;
                        break;
                    default:
                        written++;
                        break;
                }
                WriteObject(extracted.Frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (VideoException ex)
        {
            WriteError(FaceClusterErrors.VideoError(ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Anything the engine did not classify still fails this video only; the next one is processed.
            WriteError(FaceClusterErrors.VideoError(new VideoException(VideoErrorCode.FrameWriteFailed, video, ex.Message, written + reused, ex)));
        }
        finally
        {
            WriteProgress(new ProgressRecord(observer.ActivityId, "Export-VideoFrame", name) { RecordType = ProgressRecordType.Completed });
        }
        WriteVerbose($"'{video}': {written} frames written to '{outputDirectory}'"
            + (reused > 0 ? $", {reused} existing frames reused (use -Force to rewrite them)" : "") + $", in {clock.Elapsed.TotalSeconds:0.0} s.");
    }

    /// <summary>The extractor calls back on the pipeline thread while it is being enumerated, so writing here is safe.</summary>
    private sealed class ProgressObserver(ExportVideoFrameCommand cmdlet, int activityId) : IVideoExtractionObserver
    {
        private DateTime lastReport;

        public int ActivityId => activityId;

        public void OnProgress(VideoExtractionProgress progress)
        {
            if (DateTime.UtcNow - lastReport < TimeSpan.FromMilliseconds(200)) return;
            lastReport = DateTime.UtcNow;
            string status = $"{System.IO.Path.GetFileName(progress.VideoPath)}: {progress.Position:hh\\:mm\\:ss}"
                + (progress.Duration is { } d ? $" of {d:hh\\:mm\\:ss}" : "") + $", {progress.FramesSampled} frames";
            var record = new ProgressRecord(activityId, "Export-VideoFrame", status);
            if (progress.Fraction is double fraction) record.PercentComplete = (int)(fraction * 100);
            cmdlet.WriteProgress(record);
        }

        public void OnWarning(VideoErrorCode code, string message) => cmdlet.WriteWarning($"{code}: {message}");

        public void OnVerbose(string message) => cmdlet.WriteVerbose(message);
    }
}
