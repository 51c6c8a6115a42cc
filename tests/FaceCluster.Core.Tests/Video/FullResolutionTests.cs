using FaceCluster.Alignment;
using FaceCluster.Dataset;
using FaceCluster.Recognition;
using FaceCluster.Store;
using FaceCluster.Video;
using OpenCvSharp;
using FrameSource = FaceCluster.Recognition.FrameSource;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Video;

/// <summary>
/// Frames capped at 700x500 for detection, with full-resolution copies for the chips: 2 s of demo photo 1 rendered at
/// 1280x720 (two 1-fps frames), extracted and encoded with the real models.
/// </summary>
public sealed class FullResolutionTests : IDisposable
{
    private readonly string dir = TestEnvironment.NewTempDirectory();
    private readonly ITestOutputHelper output;
    private readonly string video;

    public FullResolutionTests(ITestOutputHelper output)
    {
        this.output = output;
        video = Path.Combine(dir, "hd.mp4");
        SampleFootage.Create([TestEnvironment.DemoPhoto(1)], video, new SampleFootageOptions { Width = 1280, Height = 720, SecondsPerPhoto = 2 });
    }

    public void Dispose()
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private List<ExtractedFrame> Extract(string folder, bool full = true, bool force = false, bool whatIf = false) =>
        new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(dir, folder), FullResolution = full, Force = force, WhatIf = whatIf })
            .Extract(video).ToList();

    [Fact]
    public void Scaled_frames_get_a_full_resolution_copy_that_resumes_like_the_frames()
    {
        var plan = Extract("frames", whatIf: true);
        Assert.All(plan, f => Assert.Equal(FrameAction.Planned, f.Action));
        Assert.All(plan, f => Assert.NotNull(f.Frame.FullResolutionPath));
        Assert.False(Directory.Exists(Path.Combine(dir, "frames")));

        var first = Extract("frames");
        Assert.Equal(2, first.Count);
        foreach (var (frame, action) in first)
        {
            Assert.Equal(FrameAction.Written, action);
            Assert.Equal((700, 394), (frame.Width, frame.Height));
            Assert.Equal(VideoFrameExtractor.FullResolutionPath(frame.Path), frame.FullResolutionPath);
            Assert.Equal(Path.Combine(Path.GetDirectoryName(frame.Path)!, "full", Path.GetFileName(frame.Path)), frame.FullResolutionPath);
            using var image = Cv2.ImRead(frame.FullResolutionPath!);
            Assert.Equal((1280, 720), (image.Width, image.Height));
        }
        // Only the frames are in the frames folder (a glob over it does not pick the copies up), and no temp file is left.
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "frames")).Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "frames", "full")).Length);

        var again = Extract("frames");
        Assert.All(again, f => Assert.Equal(FrameAction.Reused, f.Action));
        Assert.Equal(first.Select(f => f.Frame.FullResolutionPath), again.Select(f => f.Frame.FullResolutionPath));

        // A missing copy is written again without touching the frame.
        var missing = first[1].Frame;
        var stamp = File.GetLastWriteTimeUtc(missing.Path);
        File.Delete(missing.FullResolutionPath!);
        var resumed = Extract("frames");
        Assert.Equal([FrameAction.Reused, FrameAction.Written], resumed.Select(f => f.Action));
        Assert.True(File.Exists(missing.FullResolutionPath));
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(missing.Path));

        var off = Extract("small", full: false);
        Assert.All(off, f => Assert.Null(f.Frame.FullResolutionPath));
        Assert.False(Directory.Exists(Path.Combine(dir, "small", "full")));

        var disk = first.Sum(f => new FileInfo(f.Frame.FullResolutionPath!).Length) / 2.0;
        output.WriteLine($"full-resolution copy: {disk / 1e3:0} kB per 1280x720 frame, frame {first.Average(f => new FileInfo(f.Frame.Path).Length) / 1e3:0} kB");
    }

    [Fact]
    public void Faces_are_found_on_the_frame_and_described_from_the_full_resolution_copy()
    {
        var frames = Extract("frames").Select(f => f.Frame).ToList();
        var encoder = new FaceEncoder(new FaceEncoderOptions { Model = global::FaceCluster.Models.DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, DegreeOfParallelism = 2 });
        var capped = new FaceEncoder(new FaceEncoderOptions { Model = global::FaceCluster.Models.DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, DegreeOfParallelism = 2, UseFullResolution = false });
        foreach (var frame in frames)
        {
            var source = new FrameSource(video, frame.Index, frame.Timestamp, frame.FullResolutionPath);
            var full = encoder.Encode(frame.Path, source).Faces;
            var small = capped.Encode(frame.Path, source).Faces;
            Assert.NotEmpty(full);
            Assert.Equal(small.Select(f => f.Id), full.Select(f => f.Id)); // same detections, same ids
            for (int i = 0; i < full.Count; i++)
            {
                var f = full[i];
                Assert.Equal(frame.FullResolutionPath, f.FullResolutionPath);
                Assert.Equal((1280, 720), (f.FullResolutionWidth, f.FullResolutionHeight));
                Assert.Equal(f.PixelPath, f.FullResolutionPath);
                Assert.Equal(f.Box.Width * 1280.0 / 700, f.PixelBox.Width, 1);
                Assert.Equal(f.PixelBox.Width, f.Quality!.FaceSize, 3);
                Assert.Null(small[i].FullResolutionPath);
                Assert.Equal(small[i].Path, small[i].PixelPath);
                double d = FaceDistance.Euclidean(f.Descriptor, small[i].Descriptor);
                output.WriteLine($"{frame.Index} {f.Box}: {f.PixelBox.Width:0} px in the full frame, sharpness {small[i].Sharpness:0} -> {f.Sharpness:0}, descriptor moved {d:0.000}");
                Assert.InRange(d, 0.0, 0.35);
                Assert.True(f.Sharpness > small[i].Sharpness, "the chip from the full frame is not sharper");
            }

            // The store keeps where the pixels came from and the quality; stores without them still load.
            var store = Path.Combine(dir, $"faces{frame.Index}.jsonl");
            EncodingStoreWriter.WriteAll(store, encoder.ModelName, full);
            var back = EncodingStoreReader.ReadAll(store).ToList();
            Assert.Equal(full.Select(f => (f.FullResolutionPath, f.FullResolutionWidth, f.FullResolutionHeight, f.Quality)),
                         back.Select(f => (f.FullResolutionPath, f.FullResolutionWidth, f.FullResolutionHeight, f.Quality)));
            var old = Path.Combine(dir, $"old{frame.Index}.jsonl");
            EncodingStoreWriter.WriteAll(old, encoder.ModelName, small.Select(f => f.WithSource(f.Id, f.Path, f.VideoPath, f.FrameIndex, f.Timestamp)));
            var lines = File.ReadAllLines(old).Select(l => System.Text.RegularExpressions.Regex.Replace(l, ",\"quality\":\\{[^}]*\\}", "")).ToArray();
            File.WriteAllLines(old, lines);
            Assert.All(EncodingStoreReader.ReadAll(old), f => Assert.Null(f.Quality));
        }

        // The dataset's portraits and chips come from the full-resolution frame.
        var faces = frames.SelectMany(f => encoder.Encode(f.Path, new FrameSource(video, f.Index, f.Timestamp, f.FullResolutionPath)).Faces).ToList();
        var root = Path.Combine(dir, "dataset");
        new DatasetWriter(new DatasetWriterOptions { OutputDirectory = root, Aligner = (image, marks) => FaceAligner.Align(image, marks) })
            .Write(FaceClusterer.Cluster(faces, new ClusteringOptions { DegreeOfParallelism = 2 }));
        var manifest = DatasetReader.Read(root);
        Assert.All(manifest.Manifest.Faces, row => Assert.NotNull(row.FullResolutionPath));
        var biggest = faces.OrderByDescending(f => f.Box.Width).First();
        var row = manifest.Manifest.Faces.Single(r => r.FaceId == biggest.Id);
        using var portrait = Cv2.ImRead(Path.Combine(root, row.Portrait!));
        using var chip = Cv2.ImRead(Path.Combine(root, row.Chip!));
        using var expectedChip = FaceAligner.Align(Cv2.ImRead(biggest.FullResolutionPath!), biggest.PixelLandmarks);
        Assert.Equal(0, Cv2.Norm(chip, expectedChip, NormTypes.INF), 0); // PNG: the same pixels
        output.WriteLine($"portrait {portrait.Width}x{portrait.Height} of a {biggest.PixelBox.Width:0} px face (capped frame: {biggest.Box.Width:0} px)");
    }
}
