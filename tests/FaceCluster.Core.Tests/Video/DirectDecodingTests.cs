using System.Runtime.InteropServices;
using FaceCluster.Video;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Video;

/// <summary>
/// The direct FFmpeg decoder (<see cref="FfmpegDecoder"/>) against OpenCV's capture on the same files: frames, timestamps,
/// BGR, the pixels cut detection reads, and whole extractions (files, timestamps, shots). These fail when an OpenCvSharp
/// runtime update moves FFmpeg's structs or stops exporting it, since the decoder must then be active and equal.
/// </summary>
public sealed class DirectDecodingTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = TestEnvironment.NewTempDirectory();

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private sealed class Verbose : IVideoExtractionObserver
    {
        public List<string> Messages { get; } = [];
        public void OnVerbose(string message) => Messages.Add(message);
    }

    private static bool LinuxX64 => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [Fact]
    public void The_runtime_exports_the_FFmpeg_the_decoder_was_written_for()
    {
        // On Linux x64 OpenCvSharp's runtime links FFmpeg 7.x and exports it; elsewhere the capture is used.
        if (LinuxX64) Assert.True(FfmpegDecoder.Unavailable is null, $"direct decoding unavailable: {FfmpegDecoder.Unavailable}");
        else Assert.NotNull(FfmpegDecoder.Unavailable);
    }

    /// <summary>Demo photos as footage (pans, zooms, a cut) at 1280x720, and a drawn clip at a width that is no multiple of 16.</summary>
    public static TheoryData<string> Clips => new() { "footage", "drawn" };

    private string Clip(string kind)
    {
        var video = Path.Combine(dir, kind + ".mp4");
        if (kind == "footage")
            SampleFootage.Create([TestEnvironment.DemoPhoto(1), TestEnvironment.DemoPhoto(2)], video,
                new SampleFootageOptions { Width = 1280, Height = 720, SecondsPerPhoto = 1.5 });
        else TestClips.Write(video, 25, 40, 328, 184);
        return video;
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Every_frame_has_the_capture_s_timestamp_and_pixels(string kind)
    {
        var video = Clip(kind);
        using var capture = new VideoCapture(video, VideoCaptureAPIs.FFMPEG);
        using var decoder = FfmpegDecoder.Open(video, 0, out string why);
        Assert.True(decoder is not null, why);
        using var expected = new Mat();
        using var actual = new Mat();
        using var small = new Mat();
        using var expectedSmall = new Mat();
        int frames = 0;
        double worstSmall = 0;
        while (true)
        {
            bool a = capture.Grab(), b = decoder.Next();
            Assert.Equal(a, b);
            if (!a) break;
            Assert.Equal(capture.Get(VideoCaptureProperties.PosMsec), decoder.PositionMs);
            Assert.True(capture.Retrieve(expected));
            decoder.Bgr(actual);
            Assert.Equal(0, Cv2.Norm(expected, actual, NormTypes.INF));

            // What cut detection reads: the capture's frame resized by nearest pixel, bit for bit (even heights: swscale's unscaled conversion).
            var size = ShotDetector.AnalysisSize(expected.Width, expected.Height);
            Cv2.Resize(expected, expectedSmall, size, 0, 0, InterpolationFlags.Nearest);
            decoder.SmallBgr(small, size.Width, size.Height);
            worstSmall = Math.Max(worstSmall, Cv2.Norm(expectedSmall, small, NormTypes.INF));
            frames++;
        }
        output.WriteLine($"{kind}: {frames} frames equal; analysis pixels at most {worstSmall} levels from the capture's");
        Assert.True(frames >= 37, $"{frames} frames");
        Assert.Equal(0, worstSmall);
    }

    private (List<ExtractedFrame> Frames, List<string> Verbose) Extract(string video, string folder, bool direct, TimeSpan? start = null)
    {
        var observer = new Verbose();
        var frames = new VideoFrameExtractor(new VideoFrameExtractorOptions
        {
            OutputDirectory = Path.Combine(dir, folder), FramesPerSecond = 4, DirectDecoding = direct, StartTime = start,
        }).Extract(video, observer).ToList();
        return (frames, observer.Messages);
    }

    [Theory]
    [MemberData(nameof(Clips))]
    public void Extraction_writes_the_same_files_times_and_shots_with_either_decoder(string kind)
    {
        var video = Clip(kind);
        var (direct, directLog) = Extract(video, "direct", direct: true);
        var (capture, captureLog) = Extract(video, "capture", direct: false);
        // Decoded directly, and cut detection reading the planes (its pixels equal the capture's on this video).
        Assert.Contains(directLog, m => m.Contains("FFmpeg, decoded directly (BGR only for the frames written)", StringComparison.Ordinal));
        Assert.Contains(captureLog, m => m.Contains("OpenCV VideoCapture (direct decoding is off)", StringComparison.Ordinal));
        Assert.Equal(capture.Count, direct.Count);
        Assert.True(direct.Count >= 6, $"{direct.Count} frames");
        for (int i = 0; i < direct.Count; i++)
        {
            var (d, c) = (direct[i].Frame, capture[i].Frame);
            Assert.Equal(c.Timestamp, d.Timestamp);
            Assert.Equal(c.Shot, d.Shot);
            Assert.Equal(File.ReadAllBytes(c.Path), File.ReadAllBytes(d.Path));
            Assert.Equal(c.FullResolutionPath is null, d.FullResolutionPath is null);
            if (c.FullResolutionPath is not null) Assert.Equal(File.ReadAllBytes(c.FullResolutionPath), File.ReadAllBytes(d.FullResolutionPath!));
        }
        // The footage has one cut (photo 1 to photo 2), found by both.
        if (kind == "footage") Assert.Equal(1, direct[^1].Frame.Shot);
    }

    [Fact]
    public void A_start_time_that_needs_a_seek_goes_through_the_capture()
    {
        var video = TestClips.Write(Path.Combine(dir, "long.mp4"), 25, 150);
        var (frames, log) = Extract(video, "seek", direct: true, start: TimeSpan.FromSeconds(4));
        Assert.Contains(log, m => m.Contains("OpenCV VideoCapture (it seeks", StringComparison.Ordinal));
        Assert.Equal(TimeSpan.FromSeconds(4), frames[0].Frame.Timestamp);
    }

    /// <summary>Codecs and containers cameras and phones write, with an audio track interleaved, made by the ffmpeg CLI
    /// from a moving test pattern with two hard cuts (testsrc, then smptebars, then testsrc2).</summary>
    [FfmpegTheory]
    [InlineData("h264-aac.mp4", "-c:v libx264 -preset ultrafast -bf 2 -g 48 -pix_fmt yuv420p -c:a aac", true)]
    [InlineData("hevc.mkv", "-c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p -c:a aac", true)]
    // WebM with Opus audio starting 7 ms before the video: OpenCV puts frame 0 at 14 ms where the video stream's pts
    // from its start time gives 0, so the check sends this file through the capture (seen, not explained: OpenCV's
    // frames are the reference). Either way the frames must be the capture's.
    [InlineData("vp9.webm", "-c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p -c:a libopus", null)]
    [InlineData("mjpeg.avi", "-c:v mjpeg -q:v 4 -c:a pcm_s16le", false)]
    public void Camera_codecs_give_the_same_extraction_with_either_decoder(string name, string codec, bool? direct)
    {
        var video = Path.Combine(dir, name);
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30:duration=2",
            "-f", "lavfi", "-i", "smptebars=size=320x240:rate=30:duration=2",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=6",
            "-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]", "-map", "[v]", "-map", "3:a" };
        args.AddRange(codec.Split(' '));
        args.Add(video);
        TestClips.Run(TestClips.Ffmpeg!, [.. args]);
        var (viaDirect, log) = Extract(video, name + "-direct", direct: true);
        var (viaCapture, _) = Extract(video, name + "-capture", direct: false);
        if (direct is { } expected) Assert.Contains(log, m => m.Contains(expected ? "FFmpeg, decoded directly" : "OpenCV VideoCapture (", StringComparison.Ordinal));
        Assert.Equal(24, viaCapture.Count);
        Assert.Equal(viaCapture.Select(f => (f.Frame.Timestamp, f.Frame.Shot)), viaDirect.Select(f => (f.Frame.Timestamp, f.Frame.Shot)));
        Assert.Equal(viaCapture.Select(f => File.ReadAllBytes(f.Frame.Path)), viaDirect.Select(f => File.ReadAllBytes(f.Frame.Path)));
        // Two cuts, found by both.
        Assert.Equal(2, viaDirect[^1].Frame.Shot);
    }

    [FfmpegFact]
    public void A_rotated_video_falls_back_to_the_capture_which_turns_it_upright()
    {
        var plain = TestClips.Write(Path.Combine(dir, "plain.mp4"), 25, 50, 320, 240);
        var rotated = Path.Combine(dir, "rotated.mp4");
        // A display matrix, as phones write it (ffmpeg 5's way of setting one; later versions also take -display_rotation).
        TestClips.Run(TestClips.Ffmpeg!, "-hide_banner", "-loglevel", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated);
        var (frames, log) = Extract(rotated, "rotated", direct: true);
        Assert.Contains(log, m => m.Contains("OpenCV VideoCapture (rotated ", StringComparison.Ordinal));
        Assert.Equal((240, 320), (frames[0].Frame.Width, frames[0].Frame.Height));
    }

    [FfmpegFact]
    public void A_pixel_format_other_than_yuv420p_falls_back_to_the_capture()
    {
        var video = Path.Combine(dir, "yuv444.mp4");
        TestClips.Run(TestClips.Ffmpeg!, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", video);
        var (direct, log) = Extract(video, "444", direct: true);
        Assert.Contains(log, m => m.Contains("only yuv420p", StringComparison.Ordinal));
        var (capture, _) = Extract(video, "444-capture", direct: false);
        Assert.Equal(capture.Select(f => File.ReadAllBytes(f.Frame.Path)), direct.Select(f => File.ReadAllBytes(f.Frame.Path)));
    }
}
