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
