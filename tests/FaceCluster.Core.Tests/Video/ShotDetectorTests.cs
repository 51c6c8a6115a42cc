using FaceCluster.Video;

namespace FaceCluster.Tests.Video;

/// <summary>Which decoded frames the cut detector compares (<see cref="ShotDetector.Wants"/>): at most 0.1 s apart, and every sample.</summary>
public class ShotDetectorTests
{
    private static int[] Compared(double fps, int frames, Func<int, bool>? sampled = null)
    {
        using var shots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
        return Enumerable.Range(0, frames).Where(i => shots.Wants(i * 1000.0 / fps, sampled?.Invoke(i) ?? false)).ToArray();
    }

    [Theory]
    [InlineData(10, 1)]
    [InlineData(25, 2)]
    [InlineData(30, 3)]
    [InlineData(60, 6)]
    [InlineData(5, 1)]
    public void Frames_are_compared_at_most_a_tenth_of_a_second_apart(double fps, int stride)
    {
        var compared = Compared(fps, 300);
        Assert.Equal(Enumerable.Range(0, 300).Where(i => i % stride == 0).ToArray(), compared);
        Assert.All(compared.Zip(compared.Skip(1)), p => Assert.True((p.Second - p.First) * 1000 / fps <= Math.Max(ShotDetector.MaxGapMs, 1000 / fps) + 1e-6));
    }

    [Fact]
    public void Every_sample_is_compared_and_the_gap_restarts_from_it()
    {
        // 30 frames/s, a sample at frame 4: compared 0, 3, 4 (the sample), then 7, 10...
        var compared = Compared(30, 14, i => i == 4);
        Assert.Equal([0, 3, 4, 7, 10, 13], compared);
    }

    [Fact]
    public void Timestamps_that_do_not_increase_make_every_frame_compared()
    {
        using var shots = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold);
        // 40 again and 30 are compared; after them the 0.1 s rule resumes (80: compared 30, next expected 130).
        double[] times = [0, 40, 40, 40, 30, 80, 140];
        Assert.Equal([true, false, true, true, true, false, true], times.Select(t => shots.Wants(t, false)).ToArray());
    }
}
