using System.Diagnostics;
using OpenCvSharp;

namespace FaceCluster.Tests.Video;

/// <summary>Small generated clips: every frame shows its number, so a sampled image can be traced back.</summary>
internal static class TestClips
{
    public static string Write(string path, double fps, int frames, int width = 320, int height = 240, FourCC? fourcc = null)
    {
        using var writer = new VideoWriter(path, fourcc ?? FourCC.FromString("mp4v"), fps, new Size(width, height));
        Assert.True(writer.IsOpened(), $"VideoWriter cannot write {path}");
        using var img = new Mat(height, width, MatType.CV_8UC3);
        for (int i = 0; i < frames; i++)
        {
            Draw(img, i);
            writer.Write(img);
        }
        return path;
    }

    public static void Draw(Mat img, int i)
    {
        img.SetTo(new Scalar(40 + i % 200, 90, 160));
        Cv2.Circle(img, new Point(img.Width * (i % 50) / 50, img.Height / 2), Math.Max(4, img.Height / 8), Scalar.White, -1);
        Cv2.PutText(img, i.ToString(), new Point(10, img.Height / 3), HersheyFonts.HersheySimplex, img.Height / 160.0, Scalar.Black, 2);
    }

    /// <summary>The ffmpeg executable, or null when it is not installed.</summary>
    public static string? Ffmpeg { get; } = FindFfmpeg();

    private static string? FindFfmpeg()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Writes a variable-frame-rate clip with ffmpeg's concat demuxer; returns the presentation time of every frame
    /// (the concat demuxer needs the last file listed twice, which adds one more frame at the very end).</summary>
    public static double[] WriteVariableFrameRate(string path, double[] durations)
    {
        var dir = Path.Combine(Path.GetDirectoryName(path)!, "vfr-src");
        Directory.CreateDirectory(dir);
        using var img = new Mat(240, 320, MatType.CV_8UC3);
        var list = new List<string> { "ffconcat version 1.0" };
        var times = new double[durations.Length + 1];
        double t = 0;
        for (int i = 0; i < durations.Length; i++)
        {
            Draw(img, i);
            var png = Path.Combine(dir, $"f{i:D4}.png");
            Cv2.ImWrite(png, img);
            list.Add($"file '{png}'");
            list.Add(FormattableString.Invariant($"duration {durations[i]}"));
            times[i] = t;
            t += durations[i];
        }
        times[^1] = t;
        list.Add($"file '{Path.Combine(dir, $"f{durations.Length - 1:D4}.png")}'"); // the concat demuxer needs the last file twice
        var listPath = Path.Combine(dir, "list.ffconcat");
        File.WriteAllLines(listPath, list);
        Run(Ffmpeg!, "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", listPath,
            "-fps_mode", "vfr", "-c:v", "mpeg4", "-q:v", "5", "-g", "10", path);
        return times;
    }

    public static void Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ffmpeg failed: {err.Result}");
    }
}

/// <summary>A fact that is skipped when the ffmpeg CLI is not installed (apt-get install ffmpeg).</summary>
public sealed class FfmpegFactAttribute : FactAttribute
{
    public FfmpegFactAttribute()
    {
        if (TestClips.Ffmpeg is null) Skip = "ffmpeg CLI not found on PATH (apt-get install ffmpeg)";
    }
}

/// <summary>A theory that is skipped when the ffmpeg CLI is not installed (apt-get install ffmpeg).</summary>
public sealed class FfmpegTheoryAttribute : TheoryAttribute
{
    public FfmpegTheoryAttribute()
    {
        if (TestClips.Ffmpeg is null) Skip = "ffmpeg CLI not found on PATH (apt-get install ffmpeg)";
    }
}
