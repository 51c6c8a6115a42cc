using System.Diagnostics;
using System.Globalization;

namespace FaceCluster.Bench;

/// <summary>What every benchmark needs: the repository root, the module's models, the demo photos, the machine load, options.</summary>
internal static class BenchEnv
{
    private static string? s_root;

    public static string Root => s_root ??= FindRoot();

    public static string ModelDirectory(IReadOnlyDictionary<string, string> o) =>
        o.GetValueOrDefault("model-dir") ?? Path.Combine(Root, "artifacts", "FaceCluster", "models");

    /// <summary>obj/bench under the repository root (ignored by git): generated clips, frames and scaled photos.</summary>
    public static string WorkDirectory
    {
        get
        {
            var dir = Path.Combine(Root, "obj", "bench");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>sample1..6.jpg of the face-api npm package that the first build fetches (real faces, about 1920x1400).</summary>
    public static IReadOnlyList<string> DemoPhotos()
    {
        var dir = Path.Combine(Root, "obj", "models", "npm", "node_modules", "@vladmandic", "face-api", "demo");
        var photos = Enumerable.Range(1, 6).Select(i => Path.Combine(dir, $"sample{i}.jpg")).ToList();
        if (!photos.All(File.Exists))
            throw new FileNotFoundException($"Demo photos not found in {dir}: run 'dotnet build' at the repository root first (it fetches them with the models).");
        return photos;
    }

    /// <summary>The 1, 5 and 15 minute load averages and the core count, as `uptime` shows them.</summary>
    public static string Load()
    {
        string load = "n/a";
        try
        {
            if (File.Exists("/proc/loadavg")) load = string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException) { }
        return $"load average {load} on {Environment.ProcessorCount} logical cores";
    }

    public static void Header(string title)
    {
        Console.WriteLine($"== {title} ==  {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, {Load()}");
    }

    public static void Footer() => Console.WriteLine($"-- done, {Load()}");

    /// <summary>--name value pairs and bare --flags.</summary>
    public static (Dictionary<string, string> Options, HashSet<string> Flags) Parse(string[] args, params string[] flagNames)
    {
        var o = new Dictionary<string, string>();
        var flags = new HashSet<string>();
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i].TrimStart('-');
            if (flagNames.Contains(a)) flags.Add(a);
            else if (i + 1 < args.Length) o[a] = args[++i];
            else throw new ArgumentException($"option --{a} needs a value");
        }
        return (o, flags);
    }

    public static int Int(IReadOnlyDictionary<string, string> o, string name, int fallback) =>
        o.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public static double Double(IReadOnlyDictionary<string, string> o, string name, double fallback) =>
        o.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>1 and 2 (or the core count when below 2), or the list given as --workers 1,2,4.</summary>
    public static int[] Workers(IReadOnlyDictionary<string, string> o) =>
        o.TryGetValue("workers", out var v)
            ? v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray()
            : new[] { 1, Math.Min(2, Environment.ProcessorCount) }.Distinct().ToArray();

    public static double Seconds(Stopwatch sw) => sw.Elapsed.TotalSeconds;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
        throw new InvalidOperationException("FaceCluster.PowerShell.sln not found above " + AppContext.BaseDirectory);
    }
}
