using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace FaceCluster.Tests;

/// <summary>What one script run in the real PowerShell engine produced.</summary>
public sealed record ScriptResult(
    IReadOnlyList<PSObject> Output,
    IReadOnlyList<ErrorRecord> Errors,
    IReadOnlyList<ProgressRecord> Progress,
    IReadOnlyList<string> Verbose,
    IReadOnlyList<string> Warnings)
{
    public IEnumerable<T> Objects<T>() => Output.Select(o => o.BaseObject).OfType<T>();
    public IEnumerable<string> ErrorIds => Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]);
}

/// <summary>
/// A runspace of the real PowerShell 7 engine (System.Management.Automation) with the packaged module
/// imported from artifacts/FaceCluster — the same folder users import.
/// </summary>
public sealed class ModuleSession : IDisposable
{
    private readonly Runspace runspace;

    public ModuleSession(string? workingDirectory = null)
    {
        var state = InitialSessionState.CreateDefault2();
        state.ImportPSModule(Path.Combine(TestEnvironment.ModuleDirectory, "FaceCluster.psd1"));
        runspace = RunspaceFactory.CreateRunspace(state);
        runspace.Open();
        if (workingDirectory is not null) Run("Set-Location -LiteralPath $args[0]", workingDirectory);
    }

    /// <summary>Runs a script; extra arguments are bound to $args.</summary>
    public ScriptResult Run(string script, params object?[] arguments)
    {
        using var powerShell = PowerShell.Create();
        powerShell.Runspace = runspace;
        powerShell.AddScript(script);
        foreach (var argument in arguments) powerShell.AddArgument(argument);
        Collection<PSObject> output = powerShell.Invoke();
        return new ScriptResult(
            output.Where(o => o is not null).ToList(),
            powerShell.Streams.Error.ToList(),
            powerShell.Streams.Progress.ToList(),
            powerShell.Streams.Verbose.Select(v => v.Message).ToList(),
            powerShell.Streams.Warning.Select(w => w.Message).ToList());
    }

    /// <summary>Starts a script and returns the PowerShell instance, so a test can stop it midway (Ctrl+C).</summary>
    public PowerShell Start(string script, PSDataCollection<PSObject> output, params object?[] arguments)
    {
        var powerShell = PowerShell.Create();
        powerShell.Runspace = runspace;
        powerShell.AddScript(script);
        foreach (var argument in arguments) powerShell.AddArgument(argument);
        powerShell.BeginInvoke<PSObject, PSObject>(null, output);
        return powerShell;
    }

    public void Dispose() => runspace.Dispose();
}
