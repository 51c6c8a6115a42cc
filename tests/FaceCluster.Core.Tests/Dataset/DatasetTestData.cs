using FaceCluster.Dataset;
using OpenCvSharp;

namespace FaceCluster.Tests.Dataset;

/// <summary>
/// Hand-made faces on the face-api demo photos (boxes picked by eye on the photos), with seeded random descriptors:
/// these tests are about the files written, not about recognition.
/// </summary>
internal static class DatasetTestData
{
    public const string Alice = "Alice";
    /// <summary>A label that needs HTML and YAML escaping and is not ASCII.</summary>
    public const string Zoe = "Zoë & Bob's";
    public const string Carol = "Carol";

    private static readonly (int Photo, int Width, int Height)[] Sizes = [(1, 1920, 1280), (2, 1920, 1367), (3, 1920, 1350)];

    // Photo, box: left/middle/right person of sample1..3.
    public static readonly (int Photo, FaceBox Box)[] Boxes =
    [
        (1, new FaceBox(410, 370, 190, 230)), (1, new FaceBox(830, 420, 200, 240)), (1, new FaceBox(1480, 210, 210, 240)),
        (2, new FaceBox(360, 160, 170, 270)), (2, new FaceBox(880, 240, 200, 220)), (2, new FaceBox(1440, 160, 220, 240)),
        (3, new FaceBox(590, 330, 170, 250)), (3, new FaceBox(1070, 240, 170, 250)), (3, new FaceBox(1510, 300, 180, 260)),
    ];

    public static FaceEncoding Face(string id, int photo, FaceBox box, float[] centre, Random rng, double sharpness)
    {
        var size = Sizes.First(s => s.Photo == photo);
        var descriptor = centre.Select(v => v + (float)(rng.NextDouble() - 0.5) * 0.1f).ToArray();
        float w = box.Width, h = box.Height;
        return new FaceEncoding
        {
            Id = id,
            Path = TestEnvironment.DemoPhoto(photo),
            ImageWidth = size.Width,
            ImageHeight = size.Height,
            Box = box,
            Landmarks = new FaceLandmarks(
                new FacePoint(box.X + 0.3f * w, box.Y + 0.4f * h), new FacePoint(box.X + 0.7f * w, box.Y + 0.4f * h),
                new FacePoint(box.X + 0.5f * w, box.Y + 0.6f * h), new FacePoint(box.X + 0.5f * w, box.Y + 0.8f * h),
                new FacePoint(box.X, box.Y + 0.45f * h), new FacePoint(box.Right, box.Y + 0.45f * h)),
            Confidence = 0.9f,
            Sharpness = sharpness,
            Descriptor = descriptor,
            Model = "test-model",
        };
    }

    public static float[] Centre(Random rng) => Enumerable.Range(0, FaceEncoding.DescriptorLength).Select(_ => (float)rng.NextDouble() * 0.2f).ToArray();

    public static FaceCluster Cluster(int id, string label, IReadOnlyList<FaceEncoding> faces, bool noise = false)
    {
        var sorted = faces.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        return new FaceCluster { Id = id, Label = label, Faces = sorted, Medoid = sorted[0], MeanDistance = 0, MaxDistance = 0, IsNoise = noise };
    }

    /// <summary>Alice (3 faces, left of each photo), Zoë &amp; Bob's (3, middle), Carol (1) and 2 noise faces.</summary>
    public static List<FaceCluster> People()
    {
        var rng = new Random(1234);
        FaceEncoding F(string id, int index, float[] centre) => Face(id, Boxes[index].Photo, Boxes[index].Box, centre, rng, 50 + index * 10);
        var a = Centre(rng); var z = Centre(rng); var c = Centre(rng); var n = Centre(rng);
        return
        [
            Cluster(1, Alice, [F("a1", 0, a), F("a2", 3, a), F("a3", 6, a)]),
            Cluster(2, Zoe, [F("b1", 1, z), F("b2", 4, z), F("b3", 7, z)]),
            Cluster(3, Carol, [F("c1", 8, c)]),
            Cluster(0, FaceCluster.NoiseLabel, [F("n1", 2, n), F("n2", 5, n)], noise: true),
        ];
    }

    /// <summary>A stand-in aligner (the real one lives in another branch): the box around the eyes, 150x150.</summary>
    public static Mat FakeAligner(Mat image, FaceLandmarks landmarks)
    {
        float eyeDistance = landmarks.LeftEye.X - landmarks.RightEye.X;
        int x = (int)(landmarks.RightEye.X - eyeDistance * 0.6f), y = (int)(landmarks.RightEye.Y - eyeDistance * 0.8f);
        int side = (int)(eyeDistance * 2.2f);
        var rect = new Rect(x, y, side, side).Intersect(new Rect(0, 0, image.Cols, image.Rows));
        using var crop = new Mat(image, rect);
        var chip = new Mat();
        Cv2.Resize(crop, chip, new Size(150, 150));
        return chip;
    }

    public static DatasetWriterOptions Options(string output, DatasetContent include = DatasetContent.Default, IDatasetReporter? reporter = null) => new()
    {
        OutputDirectory = output,
        Include = include,
        Aligner = FakeAligner,
        Reporter = reporter,
        ValidationFraction = 0.4,
    };

    /// <summary>Every file under <paramref name="root"/> with its bytes, root-relative with '/'.</summary>
    public static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes)
            : [];
}
