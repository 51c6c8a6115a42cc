using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace FaceCluster.Host;

/// <summary>
/// A small PowerShell host for machines without pwsh: imports the built FaceCluster module, runs a script file
/// or a command, formats output through Out-Default and draws Write-Progress as a bar on a terminal.
/// </summary>
public static class Program
{
    private const string Usage = """
        Usage: FaceCluster.Host [-Module <path> | -NoModule] -File <script.ps1> [arguments...]
               FaceCluster.Host [-Module <path> | -NoModule] -Command <script text>
        Imports the FaceCluster module (default: artifacts/FaceCluster found above the current directory
        or this program) into a PowerShell 7 engine and runs the script. pwsh users do not need this host:
        Import-Module ./artifacts/FaceCluster instead.
        """;

    public static int Main(string[] args)
    {
        string? modulePath = null, file = null, command = null;
        bool importModule = true;
        var scriptArguments = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (file is not null) { scriptArguments.Add(arg); continue; }
            bool hasValue = i + 1 < args.Length;
            switch (arg.ToLowerInvariant())
            {
                case "-module" when hasValue: modulePath = args[++i]; break;
                case "-nomodule": importModule = false; break;
                case "-file" or "-f" when hasValue: file = args[++i]; break;
                case "-command" or "-c" when hasValue: command = string.Join(' ', args[(i + 1)..]); i = args.Length; break;
                case "-help" or "--help" or "-h" or "-?": Console.Out.WriteLine(Usage); return 0;
                default: Console.Error.WriteLine($"Unknown argument '{arg}'.\n{Usage}"); return 64;
            }
        }
        if (file is null && command is null) { Console.Error.WriteLine(Usage); return 64; }

        modulePath ??= importModule ? FindModule() : null;
        if (importModule && modulePath is null)
        {
            Console.Error.WriteLine("Cannot find the built module (artifacts/FaceCluster). Run 'dotnet build' first, or pass -Module <path>.");
            return 2;
        }

        var host = new ConsoleHost();
        var state = InitialSessionState.CreateDefault2();
        if (importModule) state.ImportPSModule(modulePath!);
        using var runspace = RunspaceFactory.CreateRunspace(host, state);
        runspace.Open();
        if (Console.IsOutputRedirected)
        {
            // Logs and pipes want text, not ANSI escape sequences.
            using var plain = System.Management.Automation.PowerShell.Create();
            plain.Runspace = runspace;
            plain.AddScript("$PSStyle.OutputRendering = 'PlainText'").Invoke();
        }
        using var powerShell = System.Management.Automation.PowerShell.Create();
        powerShell.Runspace = runspace;
        if (file is not null)
        {
            AddScriptArguments(powerShell.AddCommand(Path.GetFullPath(file)), scriptArguments);
        }
        else
        {
            powerShell.AddScript(command!);
        }
        // Errors join the output so Out-Default renders them in place, as pwsh does.
        powerShell.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
        powerShell.AddCommand("Out-Default");

        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            powerShell.BeginStop(null, null);
        };

        try
        {
            powerShell.Invoke();
        }
        catch (PipelineStoppedException)
        {
            host.ProgressRenderer.Clear();
            Console.Error.WriteLine("Stopped.");
            return 130;
        }
        catch (RuntimeException ex)
        {
            host.ProgressRenderer.Clear();
            host.UI.WriteErrorLine(ex.ErrorRecord?.ToString() ?? ex.Message);
            if (ex.ErrorRecord?.InvocationInfo?.PositionMessage is { Length: > 0 } position) host.UI.WriteErrorLine(position);
            return host.ExitCode ?? 1;
        }
        host.ProgressRenderer.Clear();
        if (host.ExitCode is int exitCode) return exitCode;
        return powerShell.HadErrors && powerShell.Streams.Error.Count > 0 ? 1 : 0;
    }

    /// <summary>Binds '-Name value', '-Name:value' and '-Switch' the way pwsh -File does; anything else is positional.</summary>
    private static void AddScriptArguments(System.Management.Automation.PowerShell command, List<string> arguments)
    {
        for (int i = 0; i < arguments.Count; i++)
        {
            string token = arguments[i];
            bool isName = token.Length > 1 && token[0] == '-' && char.IsLetter(token[1]);
            if (!isName) { command.AddArgument(token); continue; }
            string name = token[1..];
            int colon = name.IndexOf(':');
            if (colon > 0) { command.AddParameter(name[..colon], name[(colon + 1)..]); continue; }
            bool nextIsValue = i + 1 < arguments.Count && !(arguments[i + 1].Length > 1 && arguments[i + 1][0] == '-' && char.IsLetter(arguments[i + 1][1]));
            if (nextIsValue) command.AddParameter(name, arguments[++i]);
            else command.AddParameter(name);
        }
    }

    private static string? FindModule()
    {
        if (Environment.GetEnvironmentVariable("FACECLUSTER_MODULE") is { Length: > 0 } fromEnvironment) return fromEnvironment;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "artifacts", "FaceCluster", "FaceCluster.psd1");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
