using System.Management.Automation;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Merges encoding stores (and encodings from the pipeline) into one store.</summary>
[Cmdlet(VerbsData.Merge, "FaceEncoding", HelpUri = HelpLinks.Online + "Merge-FaceEncoding.md", SupportsShouldProcess = true)]
[OutputType(typeof(EncodingMergeSummary), typeof(FaceEncoding))]
public sealed class MergeFaceEncodingCommand : FaceClusterCmdlet
{
    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Stores to merge, used exactly as typed (no wildcards); may be given with -Path.</summary>
    [Parameter]
    [Alias("LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    [Parameter(ValueFromPipeline = true)]
    public FaceEncoding[] InputObject { get; set; } = [];

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    [Parameter]
    public SwitchParameter Append { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also emits the merged faces, read back from the written store.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<FaceEncoding> piped = [];

    protected override void ProcessRecord()
    {
        foreach (var face in InputObject)
        {
            if (face is not null) piped.Add(face);
        }
    }

    protected override void EndProcessing()
    {
        var stores = ResolveExistingFiles(Path, literal: false).Concat(ResolveExistingFiles(LiteralPath, literal: true)).ToList();
        string output = ResolveOutputPath(OutputPath);
        if (File.Exists(output) && !Force && !Append)
        {
            ThrowTerminatingError(FaceClusterErrors.StoreExistsError(output));
        }
        if (!ShouldProcess(output, $"Merge {stores.Count} stores and {piped.Count} encodings")) return;

        var mode = EncodingStoreWriter.ModeFor(append: Append, force: Force);
        EncodingMergeSummary summary;
        try
        {
            var issues = new List<StoreIssue>();
            summary = EncodingMerger.Merge(stores, piped, output, mode, issues.Add, cancellationToken: CancellationToken);
            foreach (var issue in issues)
            {
                if (issue.ErrorId == StoreErrorIds.DuplicateId) WriteVerbose(issue.ToString());
                else WriteError(FaceClusterErrors.StoreIssue(issue));
            }
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        catch (EncodingStoreException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.StoreError(ex));
            return;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Disk full, read-only folder: the writer removed its temp file and the output is as it was.
            ThrowTerminatingError(FaceClusterErrors.WriteFailed(output, ex));
            return;
        }
        WriteObject(summary);
        if (PassThru)
        {
            foreach (var face in EncodingStoreReader.ReadAll(output, cancellationToken: CancellationToken)) WriteObject(face);
        }
    }
}
