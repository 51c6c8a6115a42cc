using System.Diagnostics;

namespace FaceCluster.Detection;

/// <summary>
/// Where <see cref="BlazeFaceDetector.Detect"/>'s time goes, summed over every call in the process (thread-safe):
/// the bench's <c>detect</c> prints it per configuration, so a cut is aimed at measured milliseconds.
/// </summary>
internal static class DetectionProfile
{
    public enum Stage { WholeImageAndTiles, LevelResize, LevelNetwork, Refine, Count }

    private static readonly long[] Ticks = new long[(int)Stage.Count];

    public static long Start() => Stopwatch.GetTimestamp();

    /// <summary>Adds the time since <paramref name="started"/> to <paramref name="stage"/>; returns now, to chain stages.</summary>
    public static long Add(Stage stage, long started)
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Add(ref Ticks[(int)stage], now - started);
        return now;
    }

    /// <summary>Milliseconds per stage since the last reset, and resets.</summary>
    public static double[] Take()
    {
        var result = new double[Ticks.Length];
        for (int i = 0; i < Ticks.Length; i++) result[i] = Interlocked.Exchange(ref Ticks[i], 0) * 1000.0 / Stopwatch.Frequency;
        return result;
    }
}
