using System.Diagnostics;

namespace FaceCluster.Tests;

/// <summary>The portable host, run as users run it: a fresh process, no environment variables pointing at anything.</summary>
public class PortableHostTests
{
    private static (int ExitCode, string Output, string Error) RunHost(params string[] arguments)
    {
        string hostDll = Path.Combine(TestEnvironment.RepositoryRoot, "src", "FaceCluster.Host", "bin",
            new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0", "FaceCluster.Host.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestEnvironment.RepositoryRoot };
        start.ArgumentList.Add(hostDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var variable in new[] { "LD_LIBRARY_PATH", "FACECLUSTER_MODULE", "PSModulePath" }) start.Environment.Remove(variable);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "host did not exit");
        return (process.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void AFreshProcessImportsThePackagedModuleAndListsItsCommands()
    {
        var (exitCode, output, error) = RunHost("-Command", "Get-Command -Module FaceCluster");
        Assert.True(exitCode == 0, error);
        Assert.Contains("Get-FaceEncoding", output);
        Assert.DoesNotContain("\u001b[", output); // redirected output is plain text
    }

    [Fact]
    public void FormatsFacesWithTheModuleViewAndRunsTheNativeLibrariesFromTheModuleFolder()
    {
        var (exitCode, output, error) = RunHost("-Command", $"Get-FaceEncoding -LiteralPath '{TestEnvironment.DemoPhoto(2)}'");
        Assert.True(exitCode == 0, error);
        Assert.Contains("sample2.jpg", output);
        Assert.Contains("Conf", output); // the table view's header, not the default list view
        Assert.All(output.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, $"wider than 80 columns: {line}"));
    }

    [Fact]
    public void ATerminatingErrorExitsNonZero()
    {
        var (exitCode, _, error) = RunHost("-Command", "throw 'deliberate failure'");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("deliberate failure", error);
    }
}
