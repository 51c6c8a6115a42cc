using System.Management.Automation;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Reads face encodings back from encoding stores.</summary>
[Cmdlet(VerbsData.Import, "FaceEncoding", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceEncoding))]
public sealed class ImportFaceEncodingCommand : FaceClusterCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet)]
    [Alias("LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    protected override void ProcessRecord()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var store in ResolveExistingFiles(literal ? LiteralPath : Path, literal))
        {
            try
            {
                using var reader = EncodingStoreReader.Open(store);
                // Records stream from disk; bad ones become errors and the good ones still come out.
                foreach (var face in reader.ReadRecords(issue => WriteError(FaceClusterErrors.StoreIssue(issue)), CancellationToken))
                {
                    WriteObject(face);
                }
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (EncodingStoreException ex)
            {
                WriteError(FaceClusterErrors.StoreError(ex));
            }
            catch (IOException ex)
            {
                WriteError(FaceClusterErrors.Create(ex, StoreErrorIds.StoreHeaderInvalid, ErrorCategory.ReadError, store));
            }
        }
    }
}
