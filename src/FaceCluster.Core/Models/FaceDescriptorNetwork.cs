using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;

namespace FaceCluster.Models;

/// <summary>
/// The dlib face-recognition ResNet in ONNX Runtime: 150x150 face chips in, 128-d descriptors out.
/// One <see cref="InferenceSession"/>; <see cref="Compute"/> may be called from several threads at once.
/// </summary>
public sealed class FaceDescriptorNetwork : IDescriptorNetwork, IDisposable
{
    public const int ChipSize = FaceRecognitionModelConverter.ChipSize;
    public const int DescriptorLength = FaceRecognitionModelConverter.DescriptorLength;
    private const int PlaneSize = ChipSize * ChipSize;

    private readonly InferenceSession _session;
    private readonly int _perCall;
    private readonly string[] _inputNames = [FaceRecognitionModelConverter.InputName];
    private readonly string[] _outputNames = [FaceRecognitionModelConverter.OutputName];

    /// <param name="onnxPath">The descriptor model, e.g. from <c>ModelCatalog.GetVerifiedPath(ModelCatalog.Descriptor)</c>.</param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose.</param>
    public FaceDescriptorNetwork(string onnxPath, int intraOpThreads = 1)
    {
        _session = OnnxSessions.Create(onnxPath, intraOpThreads);
        _perCall = OnnxSessions.InputsPerCall(intraOpThreads);
        ModelPath = onnxPath;
    }

    public string ModelPath { get; }

    /// <summary>The model name to store in <see cref="FaceEncoding.Model"/>.</summary>
    public string ModelName => ModelCatalog.DescriptorModelName;

    public DescriptorModelInfo Model => DescriptorModels.Dlib;

    /// <summary>Computes one descriptor per chip, in one batch.</summary>
    /// <param name="chips">150x150 CV_8UC3 images in OpenCV's BGR order (aligned face chips).</param>
    public float[][] Compute(IReadOnlyList<Mat> chips)
    {
        ArgumentNullException.ThrowIfNull(chips);
        if (chips.Count == 0) return [];
        var input = new float[chips.Count * 3 * PlaneSize];
        for (int i = 0; i < chips.Count; i++) CopyToPlanes(chips[i], input.AsSpan(i * 3 * PlaneSize, 3 * PlaneSize), ChipSize, rgb: true, i);

        return OnnxSessions.RunBatch(_session, _inputNames, _outputNames, input, ChipSize, chips.Count, DescriptorLength, _perCall);
    }

    public float[][] Describe(Mat image, IReadOnlyList<FaceBox> boxes, IReadOnlyList<Mat> alignedChips) => Compute(alignedChips);

    /// <summary>Computes the descriptor of one chip.</summary>
    public float[] Compute(Mat chip) => Compute([chip])[0];

    /// <summary>BGR interleaved bytes to planar floats (0..255) in RGB or BGR order: the models' input layout.</summary>
    internal static unsafe void CopyToPlanes(Mat image, Span<float> destination, int size, bool rgb, int index = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Type() != MatType.CV_8UC3 || image.Rows != size || image.Cols != size)
            throw new ArgumentException($"Image {index} must be a {size}x{size} CV_8UC3 (BGR) image, not {image.Cols}x{image.Rows} {image.Type()}.", nameof(image));
        int plane = size * size;
        if (destination.Length != 3 * plane) throw new ArgumentException("Destination must hold 3 planes.", nameof(destination));

        var first = destination[..plane];
        var g = destination.Slice(plane, plane);
        var third = destination.Slice(2 * plane, plane);
        var b = rgb ? third : first;
        var r = rgb ? first : third;
        byte* data = (byte*)image.DataPointer;
        long step = image.Step();
        for (int y = 0; y < size; y++)
        {
            byte* row = data + y * step;
            int o = y * size;
            for (int x = 0; x < size; x++, row += 3)
            {
                b[o + x] = row[0];
                g[o + x] = row[1];
                r[o + x] = row[2];
            }
        }
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>The ONNX Runtime session settings every descriptor model runs with.</summary>
internal static class OnnxSessions
{
    public static InferenceSession Create(string onnxPath, int intraOpThreads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(intraOpThreads);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Idle worker threads sleep instead of spinning: the pipeline runs detection and decoding next to this on few cores.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return new InferenceSession(onnxPath, options);
    }

    /// <summary>
    /// Network inputs per session call for a session of <paramref name="intraOpThreads"/> threads: one at one thread,
    /// where a batch is slower, its activations outgrowing the core's cache (one ORT thread, per input alone against in a
    /// batch: BlazeFace full range 192x192 6.5 against 7.7 ms in 6, HSE FaceRes 224x224 22.4 against 26.6 ms in 3; encoding
    /// 120 footage frames and the 6 demo photos at one thread, FaceRes, 26.6 against 23.4 s); any number when
    /// several threads share each call, which they split better over a batch (BlazeFace 5.1 against 6.5 ms at two).
    /// The outputs are bit-identical either way (every face, box, landmark and descriptor of that encoding run).
    /// </summary>
    public static int InputsPerCall(int intraOpThreads) => intraOpThreads == 1 ? 1 : int.MaxValue;

    /// <summary>
    /// Runs <paramref name="count"/> square 3-channel images (NCHW floats, one after the other in <paramref name="input"/>),
    /// <paramref name="perCall"/> at a time (<see cref="InputsPerCall"/>), and returns one vector of
    /// <paramref name="length"/> values per image.
    /// </summary>
    public static float[][] RunBatch(InferenceSession session, string[] inputNames, string[] outputNames, float[] input, int size, int count, int length, int perCall)
    {
        int plane = 3 * size * size;
        if (input.Length != count * plane) throw new ArgumentException($"{input.Length} values for {count} images of {plane}.", nameof(input));
        ArgumentOutOfRangeException.ThrowIfLessThan(perCall, 1);
        var result = new float[count][];
        using var runOptions = new RunOptions();
        for (int start = 0; start < count; start += perCall)
        {
            int n = Math.Min(perCall, count - start);
            using var inputValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input.AsMemory(start * plane, n * plane), [n, 3, size, size]);
            using var outputs = session.Run(runOptions, inputNames, [inputValue], outputNames);
            var data = outputs[0].GetTensorDataAsSpan<float>();
            if (data.Length != n * length)
                throw new InvalidOperationException($"The model {outputNames[0]} returned {data.Length} values for {n} images, expected {n * length}.");
            for (int i = 0; i < n; i++) result[start + i] = data.Slice(i * length, length).ToArray();
        }
        return result;
    }
}
