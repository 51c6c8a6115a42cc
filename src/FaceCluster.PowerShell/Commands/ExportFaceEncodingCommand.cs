using System.Management.Automation;
using FaceCluster.Models;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>Writes face encodings from the pipeline to an encoding store (JSON Lines), atomically.</summary>
[Cmdlet(VerbsData.Export, "FaceEncoding", HelpUri = HelpLinks.Online + "Export-FaceEncoding.md", SupportsShouldProcess = true)]
[OutputType(typeof(FaceEncoding))]
public sealed class ExportFaceEncodingCommand : FaceClusterCmdlet, IDisposable
{
    /// <summary>The store to write, taken literally (no wildcards), like every writer's -OutputPath. -Path was its first name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Path", "LiteralPath")]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public FaceEncoding[] InputObject { get; set; } = [];

    /// <summary>Adds to an existing store of the same model instead of refusing it.</summary>
    [Parameter]
    public SwitchParameter Append { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private string target = "";
    private EncodingStoreWriter? writer;
    private bool declined;

    protected override void BeginProcessing()
    {
        target = ResolveOutputPath(OutputPath);
        if (Directory.Exists(target))
        {
            ThrowTerminatingError(FaceClusterErrors.PathIsDirectoryError(target));
        }
        if (File.Exists(target) && !Force && !Append)
        {
            ThrowTerminatingError(FaceClusterErrors.StoreExistsError(target));
        }
        declined = !ShouldProcess(target, Append && File.Exists(target) ? "Append face encodings" : "Write face encodings");
    }

    protected override void ProcessRecord()
    {
        foreach (var face in InputObject)
        {
            if (face is null) continue;
            if (!declined)
            {
                // The writer needs the model, which only the first face tells.
                writer ??= OpenWriter(face.Model);
                bool written;
                string? error;
                try
                {
                    written = writer.TryWrite(face, out error);
                }
                catch (IOException ex)
                {
                    // Disk full: the temp file goes, the target stays as it was.
                    writer.Dispose();
                    ThrowTerminatingError(FaceClusterErrors.WriteFailed(target, ex));
                    return;
                }
                if (!written)
                {
                    WriteError(FaceClusterErrors.InvalidData(StoreErrorIds.EncodingInvalid, $"Face {face.Id} was not written: {error}", face));
                    continue;
                }
            }
            if (PassThru) WriteObject(face);
        }
    }

    protected override void EndProcessing()
    {
        if (declined) return;
        try
        {
            // No face at all still writes a valid, empty store: a script can tell "no face" from "not run".
            writer ??= OpenWriter(ModelCatalog.DescriptorModelName);
            writer.Commit();
            WriteVerbose($"Wrote {writer.Count} face encodings to '{target}'.");
        }
        catch (EncodingStoreException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.StoreError(ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(FaceClusterErrors.WriteFailed(target, ex));
        }
        finally
        {
            writer?.Dispose();
        }
    }

    protected override void StopProcessing()
    {
        base.StopProcessing();
        // Ctrl+C: the temporary file goes, the target is untouched.
        writer?.Dispose();
    }

    /// <summary>Whatever ended the pipeline (a terminating error downstream, Ctrl+C), an uncommitted store leaves no temp file.</summary>
    public void Dispose() => writer?.Dispose();

    private EncodingStoreWriter OpenWriter(string model)
    {
        var mode = EncodingStoreWriter.ModeFor(append: Append, force: Force);
        try
        {
            return EncodingStoreWriter.Create(target, model, mode);
        }
        catch (EncodingStoreException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.StoreError(ex));
            throw; // not reached
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(FaceClusterErrors.WriteFailed(target, ex));
            throw;
        }
    }
}
