using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Tests.Video;

public class SampleFootageTests
{
    /// <summary>A photo with one bright green square (the "face") at a known place.</summary>
    private static string Photo(string dir, int n, int width, int height, Rect square)
    {
        using var img = new Mat(height, width, MatType.CV_8UC3, new Scalar(60, 40, 30 + 40 * n));
        Cv2.Rectangle(img, square, new Scalar(0, 255, 0), -1);
        var path = Path.Combine(dir, $"photo{n}.png");
        Cv2.ImWrite(path, img);
        return path;
    }

    private static Rect FindGreen(Mat frame)
    {
        using var mask = new Mat();
        Cv2.InRange(frame, new Scalar(0, 200, 0), new Scalar(80, 255, 80), mask);
        return Cv2.BoundingRect(mask);
    }

    [Fact]
    public void TruthMapsFrameBoxesBackToThePhoto()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var squares = new[] { new Rect(500, 300, 120, 120), new Rect(200, 420, 90, 90) };
        var photos = new[] { Photo(dir, 0, 1200, 900, squares[0]), Photo(dir, 1, 900, 1200, squares[1]) };
        var video = Path.Combine(dir, "sample.mp4");
        var options = new SampleFootageOptions { Width = 640, Height = 360, SecondsPerPhoto = 2, FramesPerSecond = 25 };
        var truth = SampleFootage.Create(photos, video, options);

        Assert.True(File.Exists(video));
        Assert.True(File.Exists(video + ".truth.json"));
        Assert.Equal(100, truth.Frames.Count);
        var loaded = SampleFootageTruth.Load(SampleFootage.TruthPath(video));
        Assert.Equal(truth.Frames.Count, loaded.Frames.Count);
        Assert.Equal(truth.Frames[57].Transform, loaded.Frames[57].Transform);
        Assert.Equal(1, loaded.Frames[57].Photo);

        // Sample at 2 fps into 480-wide images and find the square in each; it must map back onto the photo's square.
        var frames = new VideoFrameExtractor(new VideoFrameExtractorOptions
        {
            OutputDirectory = Path.Combine(dir, "frames"), FramesPerSecond = 2, MaxWidth = 480, MaxHeight = 480, Format = VideoFrameFormat.Png,
        }).Extract(video).ToList();
        Assert.Equal(8, frames.Count);
        foreach (var f in frames.Select(x => x.Frame))
        {
            using var img = Cv2.ImRead(f.Path);
            Assert.Equal((480, 270), (img.Width, img.Height));
            var found = FindGreen(img);
            Assert.True(found.Width > 5, $"square not visible in {f.Path}");
            var mapped = loaded.MapToPhoto(f.Timestamp, new FaceBox(found.X, found.Y, found.Width, found.Height), img.Width, img.Height);
            Assert.NotNull(mapped);
            int photoIndex = f.Timestamp < TimeSpan.FromSeconds(2) ? 0 : 1;
            Assert.Equal(Path.GetFullPath(photos[photoIndex]), mapped.Value.Photo.Path);
            var expected = squares[photoIndex];
            var iou = mapped.Value.Box.IntersectionOverUnion(new FaceBox(expected.X, expected.Y, expected.Width, expected.Height));
            Assert.True(iou > 0.8, $"{f.Path}: mapped {mapped.Value.Box} vs {expected} IoU {iou}");
        }
    }

    [Fact]
    public void MappingRoundTripsAndIsDeterministic()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var photos = new[] { Photo(dir, 0, 800, 600, new Rect(100, 100, 50, 50)) };
        var options = new SampleFootageOptions { Width = 320, Height = 180, SecondsPerPhoto = 1 };
        var a = SampleFootage.Create(photos, Path.Combine(dir, "a.mp4"), options);
        var b = SampleFootage.Create(photos, Path.Combine(dir, "b.mp4"), options);
        Assert.Equal(a.Frames.SelectMany(f => f.Transform), b.Frames.SelectMany(f => f.Transform));

        var box = new FaceBox(300, 250, 60, 70);
        var inFrame = a.MapToFrame(10, box);
        var back = a.MapToPhoto(10, inFrame)!.Value.Box;
        Assert.Equal(box.X, back.X, 0.01f);
        Assert.Equal(box.Y, back.Y, 0.01f);
        Assert.Equal(box.Width, back.Width, 0.01f);
        Assert.Equal(box.Height, back.Height, 0.01f);

        Assert.Throws<VideoException>(() => SampleFootage.Create(photos, Path.Combine(dir, "a.mp4"), options));
        SampleFootage.Create(photos, Path.Combine(dir, "a.mp4"), new SampleFootageOptions { Width = 320, Height = 180, SecondsPerPhoto = 1, Force = true });
    }

    [Fact]
    public void DemoPhotosMakeFootage()
    {
        if (!File.Exists(TestEnvironment.DemoPhoto(1))) return; // the npm demo photos are fetched by the build
        var dir = TestEnvironment.NewTempDirectory();
        var video = Path.Combine(dir, "demo.mp4");
        var truth = SampleFootage.Create([TestEnvironment.DemoPhoto(1), TestEnvironment.DemoPhoto(2)], video,
            new SampleFootageOptions { SecondsPerPhoto = 1 });
        var info = VideoFrameExtractor.Probe(video);
        Assert.Equal((960, 540), (info.Width, info.Height));
        Assert.Equal(50, truth.Frames.Count);
        Assert.Equal(2, truth.Photos.Count);
    }
}
