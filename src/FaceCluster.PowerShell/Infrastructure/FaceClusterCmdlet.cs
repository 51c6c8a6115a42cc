using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>What every FaceCluster cmdlet shares: a token cancelled by Ctrl+C, and path resolution through the session's provider.</summary>
public abstract class FaceClusterCmdlet : PSCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C (StopProcessing).</summary>
    protected CancellationToken CancellationToken => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    /// <summary>
    /// Resolves -Path (wildcards) or -LiteralPath values to existing file-system paths. Paths that do not exist,
    /// or that are directories when files are wanted, are reported as non-terminating errors and skipped.
    /// </summary>
    protected IEnumerable<string> ResolveExistingFiles(IEnumerable<string> paths, bool literal)
    {
        foreach (var path in paths)
        {
            foreach (var resolved in ResolveExisting(path, literal))
            {
                if (!Directory.Exists(resolved))
                {
                    yield return resolved;
                    continue;
                }
                var inside = ExpandDirectory(resolved);
                if (inside is null) WriteError(FaceClusterErrors.PathIsDirectoryError(resolved));
                foreach (var file in inside ?? []) yield return file;
            }
        }
    }

    /// <summary>
    /// The files a folder given as input stands for, or null when this cmdlet does not read folders (a PathIsDirectory
    /// error). An override reports a folder with nothing to read itself.
    /// </summary>
    protected virtual IReadOnlyList<string>? ExpandDirectory(string directory) => null;

    /// <summary>Resolves one path (wildcards unless literal) to existing provider paths; reports PathNotFound otherwise.</summary>
    protected IReadOnlyList<string> ResolveExisting(string path, bool literal)
    {
        try
        {
            if (literal || !WildcardPattern.ContainsWildcardCharacters(path))
            {
                string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(literal ? path : WildcardPattern.Unescape(path));
                if (File.Exists(full) || Directory.Exists(full)) return [full];
                WriteError(FaceClusterErrors.PathNotFoundError(path));
                return [];
            }
            var resolved = SessionState.Path.GetResolvedProviderPathFromPSPath(path, out var provider);
            if (resolved.Count == 0) WriteError(FaceClusterErrors.PathNotFoundError(path));
            return resolved.OrderBy(p => p, StringComparer.Ordinal).ToList();
        }
        catch (ItemNotFoundException)
        {
            WriteError(FaceClusterErrors.PathNotFoundError(path));
            return [];
        }
    }

    /// <summary>
    /// True under -WhatIf (or $WhatIfPreference). Writers then run their engine in plan mode and print a "What if" line
    /// per file, rather than one line for the whole operation.
    /// </summary>
    protected bool IsWhatIf() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value) ? ((SwitchParameter)value).IsPresent
            : SessionState.PSVariable.GetValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };

    /// <summary>
    /// For cmdlets that use OpenCV, at the start: a terminating NativeLibraryMissing error that names the missing system
    /// library (libgtk-3-0 on a headless server) instead of a TypeInitializationException at the first image.
    /// </summary>
    protected void RequireOpenCv()
    {
        try
        {
            Native.NativeLibraries.EnsureOpenCv();
        }
        catch (Native.NativeLibraryException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(ex, FaceClusterErrors.NativeLibraryMissing, ErrorCategory.ResourceUnavailable, "OpenCvSharpExtern"));
        }
    }

    /// <summary>A path the cmdlet will write to, relative to the session's current location.</summary>
    protected string ResolveOutputPath(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
