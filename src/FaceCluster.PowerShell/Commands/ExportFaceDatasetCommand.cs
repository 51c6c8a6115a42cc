using System.Management.Automation;
using FaceCluster.Alignment;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Writes one folder per person: portrait crops, aligned chips, a montage, manifests, index.html and optionally a YOLO dataset.</summary>
[Cmdlet(VerbsData.Export, "FaceDataset", HelpUri = HelpLinks.Online + "Export-FaceDataset.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(DatasetPersonSummary))]
public sealed class ExportFaceDatasetCommand : FaceClusterCmdlet
{
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public FaceCluster[] InputObject { get; set; } = [];

    /// <summary>The dataset folder, taken literally (no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    [Parameter]
    public DatasetContent Include { get; set; } = DatasetContent.Default;

    /// <summary>Shorthand for adding Yolo to -Include.</summary>
    [Parameter]
    [ValidateSet("Yolo")]
    public string? Format { get; set; }

    [Parameter]
    [ValidateRange(0.0, 0.9)]
    public double ValidationFraction { get; set; } = 0.2;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int PortraitMarginX { get; set; } = 100;

    [Parameter]
    [ValidateRange(0, 10000)]
    public int PortraitMarginY { get; set; } = 150;

    [Parameter]
    [ValidateRange(16, 10000)]
    public int PortraitWidth { get; set; } = 400;

    [Parameter]
    public SwitchParameter IncludeNoise { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    private readonly List<FaceCluster> clusters = [];

    protected override void BeginProcessing() => RequireOpenCv();

    protected override void ProcessRecord()
    {
        foreach (var cluster in InputObject)
        {
            if (cluster is not null) clusters.Add(cluster);
        }
    }

    protected override void EndProcessing()
    {
        string output = ResolveOutputPath(OutputPath);
        int people = clusters.Count(c => !c.IsNoise);
        bool whatIf = IsWhatIf();
        if (!whatIf && !ShouldProcess(output, $"Export a dataset of {people} people")) return;

        var reporter = new CmdletDatasetReporter(this, whatIf, "Export-FaceDataset");
        var options = new DatasetWriterOptions
        {
            OutputDirectory = output,
            Include = Format == "Yolo" ? Include | DatasetContent.Yolo : Include,
            ValidationFraction = ValidationFraction,
            PortraitMarginX = PortraitMarginX,
            PortraitMarginY = PortraitMarginY,
            PortraitWidth = PortraitWidth,
            IncludeNoise = IncludeNoise,
            Force = Force,
            WhatIf = whatIf,
            Aligner = (image, landmarks) => FaceAligner.Align(image, landmarks),
            Reporter = reporter,
            ShouldProcess = reporter.ShouldProcess,
            CancellationToken = CancellationToken,
        };
        DatasetWriteResult result;
        try
        {
            result = new DatasetWriter(options).Write(clusters);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (DatasetException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.DatasetError(ex));
            return;
        }
        finally
        {
            WriteProgress(new ProgressRecord(1, "Export-FaceDataset", "Done") { RecordType = ProgressRecordType.Completed });
        }
        if (whatIf) return;
        foreach (var person in result.People) WriteObject(person);
        WriteVerbose($"Dataset written to '{result.OutputDirectory}'; open {Path.Combine(result.OutputDirectory, "index.html")} to review it.");
    }
}
