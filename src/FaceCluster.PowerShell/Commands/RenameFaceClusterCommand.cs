using System.Management.Automation;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Names a person of an exported dataset, everywhere the name appears.</summary>
/// <remarks>
/// Positions match Merge-FaceCluster: dataset, who, new name. People from Import-FaceDataset pipe in (Label and
/// DatasetPath by property name), and -Path with wildcards renames in every dataset it matches.
/// </remarks>
[Cmdlet(VerbsCommon.Rename, "FaceCluster", HelpUri = HelpLinks.Online + "Rename-FaceCluster.md", SupportsShouldProcess = true, DefaultParameterSetName = LabelPathSet)]
[OutputType(typeof(DatasetRenameResult))]
public sealed class RenameFaceClusterCommand : DatasetEditCmdlet
{
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = LabelPathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = LabelLiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateNotNullOrEmpty]
    public string Label { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = IdPathSet)]
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = IdLiteralPathSet)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateRange(1, int.MaxValue)]
    public int Id { get; set; }

    [Parameter(Mandatory = true, Position = 2)]
    [ArgumentCompleter(typeof(DatasetPersonCompleter))]
    [ValidateNotNullOrEmpty]
    public string NewLabel { get; set; } = "";

    protected override void ProcessRecord()
    {
        foreach (var dataset in Datasets())
        {
            string who = ByIdSet ? $"person {Id}" : $"'{Label}'";
            bool whatIf = IsWhatIf();
            if (!whatIf && !ShouldProcess(dataset, $"Rename {who} to '{NewLabel}'")) continue; // declined at -Confirm
            // Warnings (a person folder deleted by hand, an unreadable montage) and every -WhatIf line reach the user.
            var reporter = new CmdletDatasetReporter(this, whatIf);
            try
            {
                var result = ByIdSet
                    ? DatasetRenamer.Rename(dataset, Id, NewLabel, whatIf, reporter, reporter.ShouldProcess)
                    : DatasetRenamer.Rename(dataset, Label, NewLabel, whatIf, reporter, reporter.ShouldProcess);
                if (!whatIf) WriteObject(result);
            }
            catch (DatasetException ex)
            {
                WriteError(FaceClusterErrors.DatasetError(ex));
            }
        }
    }
}
