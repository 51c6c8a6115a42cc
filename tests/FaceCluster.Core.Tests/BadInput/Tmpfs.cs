using System.Diagnostics;

namespace FaceCluster.Tests.BadInput;

/// <summary>A small tmpfs mounted for one test, to fill a disk for real (root only).</summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path) => Path = path;

    public string Path { get; }

    /// <summary>Null when this process cannot mount (not root, no CAP_SYS_ADMIN in a container): the reason.</summary>
    public static string? Unavailable { get; } = Probe();

    public static Tmpfs Mount(string size, bool readOnly = false)
    {
        var dir = TestEnvironment.NewTempDirectory();
        Run("mount", "-t", "tmpfs", "-o", $"size={size}{(readOnly ? ",ro" : "")}", "tmpfs", dir);
        return new Tmpfs(dir);
    }

    public void Dispose() => Run("umount", "-l", Path);

    /// <summary>Fills the file system up to the last <paramref name="leave"/> bytes.</summary>
    public void Fill(long leave)
    {
        var info = new DriveInfo(Path);
        long fill = info.AvailableFreeSpace - leave;
        if (fill <= 0) return;
        using var f = new FileStream(System.IO.Path.Combine(Path, "filler.bin"), FileMode.Create);
        var block = new byte[4096];
        for (long written = 0; written + block.Length <= fill; written += block.Length) f.Write(block);
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs needs Linux";
        if (Environment.UserName != "root") return "mounting a tmpfs to fill a disk needs root";
        try
        {
            using var t = Mount("64k");
            return null;
        }
        catch (Exception ex)
        {
            return "cannot mount a tmpfs: " + ex.Message;
        }
    }

    private static void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {err.Trim()}");
    }
}

/// <summary>A fact that needs <see cref="Tmpfs"/>; skipped with the reason otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } reason) Skip = reason;
    }
}
