using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

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
    private static string? openCvLoadError;

    /// <summary>
    /// Debian/Ubuntu packages of the shared libraries OpenCV's native build links that a headless server or a slim
    /// container often lacks, so the error can say what to install rather than only what is missing.
    /// </summary>
    private static readonly Dictionary<string, string> DebianPackages = new(StringComparer.Ordinal)
    {
        ["libgtk-3.so.0"] = "libgtk-3-0",
        ["libgdk-3.so.0"] = "libgtk-3-0",
        ["libgdk_pixbuf-2.0.so.0"] = "libgdk-pixbuf-2.0-0",
        ["libglib-2.0.so.0"] = "libglib2.0-0",
        ["libgobject-2.0.so.0"] = "libglib2.0-0",
    };

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
            openCvLoadError = Preload("OpenCvSharpExtern");
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

    /// <summary>
    /// Throws a <see cref="NativeLibraryException"/> naming the missing system library (and its package) when OpenCV's
    /// native library failed to load in <see cref="Initialize"/>. Without this check the first OpenCV call fails with
    /// a TypeInitializationException that names nothing useful.
    /// </summary>
    public static void EnsureOpenCv()
    {
        string? error;
        lock (Gate) error = openCvLoadError;
        if (error is not null) throw new NativeLibraryException(DescribeLoadFailure("OpenCvSharpExtern", error));
    }

    /// <summary>The message for a native library that did not load, from the loader's own words (dlerror).</summary>
    public static string DescribeLoadFailure(string libraryName, string loaderMessage)
    {
        // The loader names the dependency it could not open, e.g. "libgtk-3.so.0: cannot open shared object file".
        var missing = Regex.Matches(loaderMessage, @"(lib[\w.+-]+?\.so(?:\.\d+)*)(?=:)")
            .Select(m => m.Groups[1].Value)
            .FirstOrDefault(name => !name.Contains(libraryName, StringComparison.Ordinal));
        string what = missing is null ? $"OpenCV's native library ({libraryName}) could not be loaded"
            : $"OpenCV's native library ({libraryName}) could not be loaded because the system library {missing} is missing or unusable";
        string fix = missing is not null && DebianPackages.TryGetValue(missing, out var package)
            ? $" On Debian or Ubuntu install it with: sudo apt-get install {package}" + (package == "libgtk-3-0" ? " (the GTK 3 runtime; no desktop is needed)." : ".")
            : missing is not null ? $" Install the package that provides {missing}." : "";
        return $"{what}.{fix} Loader message: {loaderMessage.Trim()}";
    }

    /// <summary>Loads a library by full path; returns the loader's message when that fails (null when loaded or absent).</summary>
    private static string? Preload(string libraryName)
    {
        string? path = Find(libraryName);
        if (path is null) return null;
        try
        {
            NativeLibrary.Load(path);
            return null;
        }
        catch (Exception ex) when (ex is DllNotFoundException or BadImageFormatException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// A handle to OpenCvSharp's native library (the one OpenCvSharp itself loaded: same path, so the same image), for
    /// looking up the FFmpeg functions it exports; false when it cannot be loaded.
    /// </summary>
    internal static bool TryGetOpenCvHandle(out IntPtr handle)
    {
        if (Find("OpenCvSharpExtern") is { } path && NativeLibrary.TryLoad(path, out handle)) return true;
        // Outside the module (tests, benches) the runtime's own probing of OpenCvSharp's deps finds it.
        return NativeLibrary.TryLoad("OpenCvSharpExtern", typeof(OpenCvSharp.Mat).Assembly, null, out handle);
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

/// <summary>A native library the module needs could not be loaded; the message names what is missing and how to install it.</summary>
public sealed class NativeLibraryException(string message) : Exception(message);
