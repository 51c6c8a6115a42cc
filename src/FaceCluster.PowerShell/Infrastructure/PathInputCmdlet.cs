using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Cmdlets that read files: -Path (wildcards; strings by value) or -LiteralPath (FileInfo by PSPath/FullName,
/// VideoFrame by its PSPath alias of Path). Piped objects name real files, so they bind literally, as they do for
/// PowerShell's own cmdlets: a file called photo[1].jpg is that file, not a pattern. Resolved here, once, so every
/// reader binds and reports bad paths alike.
/// </summary>
public abstract class PathInputCmdlet : FaceClusterCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The existing files this record names (a folder: what <see cref="FaceClusterCmdlet.ExpandDirectory"/> makes of it); missing paths are reported and skipped.</summary>
    protected IEnumerable<string> InputFiles()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        return ResolveExistingFiles(literal ? LiteralPath : Path, literal);
    }
}
