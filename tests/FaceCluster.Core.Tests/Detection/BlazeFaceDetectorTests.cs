using System.Diagnostics;
using FaceCluster.Detection;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Detection;

public sealed class BlazeFaceDetectorTests(DetectorFixture fixture, ITestOutputHelper output) : IClassFixture<DetectorFixture>
{
    private BlazeFaceDetector Detector => fixture.Detector;

    [Fact]
    public void Every_annotated_demo_face_is_found_exactly_once_and_nothing_else()
    {
        int found = 0, falsePositives = 0;
        var problems = new List<string>();
        for (int photo = 1; photo <= 6; photo++)
        {
            using var image = DemoFaces.Load(photo);
            var truth = DemoFaces.For(photo);
            var stopwatch = Stopwatch.StartNew();
            var faces = Detector.Detect(image);
            stopwatch.Stop();
            output.WriteLine($"sample{photo}.jpg {image.Width}x{image.Height}: {faces.Count} faces in {stopwatch.ElapsedMilliseconds} ms");
            foreach (var f in faces) output.WriteLine($"    {f}");

            foreach (var box in truth)
            {
                int matches = faces.Count(f => f.Box.IntersectionOverUnion(box) >= 0.5f);
                if (matches == 1) found++;
                else problems.Add($"sample{photo}: annotated face {box} matched {matches} detections");
            }

            foreach (var f in faces.Where(f => !truth.Any(t => f.Box.IntersectionOverUnion(t) >= 0.5f)))
            {
                falsePositives++;
                problems.Add($"sample{photo}: false positive {f}");
            }
        }

        output.WriteLine($"found {found}/{DemoFaces.Total}, false positives {falsePositives}");
        Assert.Equal(22, DemoFaces.Total);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Results_are_ordered_top_to_bottom_and_landmarks_are_from_the_subjects_point_of_view()
    {
        using var image = DemoFaces.Load(5);
        var faces = Detector.Detect(image);
        Assert.Equal(faces.OrderBy(f => MathF.Round(f.Box.CenterY)).ThenBy(f => MathF.Round(f.Box.CenterX)), faces);
        foreach (var f in faces)
        {
            // upright, camera-facing people: their right eye is on the image's left
            Assert.True(f.Landmarks.RightEye.X < f.Landmarks.LeftEye.X, f.ToString());
            Assert.True(f.Landmarks.Mouth.Y > f.Landmarks.NoseTip.Y, f.ToString());
            Assert.InRange(f.Confidence, 0.5f, 1f);
        }
    }

    [Fact]
    public void A_tight_face_crop_yields_exactly_one_face_through_the_padded_retry()
    {
        using var image = DemoFaces.Load(1);
        var truth = DemoFaces.For(1).OrderBy(b => b.X).Last(); // the woman on the right
        int margin = (int)(truth.Width * 0.1f);
        var rect = new Rect((int)truth.X - margin, (int)truth.Y - margin, (int)truth.Width + 2 * margin, (int)truth.Height + 2 * margin);
        using var crop = new Mat(image, rect).Clone();

        Assert.Empty(Detector.Detect(crop, new DetectionOptions { PaddedRetry = false }));
        var faces = Detector.Detect(crop);
        var face = Assert.Single(faces);
        var expected = new FaceBox(truth.X - rect.X, truth.Y - rect.Y, truth.Width, truth.Height);
        output.WriteLine($"crop {crop.Width}x{crop.Height}: {face}, expected about {expected}");
        Assert.True(face.Box.IntersectionOverUnion(expected) >= 0.5f, $"{face.Box} vs {expected}");
        Assert.True(face.Box.X >= 0 && face.Box.Y >= 0 && face.Box.Right <= crop.Width && face.Box.Bottom <= crop.Height, "box is clipped to the image");
    }

    [Fact]
    public void Small_faces_in_a_large_frame_are_found_by_the_tiled_search()
    {
        using var image = DemoFaces.Load(1);
        const double scale = 0.25; // faces of 40-52 px
        using var small = new Mat();
        Cv2.Resize(image, small, new Size(0, 0), scale, scale, InterpolationFlags.Area);
        using var frame = new Mat(1080, 1920, MatType.CV_8UC3, new Scalar(110, 120, 130));
        var at = new Point(1100, 600);
        using (var target = new Mat(frame, new Rect(at.X, at.Y, small.Width, small.Height))) small.CopyTo(target);
        var expected = DemoFaces.For(1).Select(b => new FaceBox(
            (float)(b.X * scale + at.X), (float)(b.Y * scale + at.Y), (float)(b.Width * scale), (float)(b.Height * scale))).ToArray();

        Assert.Empty(Detector.Detect(frame, new DetectionOptions { SmallestFace = 0, PaddedRetry = false }));
        var stopwatch = Stopwatch.StartNew();
        var faces = Detector.Detect(frame);
        output.WriteLine($"1920x1080 frame: {string.Join("; ", faces)} in {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(expected.Length, faces.Count);
        foreach (var box in expected)
        {
            Assert.Single(faces, f => f.Box.IntersectionOverUnion(box) >= 0.5f);
        }
    }

    [Fact]
    public void Options_filter_by_size_count_and_confidence()
    {
        using var image = DemoFaces.Load(5);
        var all = Detector.Detect(image, new DetectionOptions { SmallestFace = 0 });
        Assert.Equal(5, all.Count);

        var two = Detector.Detect(image, new DetectionOptions { SmallestFace = 0, MaxFaces = 2 });
        Assert.Equal(2, two.Count);
        Assert.All(two, f => Assert.True(f.Confidence >= all.OrderByDescending(a => a.Confidence).ElementAt(1).Confidence - 1e-6f));

        var big = Detector.Detect(image, new DetectionOptions { SmallestFace = 0, MinFaceSize = 230 });
        Assert.All(big, f => Assert.True(f.Box.Width >= 230));
        Assert.True(big.Count < all.Count);

        Assert.Empty(Detector.Detect(image, new DetectionOptions { SmallestFace = 0, MinConfidence = 0.999f, PaddedRetry = false }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Detector.Detect(image, new DetectionOptions { MinConfidence = 2 }));
    }

    [Fact]
    public void A_blank_image_has_no_faces()
    {
        using var blank = new Mat(720, 1280, MatType.CV_8UC3, Scalar.All(128));
        Assert.Empty(Detector.Detect(blank));
    }

    [Fact]
    public void Concurrent_callers_get_the_same_answers_as_a_single_caller()
    {
        using var image = DemoFaces.Load(6);
        using var small = new Mat();
        Cv2.Resize(image, small, new Size(0, 0), 0.3, 0.3, InterpolationFlags.Area);
        var options = new DetectionOptions { Refine = false };
        var expected = Detector.Detect(small, options);
        Assert.Equal(4, expected.Count);
        var results = new IReadOnlyList<DetectedFace>[4];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => results[i] = Detector.Detect(small, options));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void The_short_range_model_loads_and_finds_a_close_face()
    {
        using var detector = new BlazeFaceDetector(
            Path.Combine(TestEnvironment.ModelDirectory, BlazeFaceDetector.ModelFileName(DetectorKind.ShortRange)), DetectorKind.ShortRange);
        Assert.Equal(128, detector.InputSize);
        using var image = DemoFaces.Load(3);
        var truth = DemoFaces.For(3).OrderBy(b => b.X).First();
        var rect = new Rect((int)(truth.CenterX - truth.Width * 1.5f), (int)(truth.CenterY - truth.Height * 1.5f), (int)(truth.Width * 3), (int)(truth.Height * 3));
        using var crop = new Mat(image, rect).Clone();
        var faces = detector.Detect(crop);
        var expected = new FaceBox(truth.X - rect.X, truth.Y - rect.Y, truth.Width, truth.Height);
        // the short-range model is less discriminating (here it also scores a patch of hair 0.52), so only
        // check that the face is found once and is the most confident detection
        Assert.Single(faces, f => f.Box.IntersectionOverUnion(expected) >= 0.5f);
        var best = faces.MaxBy(f => f.Confidence)!;
        Assert.True(best.Box.IntersectionOverUnion(expected) >= 0.5f, $"{best.Box} vs {expected}");
    }

    [Fact]
    public void A_file_that_is_not_a_model_is_rejected_clearly()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var path = Path.Combine(dir, "face_detection_full_range.onnx");
        File.WriteAllText(path, "not a model");
        Assert.ThrowsAny<Exception>(() => new BlazeFaceDetector(path, DetectorKind.FullRange));
        Assert.Throws<FileNotFoundException>(() => new BlazeFaceDetector(Path.Combine(dir, "missing.onnx"), DetectorKind.FullRange));
    }
}
