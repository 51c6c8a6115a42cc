using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using FaceCluster.Dataset;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Tab completion of people for -Label, -NewLabel (labels) and -Id (cluster ids): read from the dataset already typed
/// in -Path or -LiteralPath, so <c>Rename-FaceCluster ds -Label &lt;Tab&gt;</c> offers the people of ds, not file names.
/// Anything unreadable completes to nothing: completion must never throw at the user.
/// </summary>
public sealed class DatasetPersonCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var people = ReadPeople(fakeBoundParameters);
        string typed = wordToComplete.Trim('\'', '"');
        if (parameterName == "Id")
        {
            return people.Where(p => p.ClusterId.ToString().StartsWith(typed, StringComparison.Ordinal))
                .Select(p => new CompletionResult(p.ClusterId.ToString(), p.ClusterId.ToString(), CompletionResultType.ParameterValue, $"{p.Label} ({p.Count} faces)"));
        }
        return people.Where(p => p.Label.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(p => new CompletionResult(Quote(p.Label), p.Label, CompletionResultType.ParameterValue, $"{p.Label}: person {p.ClusterId}, {p.Count} faces"));
    }

    private static IReadOnlyList<DatasetPerson> ReadPeople(IDictionary bound)
    {
        try
        {
            string? folder = bound["LiteralPath"] is { } literal ? Resolve(Single(literal), literal: true)
                : bound["Path"] is { } path ? Resolve(Single(path), literal: false)
                : null;
            if (folder is null || !DatasetReader.IsDataset(folder)) return [];
            return DatasetReader.Read(folder).People.Where(p => !p.IsNoise).OrderBy(p => p.ClusterId).ToList();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [];
        }
    }

    private static string Single(object value) =>
        (value is PSObject wrapped ? wrapped.BaseObject : value) switch
        {
            string s => s,
            FileSystemInfo info => info.FullName,
            IEnumerable many => many.Cast<object>().Select(Single).First(),
            var other => other.ToString() ?? "",
        };

    /// <summary>
    /// Resolve-Path in the session that asked for completion (a nested pipeline in it): relative to its
    /// current location, which the process's current directory does not follow.
    /// </summary>
    private static string? Resolve(string path, bool literal)
    {
        using var shell = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
        shell.AddCommand("Microsoft.PowerShell.Management\\Resolve-Path").AddParameter(literal ? "LiteralPath" : "Path", path)
            .AddParameter("ErrorAction", ActionPreference.Ignore);
        return shell.Invoke<PathInfo>().Select(p => p.ProviderPath).OrderBy(p => p, StringComparer.Ordinal).FirstOrDefault();
    }

    private static string Quote(string label) =>
        label.Any(c => char.IsWhiteSpace(c) || "'\"`$(){}[];,&|@#<>".Contains(c)) ? $"'{label.Replace("'", "''")}'" : label;
}
