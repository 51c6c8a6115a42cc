using FaceCluster.Recognition;
using FaceCluster.Store;
using FaceCluster.Video;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Recognition;

/// <summary>
/// The staged pipeline against FaceEncoder.Encode one image at a time, on real frames: 1280x720 footage of three demo
/// photos (one cut between each), extracted at 1 fps with full-resolution copies, encoded with the real models.
/// </summary>
public sealed class EncodingPipelineTests : IClassFixture<EncodingPipelineTests.Frames>
{
    /// <summary>The extracted frames, made once for the class (rendering and extraction take a few seconds).</summary>
    public sealed class Frames : IDisposable
    {
        public string Directory { get; } = TestEnvironment.NewTempDirectory();
        public IReadOnlyList<VideoFrame> All { get; }

        public Frames()
        {
            var video = Path.Combine(Directory, "three.mp4");
            SampleFootage.Create([TestEnvironment.DemoPhoto(1), TestEnvironment.DemoPhoto(2), TestEnvironment.DemoPhoto(3)], video,
                new SampleFootageOptions { Width = 1280, Height = 720, SecondsPerPhoto = 2 });
            All = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(Directory, "frames") })
                .Extract(video).Select(f => f.Frame).ToList();
        }

        public void Dispose()
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private readonly Frames frames;
    private readonly ITestOutputHelper output;

    public EncodingPipelineTests(Frames frames, ITestOutputHelper output)
    {
        this.frames = frames;
        this.output = output;
    }

    private static FrameSource Source(VideoFrame f) => new(f.VideoPath, f.Index, f.Timestamp, f.FullResolutionPath, f.Shot);

    private static FaceEncoder Encoder(int workers, string? cache = null) => new(new FaceEncoderOptions
    {
        ModelDirectory = TestEnvironment.ModelDirectory,
        DegreeOfParallelism = workers,
        CacheDirectory = cache,
    });

    private static List<WorkResultView> RunStaged(FaceEncoder encoder, int workers, int capacity, IEnumerable<EncodingRequest> requests)
    {
        var pipeline = new EncodingPipeline(encoder, workers, capacity, CancellationToken.None);
        var results = new List<WorkResultView>();
        foreach (var request in requests)
        {
            results.AddRange(pipeline.Post(request).Select(r => new WorkResultView(r.Input.Path, r.Output, r.Error)));
        }
        results.AddRange(pipeline.Complete().Select(r => new WorkResultView(r.Input.Path, r.Output, r.Error)));
        Assert.True(pipeline.WorkersEnded);
        return results;
    }

    private sealed record WorkResultView(string Path, ImageEncodingResult? Output, Exception? Error);

    private static void AssertSameFaces(IReadOnlyList<FaceEncoding> expected, IReadOnlyList<FaceEncoding> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal(e.Id, a.Id);
            Assert.Equal(e.Path, a.Path);
            Assert.Equal(e.Box, a.Box);
            Assert.Equal(e.Landmarks, a.Landmarks);
            Assert.Equal(e.Confidence, a.Confidence);
            Assert.Equal(e.Descriptor, a.Descriptor); // bit for bit, not within a tolerance
            Assert.Equal(e.Quality, a.Quality);
            Assert.Equal(e.FullResolutionPath, a.FullResolutionPath);
            Assert.Equal((e.VideoPath, e.FrameIndex, e.Timestamp, e.Shot), (a.VideoPath, a.FrameIndex, a.Timestamp, a.Shot));
        }
    }

    [Fact]
    public void Staged_gives_the_faces_ids_and_descriptors_of_one_image_at_a_time_in_input_order()
    {
        Assert.Equal(6, frames.All.Count);
        Assert.All(frames.All, f => Assert.NotNull(f.FullResolutionPath));
        Assert.Equal([0, 0, 1, 1, 2, 2], frames.All.Select(f => f.Shot));

        var sequential = Encoder(1);
        var expected = frames.All.SelectMany(f => sequential.Encode(f.Path, Source(f)).Faces).ToList();
        Assert.True(expected.Count >= 10, $"only {expected.Count} faces in six frames of three demo photos");
        Assert.All(expected, f => Assert.NotNull(f.FullResolutionPath));

        // The frames twice over, so that several images of each kind are in flight at once and finish out of order.
        var requests = frames.All.Concat(frames.All).Select(f => new EncodingRequest(f.Path, Source(f))).ToList();
        foreach (var (workers, capacity) in new[] { (1, 1), (2, 4), (3, 3) })
        {
            var results = RunStaged(Encoder(workers), workers, capacity, requests);
            Assert.Equal(requests.Select(r => r.Path), results.Select(r => r.Path));
            Assert.All(results, r => Assert.Null(r.Error));
            var faces = results.SelectMany(r => r.Output!.Faces).ToList();
            AssertSameFaces(expected.Concat(expected).ToList(), faces);
            output.WriteLine($"{workers} workers, capacity {capacity}: {faces.Count} faces, the same as one image at a time");
        }
    }

    [Fact]
    public void Bad_inputs_fail_alone_in_their_place_and_cache_hits_come_back_in_order()
    {
        string dir = TestEnvironment.NewTempDirectory();
        try
        {
            string corrupt = Path.Combine(dir, "corrupt.jpg");
            File.WriteAllBytes(corrupt, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
            string missing = Path.Combine(dir, "missing.jpg");
            var good = frames.All.Take(3).ToList();
            var requests = new List<EncodingRequest>
            {
                new(good[0].Path, Source(good[0])), new(corrupt), new(good[1].Path, Source(good[1])), new(missing), new(good[2].Path, Source(good[2])),
            };
            string cache = Path.Combine(dir, "cache");
            var first = RunStaged(Encoder(2, cache), 2, 4, requests);
            Assert.Equal(requests.Select(r => r.Path), first.Select(r => r.Path));
            Assert.IsType<Imaging.ImageDecodeException>(first[1].Error);
            Assert.IsType<FileNotFoundException>(first[3].Error);
            foreach (int i in new[] { 0, 2, 4 })
            {
                Assert.Null(first[i].Error);
                Assert.False(first[i].Output!.FromCache);
            }

            // A rerun takes the good frames from the cache: the same faces, in the same places.
            var second = RunStaged(Encoder(2, cache), 2, 4, requests);
            foreach (int i in new[] { 0, 2, 4 })
            {
                Assert.True(second[i].Output!.FromCache);
                AssertSameFaces(first[i].Output!.Faces, second[i].Output!.Faces);
            }
            Assert.IsType<Imaging.ImageDecodeException>(second[1].Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Stop_cancels_and_waits_for_the_workers()
    {
        var pipeline = new EncodingPipeline(Encoder(2), 2, 4, CancellationToken.None);
        var requests = Enumerable.Range(0, 40).Select(i => frames.All[i % frames.All.Count]).Select(f => new EncodingRequest(f.Path, Source(f))).ToList();
        foreach (var request in requests.Take(6)) pipeline.Post(request);
        pipeline.Stop();
        // Once Stop returns no worker is left running, and nothing more can be posted or awaited.
        Assert.True(pipeline.WorkersEnded);
        Assert.Throws<OperationCanceledException>(() => pipeline.Post(requests[6]));
        Assert.Throws<OperationCanceledException>(() => pipeline.Complete().ToList());
        pipeline.Stop(); // twice is harmless (StopProcessing, then Dispose)
    }

    [Fact]
    public void A_frame_without_faces_never_decodes_its_full_resolution_copy()
    {
        string dir = TestEnvironment.NewTempDirectory();
        try
        {
            // A blank frame whose "full-resolution copy" is not an image: only decoding it could fail.
            string blank = Path.Combine(dir, "blank.png");
            using (var mat = new OpenCvSharp.Mat(394, 700, OpenCvSharp.MatType.CV_8UC3, new OpenCvSharp.Scalar(40, 120, 200)))
                OpenCvSharp.Cv2.ImWrite(blank, mat);
            string notAnImage = Path.Combine(dir, "full.jpg");
            File.WriteAllText(notAnImage, "not a jpeg");
            var results = RunStaged(Encoder(1), 1, 2, [new EncodingRequest(blank, new FrameSource("v.mp4", 0, TimeSpan.Zero, notAnImage))]);
            Assert.Null(results[0].Error);
            Assert.Empty(results[0].Output!.Faces);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
