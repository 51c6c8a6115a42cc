using System.Management.Automation;
using FaceCluster.Models;
using FaceCluster.Native;

namespace FaceCluster.PowerShell;

/// <summary>Runs at Import-Module: points the native loaders at the module folder. Models load later, on first use.</summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    public void OnImport()
    {
        string moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        NativeLibraries.Initialize(moduleDirectory);
        ModelCatalog.DefaultDirectory = Path.Combine(moduleDirectory, "models");
    }
}
