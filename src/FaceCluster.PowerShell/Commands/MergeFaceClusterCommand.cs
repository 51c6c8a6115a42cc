using System.Management.Automation;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Makes two or more people of an exported dataset one person (a person the clustering split in two).</summary>
/// <remarks>
/// Positions match Rename-FaceCluster: dataset, who, new name. People piped in (Import-FaceDataset | Where-Object ...)
/// are gathered per dataset and merged once at the end, in the order they came; -Path with wildcards merges in every
/// dataset it matches.
/// </remarks>
[Cmdlet(VerbsData.Merge, "FaceCluster", HelpUri = HelpLinks.Online + "Merge-FaceCluster.md", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = LabelPathSet)]
[OutputType(typeof(DatasetPersonSummary))]
public sealed class MergeFaceClusterCommand : DatasetEditCmdlet
{
    /// <summary>The people to merge by label; the first one is kept.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = LabelPathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = LabelLiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] Label { get; set; } = [];

    /// <summary>The people to merge by cluster id; the first one is kept.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = IdPathSet)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = IdLiteralPathSet)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateNotNullOrEmpty]
    [ValidateRange(1, int.MaxValue)]
    public int[] Id { get; set; } = [];

    [Parameter(Position = 2)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateNotNullOrEmpty]
    public string? NewLabel { get; set; }

    /// <summary>Piped people, per dataset (in the order first seen), merged in EndProcessing.</summary>
    private readonly List<(string Dataset, List<string> Labels, List<int> Ids)> gathered = [];

    protected override void ProcessRecord()
    {
        foreach (var dataset in Datasets())
        {
            if (!MyInvocation.ExpectingInput)
            {
                Merge(dataset, Label, Id);
                continue;
            }
            var entry = gathered.FirstOrDefault(g => g.Dataset == dataset);
            if (entry.Dataset is null) gathered.Add(entry = (dataset, [], []));
            entry.Labels.AddRange(Label.Where(l => !entry.Labels.Contains(l, StringComparer.Ordinal)));
            entry.Ids.AddRange(Id.Where(i => !entry.Ids.Contains(i)));
        }
    }

    protected override void EndProcessing()
    {
        foreach (var (dataset, labels, ids) in gathered) Merge(dataset, labels, ids);
    }

    private void Merge(string dataset, IReadOnlyList<string> labels, IReadOnlyList<int> ids)
    {
        string who = ByIdSet
            ? "people " + string.Join(", ", ids)
            : string.Join(", ", labels.Select(l => $"'{l}'"));
        string into = NewLabel is null ? "the first" : $"'{NewLabel}'";
        bool whatIf = IsWhatIf();
        if (!whatIf && !ShouldProcess(dataset, $"Merge {who} into {into}")) return;
        // A merge moves a few files and writes one montage: too quick to be worth a progress bar.
        var reporter = new CmdletDatasetReporter(this, whatIf);
        try
        {
            var result = ByIdSet
                ? DatasetMerger.Merge(dataset, ids.ToArray(), NewLabel, whatIf, reporter, reporter.ShouldProcess)
                : DatasetMerger.Merge(dataset, labels.ToArray(), NewLabel, whatIf, reporter, reporter.ShouldProcess);
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
