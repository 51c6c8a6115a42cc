using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Rename-FaceCluster and Merge-FaceCluster: the dataset as -Path (wildcards: every dataset matched is edited) or
/// -LiteralPath (binds a folder's FileInfo, and the DatasetPath of people from Import-FaceDataset), each combined
/// with naming people by -Label or by -Id. Shared so both edit commands bind, complete and resolve alike.
/// </summary>
public abstract class DatasetEditCmdlet : FaceClusterCmdlet
{
    protected const string LabelPathSet = "Label";
    protected const string LabelLiteralPathSet = "LabelLiteralPath";
    protected const string IdPathSet = "Id";
    protected const string IdLiteralPathSet = "IdLiteralPath";

    /// <summary>The dataset folder written by Export-FaceDataset; wildcards are expanded.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = LabelPathSet)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdPathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The dataset folder, used exactly as typed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LabelLiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, ParameterSetName = IdLiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP", ImportFaceDatasetProperty)]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The note property Import-FaceDataset adds to each person: the dataset it was read from.</summary>
    public const string ImportFaceDatasetProperty = "DatasetPath";

    /// <summary>Both rewrite montages (captions, tiles) through OpenCV.</summary>
    protected override void BeginProcessing() => RequireOpenCv();

    protected bool ByIdSet => ParameterSetName is IdPathSet or IdLiteralPathSet;

    /// <summary>The datasets named by this record, in ordinal order; a path that matches nothing is reported.</summary>
    protected IEnumerable<string> Datasets()
    {
        bool literal = ParameterSetName is LabelLiteralPathSet or IdLiteralPathSet;
        foreach (var path in literal ? LiteralPath : Path)
        {
            foreach (var dataset in ResolveExisting(path, literal)) yield return dataset;
        }
    }
}
