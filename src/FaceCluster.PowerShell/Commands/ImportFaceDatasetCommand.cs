using System.Management.Automation;
using FaceCluster.Dataset;
using FaceCluster.PowerShell.Infrastructure;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Reads the people of an exported dataset back as FaceCluster objects, as the folders now stand.</summary>
[Cmdlet(VerbsData.Import, "FaceDataset", HelpUri = HelpLinks.Online + "Import-FaceDataset.md", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceCluster))]
public sealed class ImportFaceDatasetCommand : PathInputCmdlet
{
    /// <summary>Also emits the unclustered faces (the _unclustered folder) as one cluster with Id 0 and IsNoise set.</summary>
    [Parameter]
    public SwitchParameter IncludeNoise { get; set; }

    /// <summary>A dataset is a folder: it stands for itself.</summary>
    protected override IReadOnlyList<string>? ExpandDirectory(string directory) => [directory];

    protected override void ProcessRecord()
    {
        foreach (var dataset in InputFiles())
        {
            DatasetContents contents;
            try
            {
                if (DatasetTransaction.IsPending(dataset))
                    WriteWarning($"The dataset '{dataset}' holds an interrupted change; it is read as it is now. The next Export-FaceDataset, Rename-FaceCluster or Merge-FaceCluster finishes or undoes it.");
                contents = DatasetReader.Read(dataset, IncludeNoise, new CmdletDatasetReporter(this, whatIf: false));
            }
            catch (DatasetException ex)
            {
                WriteError(FaceClusterErrors.DatasetError(ex));
                continue;
            }
            var people = contents.ToFaceClusters();
            WriteVerbose($"'{contents.Root}': {people.Count(p => !p.IsNoise)} people, {people.Sum(p => p.Count)} faces.");
            foreach (var person in people)
            {
                // Where each person came from, so people pipe straight into Rename-FaceCluster and Merge-FaceCluster.
                var item = PSObject.AsPSObject(person);
                item.Properties.Add(new PSNoteProperty(DatasetEditCmdlet.ImportFaceDatasetProperty, contents.Root));
                WriteObject(item);
            }
        }
    }
}
