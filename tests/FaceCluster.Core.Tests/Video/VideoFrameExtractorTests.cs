using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Tests.Video;

public class VideoFrameExtractorTests
{
    private sealed class Recorder : IVideoExtractionObserver
    {
        public List<VideoExtractionProgress> Progress { get; } = [];
        public List<(VideoErrorCode Code, string Message)> Warnings { get; } = [];
        public void OnProgress(VideoExtractionProgress progress) => Progress.Add(progress);
        public void OnWarning(VideoErrorCode code, string message) => Warnings.Add((code, message));
    }

    private static List<ExtractedFrame> Extract(string video, string output, double fps = 1, bool force = false, bool whatIf = false,
        int maxWidth = 700, int maxHeight = 500, IVideoExtractionObserver? observer = null, TimeSpan? start = null, TimeSpan? end = null,
        VideoFrameFormat format = VideoFrameFormat.Jpg)
    {
        var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions
        {
            OutputDirectory = output, FramesPerSecond = fps, Force = force, WhatIf = whatIf, MaxWidth = maxWidth, MaxHeight = maxHeight,
            StartTime = start, EndTime = end, Format = format,
        });
        return extractor.Extract(video, observer).ToList();
    }

    private static void AssertSampling(IReadOnlyList<ExtractedFrame> frames, double fps, double framePeriodSeconds, int expectedCount)
    {
        Assert.Equal(expectedCount, frames.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i].Frame;
            Assert.Equal(i, f.Index);
            double target = f.Index / fps;
            double t = f.Timestamp.TotalSeconds;
            Assert.True(t >= target - 1e-6 && t < target + framePeriodSeconds - 1e-6, $"frame {f.Index}: {t} s is not within one frame period after {target} s");
        }
    }

    [Theory]
    [InlineData(25.0, 1.0, 10)]
    [InlineData(25.0, 0.2, 2)]
    [InlineData(25.0, 3.0, 30)]
    [InlineData(29.97, 1.0, 10)]
    [InlineData(29.97, 2.5, 25)]
    public void TimestampsAreWithinOneFramePeriodOfKOverFps(double videoFps, double sampleFps, int expected)
    {
        var dir = TestEnvironment.NewTempDirectory();
        int frames = (int)Math.Round(videoFps * 10); // 10 s
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), videoFps, frames);
        var result = Extract(video, Path.Combine(dir, "frames"), sampleFps);
        AssertSampling(result, sampleFps, 1 / videoFps, expected);
        Assert.All(result, r => Assert.Equal(FrameAction.Written, r.Action));
        Assert.All(result, r => Assert.True(File.Exists(r.Frame.Path)));
        Assert.Matches("^clip_[0-9a-f]{8}_000000\\.jpg$", Path.GetFileName(result[0].Frame.Path));
        Assert.Matches("^clip_[0-9a-f]{8}_000001\\.jpg$", Path.GetFileName(result[1].Frame.Path));
    }

    [FfmpegFact]
    public void VariableFrameRateClipIsSampledByPresentationTime()
    {
        var dir = TestEnvironment.NewTempDirectory();
        // Bursts of fast frames, then long holds (multiples of 40 ms, which ffmpeg keeps exact): ~7.7 s.
        double[] durations = [.. Enumerable.Repeat(0.04, 10), 1.32, .. Enumerable.Repeat(0.12, 5), 2.2, .. Enumerable.Repeat(0.52, 6)];
        var times = TestClips.WriteVariableFrameRate(Path.Combine(dir, "vfr.mkv"), durations);
        var observer = new Recorder();
        var result = Extract(Path.Combine(dir, "vfr.mkv"), Path.Combine(dir, "frames"), 1, observer: observer);
        Assert.Empty(observer.Warnings);

        // Expected: for each k, the first frame whose time >= k; a frame covering several k is produced once (lowest k).
        var expected = new List<(int K, double Time)>();
        for (int k = 0; k <= times[^1] + 1e-6; k++)
        {
            int i = Array.FindIndex(times, t => t >= k - 1e-6);
            if (i < 0) break;
            if (expected.Count > 0 && Math.Abs(expected[^1].Time - times[i]) < 1e-9) continue;
            expected.Add((k, times[i]));
        }
        Assert.Equal(expected.Select(e => e.K), result.Select(r => r.Frame.Index));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Time, result[i].Frame.Timestamp.TotalSeconds, 0.002);
        }
    }

    [Fact]
    public void TruncatedClipTerminatesKeepsFramesAndWarns()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "cut.avi"), 25, 250, fourcc: FourCC.MJPG); // container says 250 frames
        var bytes = File.ReadAllBytes(video);
        File.WriteAllBytes(video, bytes[..(bytes.Length * 45 / 100)]);

        var observer = new Recorder();
        var output = Path.Combine(dir, "frames");
        var frames = Extract(video, output, 1, observer: observer);
        Assert.InRange(frames.Count, 2, 6);
        AssertSampling(frames, 1, 0.04, frames.Count);
        Assert.All(frames, f => Assert.True(File.Exists(f.Frame.Path)));
        Assert.Contains(observer.Warnings, w => w.Code == VideoErrorCode.VideoTruncated);
    }

    [FfmpegFact]
    public void TruncatedH264Mp4WithIndexAtTheFrontTerminates()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = Path.Combine(dir, "h264.mp4");
        TestClips.Run(TestClips.Ffmpeg!, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=10",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "250", "-pix_fmt", "yuv420p", "-movflags", "+faststart", video);
        var whole = Extract(video, Path.Combine(dir, "whole"));
        AssertSampling(whole, 1, 0.04, 10);

        var bytes = File.ReadAllBytes(video);
        File.WriteAllBytes(video, bytes[..(bytes.Length / 2)]); // the moov atom still announces 250 frames
        var observer = new Recorder();
        var cut = Extract(video, Path.Combine(dir, "cut"), observer: observer);
        Assert.InRange(cut.Count, 1, 9);
        AssertSampling(cut, 1, 0.04, cut.Count);
        Assert.Contains(observer.Warnings, w => w.Code == VideoErrorCode.VideoTruncated);
    }

    [Fact]
    public void CancellationStopsAndKeepsTheFramesWritten()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 250);
        var output = Path.Combine(dir, "frames");
        using var cts = new CancellationTokenSource();
        var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = output });
        var seen = new List<ExtractedFrame>();
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var f in extractor.Extract(video, null, cts.Token))
            {
                seen.Add(f);
                if (seen.Count == 3) cts.Cancel();
            }
        });
        Assert.Equal(3, seen.Count);
        Assert.Equal(3, Directory.GetFiles(output).Length);
    }

    [Theory]
    [InlineData(1920, 1080, 700, 500, 700, 394)]
    [InlineData(1080, 1920, 700, 500, 281, 500)]
    [InlineData(320, 240, 700, 500, 320, 240)]
    [InlineData(700, 500, 700, 500, 700, 500)]
    [InlineData(1400, 500, 700, 500, 700, 250)]
    [InlineData(4000, 3000, 0, 0, 4000, 3000)]
    [InlineData(4000, 3000, 0, 300, 400, 300)]
    [InlineData(10000, 10, 700, 500, 700, 1)]
    public void FitWithinKeepsAspectAndNeverUpscales(int w, int h, int maxW, int maxH, int ew, int eh)
    {
        Assert.Equal((ew, eh), VideoFrameExtractor.FitWithin(w, h, maxW, maxH));
    }

    [Theory]
    [InlineData(1280, 720, 700, 394)]
    [InlineData(360, 640, 281, 500)]
    [InlineData(240, 160, 240, 160)]
    public void WrittenFramesRespectTheLimits(int w, int h, int ew, int eh)
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "c.mp4"), 25, 20, w, h);
        var frames = Extract(video, Path.Combine(dir, "frames"), 1, format: VideoFrameFormat.Png);
        Assert.Equal(VideoFrameExtractor.Probe(video).Width, w);
        var f = Assert.Single(frames).Frame;
        Assert.Equal((ew, eh), (f.Width, f.Height));
        using var img = Cv2.ImRead(f.Path);
        Assert.Equal((ew, eh), (img.Width, img.Height));
        Assert.EndsWith(".png", f.Path);
    }

    [Fact]
    public void RerunReusesFramesForceRewritesAndNothingIsDeleted()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 100);
        var output = Path.Combine(dir, "frames");
        var first = Extract(video, output);
        Assert.Equal(4, first.Count);
        var userFile = Path.Combine(output, "mine.txt");
        File.WriteAllText(userFile, "keep me");
        var old = DateTime.UtcNow.AddHours(-1);
        foreach (var f in first) File.SetLastWriteTimeUtc(f.Frame.Path, old);
        // Tamper with one frame: a rerun without Force must keep it as is.
        File.WriteAllBytes(first[2].Frame.Path, [1, 2, 3]);
        File.SetLastWriteTimeUtc(first[2].Frame.Path, old);

        var second = Extract(video, output);
        Assert.All(second, r => Assert.Equal(FrameAction.Reused, r.Action));
        Assert.Equal(first.Select(f => f.Frame.Path), second.Select(f => f.Frame.Path));
        Assert.Equal(first.Select(f => f.Frame.Timestamp), second.Select(f => f.Frame.Timestamp));
        Assert.All(second, r => Assert.Equal(old, File.GetLastWriteTimeUtc(r.Frame.Path)));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(first[2].Frame.Path));

        var forced = Extract(video, output, force: true);
        Assert.All(forced, r => Assert.Equal(FrameAction.Written, r.Action));
        Assert.True(new FileInfo(first[2].Frame.Path).Length > 100);
        Assert.True(File.Exists(userFile));
        Assert.Equal(5, Directory.GetFiles(output).Length); // 4 frames + the user's file, no temp files left
    }

    [Fact]
    public void WhatIfWritesNothing()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 100);
        var output = Path.Combine(dir, "frames");
        var planned = Extract(video, output, whatIf: true);
        Assert.Equal(4, planned.Count);
        Assert.All(planned, r => Assert.Equal(FrameAction.Planned, r.Action));
        Assert.Equal(output, Path.GetDirectoryName(planned[3].Frame.Path));
        Assert.Matches("^clip_[0-9a-f]{8}_000003\\.jpg$", Path.GetFileName(planned[3].Frame.Path));
        Assert.Equal((320, 240), (planned[0].Frame.Width, planned[0].Frame.Height));
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void StartAndEndTimeSelectARange()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 250);
        var frames = Extract(video, Path.Combine(dir, "frames"), 2, start: TimeSpan.FromSeconds(3.2), end: TimeSpan.FromSeconds(6));
        Assert.Equal([7, 8, 9, 10, 11, 12], frames.Select(f => f.Frame.Index));
        Assert.All(frames, f => Assert.InRange(f.Frame.Timestamp.TotalSeconds, f.Frame.Index / 2.0 - 1e-6, f.Frame.Index / 2.0 + 0.04));
    }

    [Fact]
    public void FramesAreReturnedLazilyWithProgress()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 250);
        var output = Path.Combine(dir, "frames");
        var observer = new Recorder();
        var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = output });
        using var e = extractor.Extract(video, observer).GetEnumerator();
        Assert.True(e.MoveNext());
        Assert.True(File.Exists(e.Current.Frame.Path));
        Assert.Single(Directory.GetFiles(output)); // later frames not decoded yet
        while (e.MoveNext()) { }
        Assert.Equal(10, Directory.GetFiles(output).Length);
        Assert.NotEmpty(observer.Progress);
        Assert.Equal(1.0, observer.Progress[^1].Fraction!.Value, 0.01);
        Assert.Empty(observer.Warnings);
    }

    [Fact]
    public void ErrorsHaveStableCodes()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var options = new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(dir, "frames") };
        var extractor = new VideoFrameExtractor(options);
        var missing = Assert.Throws<VideoException>(() => extractor.Extract(Path.Combine(dir, "none.mp4")));
        Assert.Equal(VideoErrorCode.VideoNotFound, missing.Code);

        var text = Path.Combine(dir, "notes.mp4");
        File.WriteAllText(text, "this is not a video\n");
        var notVideo = Assert.Throws<VideoException>(() => extractor.Extract(text).ToList());
        Assert.Contains(notVideo.Code, new[] { VideoErrorCode.VideoOpenFailed, VideoErrorCode.VideoCodecUnsupported });

        Assert.Throws<ArgumentOutOfRangeException>(() => new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = dir, FramesPerSecond = 0 }));
    }
}
