using FaceCluster.Detection;
using FaceCluster.Imaging;
using FaceCluster.Models;
using OpenCvSharp;
using OpenCvSharp.Dnn;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Detection;

/// <summary>
/// The build's ONNX detectors compute what the original .tflite files compute: OpenCV DNN's TFLite importer (the engine
/// FaceCluster ran them in before) is the reference, fed the very same letterboxed inputs.
/// </summary>
public sealed class BlazeFaceConversionTests(ITestOutputHelper output)
{
    /// <summary>
    /// Logits and regressors (input pixels) may differ by this much plus this fraction of the value: float32 sums in
    /// another order. Measured: at most 1.3e-4 (full range) and 3.7e-4 (short range) on these inputs; a wrong layout, padding or weight is off by whole units.
    /// </summary>
    private const float Absolute = 2e-3f, Relative = 1e-4f;

    public static TheoryData<DetectorKind> Kinds => [DetectorKind.FullRange, DetectorKind.ShortRange];

    private static string TflitePath(DetectorKind kind) => Path.Combine(TestEnvironment.MediaPipePackage,
        kind == DetectorKind.FullRange ? "face_detection_full_range.tflite" : "face_detection_short_range.tflite");

    /// <summary>Real faces at every scale the detector feeds the network: whole demo photos, a tile-sized view and face chips.</summary>
    private static List<Mat> Inputs()
    {
        var inputs = new List<Mat>();
        foreach (var photo in TestEnvironment.DemoPhotos) inputs.Add(ImageLoader.Load(photo));
        using (var first = ImageLoader.Load(TestEnvironment.DemoPhoto(1))) inputs.Add(new Mat(first, new Rect(200, 200, 480, 480)).Clone());
        foreach (var chip in Directory.GetFiles(TestEnvironment.Data("golden"), "chip*.png").Order(StringComparer.Ordinal))
            inputs.Add(ImageLoader.Load(chip));
        return inputs;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Onnx_outputs_equal_OpenCV_DNN_outputs_of_the_tflite_model(DetectorKind kind)
    {
        var model = kind == DetectorKind.FullRange ? ModelCatalog.DetectorFullRange : ModelCatalog.DetectorShortRange;
        using var detector = new BlazeFaceDetector(ModelCatalog.GetVerifiedPath(model, TestEnvironment.ModelDirectory), kind);
        using var net = CvDnn.ReadNet(TflitePath(kind));
        Assert.False(net.Empty());
        int size = detector.InputSize, plane = 3 * size * size;
        var inputs = Inputs();
        try
        {
            Assert.True(inputs.Count >= 17);
            int confident = 0;
            float worst = 0;
            foreach (var image in inputs)
            {
                using var canvas = detector.LetterboxCanvas(image, out _, out _, out _, out _);
                var input = new float[plane];
                BlazeFaceDetector.ToInput(canvas, input, size);
                var (regressors, logits) = detector.RunRaw(input, 1);

                using var blob = CvDnn.BlobFromImage(canvas, 1.0 / 127.5, new Size(size, size), new Scalar(127.5, 127.5, 127.5), swapRB: true, crop: false);
                net.SetInput(blob);
                var names = net.GetUnconnectedOutLayersNames();
                var outputs = new Mat[] { new(), new() };
                net.Forward(outputs, names!);
                var (reference, referenceLogits) = outputs[0].Total() == logits.Length ? (outputs[1], outputs[0]) : (outputs[0], outputs[1]);
                var r = Floats(reference);
                var l = Floats(referenceLogits);
                foreach (var o in outputs) o.Dispose();

                Assert.Equal(r.Length, regressors.Length);
                Assert.Equal(l.Length, logits.Length);
                for (int i = 0; i < r.Length; i++) worst = MathF.Max(worst, Check(regressors[i], r[i], "regressor", i));
                for (int i = 0; i < l.Length; i++) worst = MathF.Max(worst, Check(logits[i], l[i], "logit", i));
                confident += l.Count(v => v > 0);
            }

            // the inputs hold faces: the comparison covered confident anchors, not only background
            Assert.True(confident > 0);
            output.WriteLine($"{kind}: {inputs.Count} inputs, {confident} confident anchors, largest difference {worst}");
        }
        finally
        {
            foreach (var m in inputs) m.Dispose();
        }
    }

    [Fact]
    public void A_batch_gives_each_input_the_same_outputs_as_running_it_alone()
    {
        using var detector = new BlazeFaceDetector(ModelCatalog.GetVerifiedPath(ModelCatalog.DetectorFullRange, TestEnvironment.ModelDirectory), DetectorKind.FullRange);
        int size = detector.InputSize, plane = 3 * size * size;
        var inputs = Inputs();
        try
        {
            var batch = new float[inputs.Count * plane];
            for (int i = 0; i < inputs.Count; i++)
            {
                using var canvas = detector.LetterboxCanvas(inputs[i], out _, out _, out _, out _);
                BlazeFaceDetector.ToInput(canvas, batch.AsSpan(i * plane, plane), size);
            }

            var (regressors, logits) = detector.RunRaw(batch, inputs.Count);
            int anchors = logits.Length / inputs.Count;
            for (int i = 0; i < inputs.Count; i++)
            {
                var (alone, aloneLogits) = detector.RunRaw(batch.AsSpan(i * plane, plane).ToArray(), 1);
                for (int k = 0; k < aloneLogits.Length; k++) Check(logits[i * anchors + k], aloneLogits[k], $"input {i} logit", k);
                for (int k = 0; k < alone.Length; k++) Check(regressors[i * alone.Length + k], alone[k], $"input {i} regressor", k);
            }
        }
        finally
        {
            foreach (var m in inputs) m.Dispose();
        }
    }

    /// <summary>
    /// The converted network takes any multiple of 32 as height and width: four letterboxed demo photos side by side in
    /// one 384x384 input give, quadrant by quadrant, the faces each gives alone (the grid of anchors extends over the
    /// larger input), which is what lets the detector search a whole downscaled photo in one pass instead of in tiles.
    /// Not to the last face: the deepest features see beyond a quadrant, so a face's score moves with its neighbours
    /// (measured: full range 12 of 13, short range 9 of 9 and one more); a wrong anchor grid or layout matches none.
    /// </summary>
    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_larger_input_is_the_network_slid_over_it(DetectorKind kind)
    {
        var model = kind == DetectorKind.FullRange ? ModelCatalog.DetectorFullRange : ModelCatalog.DetectorShortRange;
        using var detector = new BlazeFaceDetector(ModelCatalog.GetVerifiedPath(model, TestEnvironment.ModelDirectory), kind);
        int size = detector.InputSize, big = 2 * size;
        using var mosaic = new Mat(big, big, MatType.CV_8UC3, Scalar.All(0));
        var alone = new List<List<RawDetection>>();
        for (int q = 0; q < 4; q++)
        {
            using var photo = ImageLoader.Load(TestEnvironment.DemoPhoto(q + 1));
            using var canvas = detector.LetterboxCanvas(photo, out _, out _, out _, out _);
            using (var target = new Mat(mosaic, new Rect(q % 2 * size, q / 2 * size, size, size))) canvas.CopyTo(target);
            var input = new float[3 * size * size];
            BlazeFaceDetector.ToInput(canvas, input, size);
            var (r, l) = detector.RunRaw(input, 1);
            alone.Add(Suppressed(BlazeFaceDecoder.Decode(r, l, SsdAnchors.For(kind), size, 0.5f)).Select(d => d.Map(size, q % 2 * size, size, q / 2 * size)).ToList());
        }

        var whole = new float[3 * big * big];
        BlazeFaceDetector.ToInput(mosaic, whole, big, big);
        var (regressors, logits) = detector.RunRaw(whole, 1, big, big);
        Assert.Equal(SsdAnchors.For(kind, big, big).Length, logits.Length);
        var together = Suppressed(BlazeFaceDecoder.Decode(regressors, logits, SsdAnchors.For(kind, big, big), big, big, 0.5f)).Select(d => d.Map(big, 0, big, 0)).ToList();

        var expected = alone.SelectMany(a => a).ToList();
        Assert.True(expected.Count >= 8, $"{expected.Count} faces in the four photos alone");
        int matched = expected.Count(e => together.Any(t => t.IntersectionOverUnion(e) >= 0.5f));
        output.WriteLine($"{kind}: {expected.Count} faces alone, {together.Count} in the 384x384 input, {matched} matched");
        Assert.True(matched >= expected.Count - 1, $"{matched} of {expected.Count} matched");
        Assert.True(together.Count <= expected.Count + 1, $"{together.Count} found together, {expected.Count} alone");
    }

    private static List<RawDetection> Suppressed(List<RawDetection> decoded) =>
        decoded.Count <= 1 ? decoded : BlazeFaceDecoder.WeightedNonMaxSuppression(decoded);

    [Fact]
    public void The_converter_is_deterministic_and_gives_the_pinned_models()
    {
        var full = BlazeFaceModelConverter.Convert(TflitePath(DetectorKind.FullRange));
        Assert.Equal(ModelCatalog.DetectorFullRange.Sha256, ModelCatalog.ComputeSha256(full));
        Assert.Equal(full, BlazeFaceModelConverter.Convert(TflitePath(DetectorKind.FullRange)));
        Assert.Equal(ModelCatalog.DetectorShortRange.Sha256, ModelCatalog.ComputeSha256(BlazeFaceModelConverter.Convert(TflitePath(DetectorKind.ShortRange))));
    }

    [Fact]
    public void A_file_that_is_not_tflite_is_refused_by_the_converter()
    {
        var e = Assert.Throws<InvalidDataException>(() => BlazeFaceModelConverter.Convert("not a model"u8.ToArray(), "x.tflite"));
        Assert.Contains("TFL3", e.Message);
    }

    private static float Check(float actual, float expected, string what, int index)
    {
        float difference = MathF.Abs(actual - expected);
        if (difference > Absolute + Relative * MathF.Abs(expected))
            Assert.Fail($"{what} {index}: {actual} vs {expected} (difference {difference})");
        return difference;
    }

    private static float[] Floats(Mat m)
    {
        Assert.True(m.IsContinuous() && m.Depth() == MatType.CV_32F);
        var values = new float[checked((int)m.Total())];
        System.Runtime.InteropServices.Marshal.Copy(m.Data, values, 0, values.Length);
        return values;
    }
}
