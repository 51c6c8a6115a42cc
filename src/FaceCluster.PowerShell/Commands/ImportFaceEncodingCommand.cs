using System.Management.Automation;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Reads face encodings back from encoding stores.</summary>
[Cmdlet(VerbsData.Import, "FaceEncoding", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceEncoding))]
public sealed class ImportFaceEncodingCommand : PathInputCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var store in InputFiles())
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
