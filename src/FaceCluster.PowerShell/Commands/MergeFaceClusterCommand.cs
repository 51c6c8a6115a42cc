using System.Management.Automation;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Makes two or more people of an exported dataset one person (a person the clustering split in two).</summary>
[Cmdlet(VerbsData.Merge, "FaceCluster", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = LabelSet)]
[OutputType(typeof(DatasetPersonSummary))]
public sealed class MergeFaceClusterCommand : FaceClusterCmdlet
{
    private const string LabelSet = "Label";
    private const string IdSet = "Id";

    /// <summary>The dataset folder written by Export-FaceDataset.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The people to merge by label; the first one is kept.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = LabelSet)]
    [ValidateNotNullOrEmpty]
    public string[] Label { get; set; } = [];

    /// <summary>The people to merge by cluster id; the first one is kept.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[] Id { get; set; } = [];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NewLabel { get; set; }

    protected override void ProcessRecord()
    {
        var dataset = ResolveExisting(Path, literal: false).FirstOrDefault();
        if (dataset is null) return;
        string who = ParameterSetName == IdSet
            ? "people " + string.Join(", ", Id)
            : string.Join(", ", Label.Select(l => $"'{l}'"));
        string into = NewLabel is null ? "the first" : $"'{NewLabel}'";
        bool whatIf = IsWhatIf();
        if (!whatIf && !ShouldProcess(dataset, $"Merge {who} into {into}")) return;
        // A merge moves a few files and writes one montage: too quick to be worth a progress bar.
        var reporter = new CmdletDatasetReporter(this, whatIf);
        try
        {
            var result = ParameterSetName == IdSet
                ? DatasetMerger.Merge(dataset, Id, NewLabel, whatIf, reporter)
                : DatasetMerger.Merge(dataset, Label, NewLabel, whatIf, reporter);
            if (whatIf) return;
            WriteVerbose($"Merged {string.Join(", ", result.MergedLabels.Select(l => $"'{l}'"))} into '{result.Person.Label}' ({result.Person.FaceCount} faces).");
            WriteObject(result.Person);
        }
        catch (DatasetException ex)
        {
            WriteError(FaceClusterErrors.DatasetError(ex));
        }
    }
}
