using System.Management.Automation;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Reads face encodings back from encoding stores.</summary>
[Cmdlet(VerbsData.Import, "FaceEncoding", HelpUri = HelpLinks.Online + "Import-FaceEncoding.md", DefaultParameterSetName = PathSet)]
[OutputType(typeof(FaceEncoding))]
public sealed class ImportFaceEncodingCommand : PathInputCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var store in InputFiles())
        {
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var reader = EncodingStoreReader.Open(store);
                WriteVerbose($"'{store}': store format version {reader.Header.Version}, descriptor model '{reader.Header.Model}'.");
                int read = 0, issues = 0;
                // Records stream from disk; bad ones become errors and the good ones still come out.
                foreach (var face in reader.ReadRecords(issue => { issues++; WriteError(FaceClusterErrors.StoreIssue(issue)); }, CancellationToken))
                {
                    read++;
                    WriteObject(face);
                }
                WriteVerbose($"'{store}': {read} faces read, {issues} records rejected, in {clock.Elapsed.TotalMilliseconds:0} ms.");
            }
            catch (OperationCanceledException)
            {
                throw new PipelineStoppedException();
            }
            catch (EncodingStoreException ex)
            {
                WriteError(FaceClusterErrors.StoreError(ex));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                WriteError(FaceClusterErrors.ReadFailed(store, ex));
            }
        }
    }
}
