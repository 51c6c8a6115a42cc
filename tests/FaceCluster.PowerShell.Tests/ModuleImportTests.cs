using System.Management.Automation;

namespace FaceCluster.Tests;

public class ModuleImportTests
{
    // Import-PowerShellDataFile lives in Microsoft.PowerShell.Utility, which the bare engine lacks; a manifest is restricted-language data.
    private const string ReadManifest = "$sb = [scriptblock]::Create([IO.File]::ReadAllText($args[0])); $sb.CheckRestrictedLanguage($null, $null, $false); (& $sb)";

    [Fact]
    public void ThePackagedModuleImportsAndExportsExactlyTheManifestCmdlets()
    {
        using var session = new ModuleSession();
        var result = session.Run("(Get-Command -Module FaceCluster -CommandType Cmdlet).Name");
        Assert.Empty(result.Errors);
        var exported = result.Output.Select(o => o.BaseObject.ToString()!).Order().ToArray();

        var manifest = session.Run(ReadManifest + ".CmdletsToExport",
            Path.Combine(TestEnvironment.ModuleDirectory, "FaceCluster.psd1"));
        var declared = manifest.Output.Select(o => o.BaseObject.ToString()!).Order().ToArray();
        Assert.NotEmpty(declared);
        Assert.Equal(declared, exported);
    }

    [Fact]
    public void TheManifestDeclaresCoreEditionVersionAndGalleryMetadata()
    {
        using var session = new ModuleSession();
        var result = session.Run(ReadManifest, Path.Combine(TestEnvironment.ModuleDirectory, "FaceCluster.psd1"));
        var manifest = (System.Collections.Hashtable)result.Output.Single().BaseObject;
        Assert.Equal("7.4", manifest["PowerShellVersion"]);
        Assert.Equal(new object[] { "Core" }, (object[])manifest["CompatiblePSEditions"]!);
        var psData = (System.Collections.Hashtable)((System.Collections.Hashtable)manifest["PrivateData"]!)["PSData"]!;
        Assert.NotNull(psData["LicenseUri"]);
        Assert.NotNull(psData["ProjectUri"]);
        Assert.NotEmpty((object[])psData["Tags"]!);
    }

    [Fact]
    public void EveryExportedCmdletHasHelpWithExamples()
    {
        using var session = new ModuleSession();
        var names = session.Run("(Get-Command -Module FaceCluster -CommandType Cmdlet).Name").Output.Select(o => o.ToString()).ToList();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            var help = session.Run("$h = Get-Help $args[0] -Full; [pscustomobject]@{ Synopsis = $h.Synopsis; Examples = @($h.examples.example).Count }", name);
            Assert.Empty(help.Errors);
            var info = help.Output.Single();
            string synopsis = info.Properties["Synopsis"].Value?.ToString() ?? "";
            Assert.False(string.IsNullOrWhiteSpace(synopsis) || synopsis.StartsWith(name, StringComparison.Ordinal) && synopsis.Contains('['), $"{name} has no synopsis");
            Assert.True((int)info.Properties["Examples"].Value >= 1, $"{name} has no examples");
        }
    }
}
