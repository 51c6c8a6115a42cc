using FaceCluster.Recognition;
using FaceCluster.Tests.Detection;
using OpenCvSharp;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Recognition;

/// <summary>One encoder and one temp folder for the quality tests.</summary>
public sealed class QualityFixture : IDisposable
{
    public FaceEncoder Encoder { get; } = new(new FaceEncoderOptions { Model = global::FaceCluster.Models.DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, DegreeOfParallelism = 2 });
    public string Directory { get; } = TestEnvironment.NewTempDirectory();

    /// <summary>The face of <paramref name="faces"/> that best overlaps <paramref name="box"/> (IoU ≥ 0.3), or null.</summary>
    public static FaceEncoding? Matching(IEnumerable<FaceEncoding> faces, FaceBox box, double scale = 1) =>
        faces.Select(f => (Face: f, IoU: f.Box.Scale(1 / scale, 1 / scale).IntersectionOverUnion(box)))
            .Where(x => x.IoU >= 0.3f).OrderByDescending(x => x.IoU).Select(x => x.Face).FirstOrDefault();

    /// <summary>Writes <paramref name="image"/> as a PNG in the temp folder and encodes it.</summary>
    public IReadOnlyList<FaceEncoding> Encode(Mat image, string name)
    {
        var path = Path.Combine(Directory, name + ".png");
        Cv2.ImWrite(path, image);
        return Encoder.Encode(path).Faces;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed class FaceQualityTests(QualityFixture fx, ITestOutputHelper output) : IClassFixture<QualityFixture>
{
    private static string Describe(FaceEncoding f) =>
        $"{f.Box} {f.Quality!.Issues()} sharp {f.Quality.Sharpness:0.0} size {f.Quality.FaceSize:0} bright {f.Quality.Brightness:0} " +
        $"contrast {f.Quality.Contrast:0} yaw {f.Quality.Yaw:0} pitch {f.Quality.Pitch:0} score {f.Quality.Score:0.00}";

    [Fact]
    public void Sharp_frontal_demo_faces_are_not_low_quality()
    {
        var faces = fx.Encoder.Encode(TestEnvironment.DemoPhoto(1)).Faces;
        Assert.Equal(3, faces.Count);
        foreach (var f in faces)
        {
            output.WriteLine(Describe(f));
            Assert.NotNull(f.Quality);
            Assert.Equal(FaceQualityIssue.None, f.Quality!.Issues());
            Assert.Equal(f.Sharpness, f.Quality.Sharpness);
            Assert.Equal(f.Box.Width, f.Quality.FaceSize, 3);
            Assert.InRange(Math.Abs(f.Quality.Yaw), 0, 45);
            Assert.InRange(Math.Abs(f.Quality.Pitch), 0, 30);
            Assert.InRange(f.Quality.Score, 0.5, 1);
        }
    }

    [Theory]
    [InlineData("blurred", FaceQualityIssue.Blurred)]
    [InlineData("darkened", FaceQualityIssue.Dark)]
    [InlineData("downscaled", FaceQualityIssue.Tiny)]
    public void Degraded_copies_of_a_demo_face_are_low_quality(string kind, FaceQualityIssue expected)
    {
        using var photo = DemoFaces.Load(1);
        double scale = kind == "downscaled" ? 1.0 / 9 : 1;
        using var degraded = kind switch
        {
            "blurred" => photo.GaussianBlur(new Size(0, 0), 4),
            "darkened" => Darken(photo, 0.12),
            _ => photo.Resize(new Size((int)(photo.Width * scale), (int)(photo.Height * scale)), 0, 0, InterpolationFlags.Area),
        };
        var faces = fx.Encode(degraded, kind);
        var original = DemoFaces.For(1);
        int found = 0;
        foreach (var box in original)
        {
            var f = QualityFixture.Matching(faces, box, scale);
            if (f is null) continue;
            found++;
            output.WriteLine($"{kind}: {Describe(f)}");
            Assert.True(f.Quality!.IsLowQuality, $"{kind} face {f.Box} is not low quality");
            Assert.True(f.Quality.Issues().HasFlag(expected), $"{kind} face {f.Box}: {f.Quality.Issues()}, expected {expected}");
            Assert.True(f.Quality.Score < 0.5, $"{kind} face {f.Box} scores {f.Quality.Score:0.00}");
        }
        Assert.True(found >= 2, $"only {found} of the 3 faces found in the {kind} copy");
    }

    private static Mat Darken(Mat photo, double gain)
    {
        var dark = new Mat();
        photo.ConvertTo(dark, -1, gain, 0);
        return dark;
    }

    /// <summary>
    /// The six keypoints of a head model (ears at ±1, eyes at ±0.45 and depth 0.75, nose tip at depth 1.3, mouth at
    /// depth 0.95; y down), turned by <paramref name="yaw"/>, nodded by <paramref name="pitch"/>, tilted by <paramref name="roll"/>
    /// in the image plane, projected orthographically at 100 px per unit.
    /// </summary>
    private static FaceLandmarks Head(double yaw, double pitch = 0, double roll = 0)
    {
        // (x, y, z): x to the image right, y down, z towards the camera. Subject's right eye is on the image left.
        (double X, double Y, double Z)[] model =
        [
            (-0.45, 0, 0.75), (0.45, 0, 0.75), (0, 0.55, 1.3), (0, 1.0, 0.95), (-1, 0.3, 0), (1, 0.3, 0),
        ];
        double a = yaw * Math.PI / 180, b = pitch * Math.PI / 180, c = roll * Math.PI / 180;
        var points = model.Select(p =>
        {
            // Yaw about the vertical axis (positive: the nose turns to the image right), then pitch (positive: looks down).
            double x = p.X * Math.Cos(a) + p.Z * Math.Sin(a), z = -p.X * Math.Sin(a) + p.Z * Math.Cos(a), y = p.Y;
            double y2 = y * Math.Cos(b) + z * Math.Sin(b);
            double xr = x * Math.Cos(c) - y2 * Math.Sin(c), yr = x * Math.Sin(c) + y2 * Math.Cos(c);
            return new FacePoint((float)(500 + 100 * xr), (float)(400 + 100 * yr));
        }).ToArray();
        return FaceLandmarks.FromArray(points);
    }

    [Fact]
    public void Yaw_and_pitch_follow_the_head_turn_and_ignore_roll()
    {
        var frontal = FaceQuality.HeadPose(Head(0));
        output.WriteLine($"frontal: yaw {frontal.Yaw:0.0} pitch {frontal.Pitch:0.0}");
        Assert.InRange(frontal.Yaw, -1, 1);
        Assert.InRange(frontal.Pitch, -10, 10);
        foreach (double yaw in new[] { 20.0, 45, 70, 85 })
        {
            var right = FaceQuality.HeadPose(Head(yaw));
            var left = FaceQuality.HeadPose(Head(-yaw));
            var rolled = FaceQuality.HeadPose(Head(yaw, roll: 35));
            output.WriteLine($"yaw {yaw}: estimated {right.Yaw:0.0} / {left.Yaw:0.0}, rolled 35° {rolled.Yaw:0.0}");
            Assert.InRange(right.Yaw, yaw - 10, yaw + 10);
            Assert.Equal(-right.Yaw, left.Yaw, 3);
            Assert.Equal(right.Yaw, rolled.Yaw, 1);
        }
        // A profile (70° and more) is past the default gate; a three-quarter view (45°) is not.
        Assert.True(new FaceQuality(500, 200, 120, 50, FaceQuality.HeadPose(Head(70)).Yaw, 0).Issues().HasFlag(FaceQualityIssue.Profile));
        Assert.False(new FaceQuality(500, 200, 120, 50, FaceQuality.HeadPose(Head(45)).Yaw, 0).IsLowQuality);
        var down = FaceQuality.HeadPose(Head(0, pitch: 30));
        var up = FaceQuality.HeadPose(Head(0, pitch: -30));
        output.WriteLine($"pitch ±30: {down.Pitch:0.0} / {up.Pitch:0.0}");
        Assert.True(down.Pitch > 15 && up.Pitch < -15, $"pitch +30 -> {down.Pitch:0.0}, -30 -> {up.Pitch:0.0}");
    }
}
