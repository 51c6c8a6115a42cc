using System.Reflection;
using System.Runtime.InteropServices;

namespace FaceCluster.Native;

/// <summary>
/// Finds OpenCV's and ONNX Runtime's native libraries inside the module folder.
/// PowerShell loads module assemblies without a deps.json, so the runtime's own probing
/// does not look in runtimes/&lt;rid&gt;/native; without this, Import-Module would need LD_LIBRARY_PATH.
/// </summary>
public static class NativeLibraries
{
    private static readonly object Gate = new();
    private static readonly List<string> SearchDirectories = [];
    private static bool resolversInstalled;

    /// <summary>Adds <paramref name="baseDirectory"/> (and its runtimes/&lt;rid&gt;/native) to the search and installs the resolvers once.</summary>
    public static void Initialize(string baseDirectory)
    {
        lock (Gate)
        {
            foreach (var dir in CandidateDirectories(baseDirectory))
            {
                if (!SearchDirectories.Contains(dir)) SearchDirectories.Add(dir);
            }
            if (resolversInstalled) return;
            resolversInstalled = true;
            foreach (var assembly in new[] { typeof(OpenCvSharp.Mat).Assembly, typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly })
            {
                try
                {
                    NativeLibrary.SetDllImportResolver(assembly, Resolve);
                }
                catch (InvalidOperationException)
                {
                    // The assembly installed its own resolver; preloading by full path below still
                    // lets the dynamic loader find the library by its soname.
                }
            }
            Preload("OpenCvSharpExtern");
            Preload("onnxruntime");
        }
    }

    private static IEnumerable<string> CandidateDirectories(string baseDirectory)
    {
        yield return Path.Combine(baseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        yield return Path.Combine(baseDirectory, "runtimes", PortableRid(), "native");
        yield return baseDirectory;
    }

    private static string PortableRid()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        return $"{os}-{arch}";
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        string? path = Find(libraryName);
        return path is not null && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero;
    }

    private static void Preload(string libraryName)
    {
        string? path = Find(libraryName);
        if (path is not null) NativeLibrary.TryLoad(path, out _);
    }

    private static string? Find(string libraryName)
    {
        string[] fileNames = OperatingSystem.IsWindows() ? [libraryName + ".dll", libraryName]
            : OperatingSystem.IsMacOS() ? ["lib" + libraryName + ".dylib", libraryName + ".dylib", libraryName]
            : ["lib" + libraryName + ".so", libraryName + ".so", libraryName];
        lock (Gate)
        {
            foreach (var dir in SearchDirectories)
            foreach (var name in fileNames)
            {
                string candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
