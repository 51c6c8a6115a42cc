using System.Management.Automation;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Names a person of an exported dataset, everywhere the name appears.</summary>
[Cmdlet(VerbsCommon.Rename, "FaceCluster", SupportsShouldProcess = true, DefaultParameterSetName = LabelSet)]
[OutputType(typeof(DatasetRenameResult))]
public sealed class RenameFaceClusterCommand : FaceClusterCmdlet
{
    private const string LabelSet = "Label";
    private const string IdSet = "Id";

    /// <summary>The dataset folder written by Export-FaceDataset.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = LabelSet)]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Id { get; set; }

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewLabel { get; set; } = "";

    protected override void ProcessRecord()
    {
        var dataset = ResolveExisting(Path, literal: false).FirstOrDefault();
        if (dataset is null) return;
        string who = ParameterSetName == IdSet ? $"person {Id}" : $"'{Label}'";
        bool whatIf = !ShouldProcess(dataset, $"Rename {who} to '{NewLabel}'");
        if (whatIf && !IsWhatIf()) return; // declined at -Confirm
        try
        {
            var result = ParameterSetName == IdSet
                ? DatasetRenamer.Rename(dataset, Id, NewLabel, whatIf)
                : DatasetRenamer.Rename(dataset, Label, NewLabel, whatIf);
            if (!whatIf) WriteObject(result);
        }
        catch (DatasetException ex)
        {
            WriteError(FaceClusterErrors.DatasetError(ex));
        }
    }
}
