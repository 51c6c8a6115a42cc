using System.Management.Automation;
using FaceCluster.Dataset;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>Turns a -Reference argument (FaceCluster objects and/or dataset folders) into known people.</summary>
internal static class ReferenceResolver
{
    /// <param name="lastPersonNumber">The highest Person_N any reference dataset has used (its ledger's high-water mark).</param>
    public static List<FaceCluster> Resolve(FaceClusterCmdlet cmdlet, IEnumerable<object> references, Func<string, string> resolvePath, out int lastPersonNumber)
    {
        lastPersonNumber = 0;
        var clusters = new List<FaceCluster>();
        foreach (var item in references)
        {
            switch (item is PSObject wrapped ? wrapped.BaseObject : item)
            {
                case FaceCluster cluster:
                    clusters.Add(cluster);
                    break;
                case string or FileSystemInfo:
                    string folder = resolvePath(item is PSObject p ? p.BaseObject.ToString()! : item is FileSystemInfo info ? info.FullName : (string)item);
                    try
                    {
                        var contents = DatasetReader.Read(folder);
                        clusters.AddRange(contents.ToFaceClusters());
                        lastPersonNumber = Math.Max(lastPersonNumber, contents.LastPersonNumber);
                    }
                    catch (DatasetException ex)
                    {
                        cmdlet.ThrowTerminatingError(FaceClusterErrors.DatasetError(ex));
                    }
                    break;
                default:
                    cmdlet.ThrowTerminatingError(FaceClusterErrors.Create(
                        new ArgumentException($"-Reference takes FaceCluster objects or dataset folders, not {item?.GetType().Name ?? "null"}."),
                        FaceClusterErrors.ReferenceInvalid, ErrorCategory.InvalidArgument, item));
                    break;
            }
        }
        return clusters;
    }
}
