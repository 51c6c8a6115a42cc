namespace FaceCluster.Models;

/// <summary>
/// Converts face-api's TF.js port of dlib's face-recognition ResNet (<c>face_recognition_model-weights_manifest.json</c> +
/// <c>face_recognition_model.bin</c>) into an ONNX model that computes exactly what face-api's FaceRecognitionNet does.
/// </summary>
/// <remarks>
/// Graph: input <c>chips</c> float32 [N,3,150,150] RGB with raw 0..255 values; output <c>descriptors</c> float32 [N,128]
/// (not L2-normalised, as in face-api and dlib). face-api's preprocessing <c>(x - meanRgb) / 255</c> and every per-channel
/// scale layer are folded into the convolutions (in double precision; the stem convolution is unpadded, so the
/// folding of the mean is exact). The layout mirrors face-api's <c>FaceRecognitionNet.forwardInput</c>,
/// <c>residual</c>, <c>residualDown</c> and <c>convLayer</c>.
/// </remarks>
public static class FaceRecognitionModelConverter
{
    public const string InputName = "chips";
    public const string OutputName = "descriptors";
    public const int ChipSize = 150;
    public const int DescriptorLength = 128;

    /// <summary>face-api's <c>meanRgb</c>; the input is <c>(x - mean) / 255</c>.</summary>
    internal static readonly double[] MeanRgb = [122.782, 117.001, 104.298];

    /// <summary>Converts the TF.js model and writes the ONNX file to <paramref name="onnxPath"/> atomically.</summary>
    public static void Convert(string manifestPath, string onnxPath)
        => AtomicFile.Replace(onnxPath, Convert(TfjsWeights.Load(manifestPath)));

    /// <summary>Builds the serialised ONNX ModelProto. Deterministic: the same weights always give the same bytes.</summary>
    public static byte[] Convert(IReadOnlyDictionary<string, TfjsTensor> weights)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        TfjsTensor Get(string name)
        {
            if (!weights.TryGetValue(name, out var t)) throw new InvalidDataException($"The weights have no tensor {name}.");
            used.Add(name);
            return t;
        }

        var g = new OnnxGraphBuilder
        {
            GraphName = "dlib_face_recognition_resnet",
            ProducerName = "FaceCluster.Models.FaceRecognitionModelConverter",
            ProducerVersion = "1",
            DocString = "dlib face-recognition ResNet (dlib_face_recognition_resnet_model_v1) from face-api's TF.js weights. "
                + "Input chips: float32 [N,3,150,150] RGB 0..255. Output descriptors: float32 [N,128], not normalised.",
        };
        g.AddInput(new OnnxValueInfo(InputName, [null, 3, ChipSize, ChipSize]));

        string ConvLayer(string prefix, string input, int stride, int pad, bool relu, bool foldPreprocessing = false)
        {
            var filters = Get($"{prefix}/conv/filters");
            var bias = Get($"{prefix}/conv/bias").Values;
            var scale = Get($"{prefix}/scale/weights").Values;
            var shift = Get($"{prefix}/scale/biases").Values;
            int kh = filters.Shape[0], kw = filters.Shape[1], cin = filters.Shape[2], cout = filters.Shape[3];
            var w = new float[cout * cin * kh * kw];
            var b = new float[cout];
            for (int o = 0; o < cout; o++)
            {
                double s = scale[o];
                double meanTerm = 0;
                for (int c = 0; c < cin; c++)
                for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                {
                    double f = filters.Values[((y * kw + x) * cin + c) * cout + o];
                    if (foldPreprocessing)
                    {
                        meanTerm += f * MeanRgb[c];
                        f /= 255.0;
                    }
                    w[((o * cin + c) * kh + y) * kw + x] = (float)(f * s);
                }
                double biasValue = bias[o] - (foldPreprocessing ? meanTerm / 255.0 : 0);
                b[o] = (float)(biasValue * s + shift[o]);
            }
            var wName = g.AddInitializer(OnnxTensor.FromFloats($"{prefix}/W", [cout, cin, kh, kw], w));
            var bName = g.AddInitializer(OnnxTensor.FromFloats($"{prefix}/B", [cout], b));
            var output = g.AddNode("Conv", $"{prefix}/conv", [input, wName, bName], null,
                new OnnxAttribute("kernel_shape", Ints: [kh, kw]),
                new OnnxAttribute("pads", Ints: [pad, pad, pad, pad]),
                new OnnxAttribute("strides", Ints: [stride, stride]));
            return relu ? g.AddNode("Relu", $"{prefix}/relu", [output]) : output;
        }

        string Residual(string prefix, string input)
        {
            var a = ConvLayer($"{prefix}/conv1", input, 1, 1, relu: true);
            var b = ConvLayer($"{prefix}/conv2", a, 1, 1, relu: false);
            var sum = g.AddNode("Add", $"{prefix}/add", [b, input]);
            return g.AddNode("Relu", $"{prefix}/out", [sum]);
        }

        string ResidualDown(string prefix, string input, int inChannels, int inSize)
        {
            var a = ConvLayer($"{prefix}/conv1", input, 2, 0, relu: true);
            var b = ConvLayer($"{prefix}/conv2", a, 1, 1, relu: false);
            int outChannels = weights[$"{prefix}/conv2/conv/filters"].Shape[3];
            int branchSize = (inSize - 3) / 2 + 1;
            int pooledSize = (inSize - 2) / 2 + 1;

            var pooled = g.AddNode("AveragePool", $"{prefix}/pool", [input], null,
                new OnnxAttribute("kernel_shape", Ints: [2, 2]),
                new OnnxAttribute("pads", Ints: [0, 0, 0, 0]),
                new OnnxAttribute("strides", Ints: [2, 2]));
            if (outChannels != inChannels)
            {
                // face-api concatenates zeros after the pooled channels.
                var pads = g.AddInitializer(OnnxTensor.FromInt64s($"{prefix}/pool_pads", [0, 0, 0, 0, 0, outChannels - inChannels, 0, 0]));
                pooled = g.AddNode("Pad", $"{prefix}/pool_pad", [pooled, pads], null);
            }
            if (branchSize != pooledSize)
            {
                // face-api appends one zero row (bottom) and one zero column (right) to the branch.
                if (pooledSize - branchSize != 1) throw new InvalidOperationException($"{prefix}: unexpected sizes {branchSize} vs {pooledSize}.");
                var pads = g.AddInitializer(OnnxTensor.FromInt64s($"{prefix}/branch_pads", [0, 0, 0, 0, 0, 0, 1, 1]));
                b = g.AddNode("Pad", $"{prefix}/branch_pad", [b, pads], null);
            }
            var sum = g.AddNode("Add", $"{prefix}/add", [b, pooled]);
            return g.AddNode("Relu", $"{prefix}/out", [sum]);
        }

        // Stem: 150 -> 72 -> 35.
        var x = ConvLayer("conv32_down", InputName, 2, 0, relu: true, foldPreprocessing: true);
        x = g.AddNode("MaxPool", "pool", [x], null,
            new OnnxAttribute("kernel_shape", Ints: [3, 3]),
            new OnnxAttribute("pads", Ints: [0, 0, 0, 0]),
            new OnnxAttribute("strides", Ints: [2, 2]));
        int size = ((ChipSize - 7) / 2 + 1 - 3) / 2 + 1;

        x = Residual("conv32_1", x);
        x = Residual("conv32_2", x);
        x = Residual("conv32_3", x);

        x = ResidualDown("conv64_down", x, 32, size); size = (size - 2) / 2 + 1;
        x = Residual("conv64_1", x);
        x = Residual("conv64_2", x);
        x = Residual("conv64_3", x);

        x = ResidualDown("conv128_down", x, 64, size); size = (size - 2) / 2 + 1;
        x = Residual("conv128_1", x);
        x = Residual("conv128_2", x);

        x = ResidualDown("conv256_down", x, 128, size); size = (size - 2) / 2 + 1;
        x = Residual("conv256_1", x);
        x = Residual("conv256_2", x);
        x = ResidualDown("conv256_down_out", x, 256, size);

        x = g.AddNode("GlobalAveragePool", "mean", [x]);
        x = g.AddNode("Flatten", "flatten", [x], null, new OnnxAttribute("axis", Int: 1));
        var fc = Get("fc");
        if (fc.Shape is not [256, DescriptorLength]) throw new InvalidDataException($"fc has shape [{string.Join(",", fc.Shape)}], expected [256,128].");
        var fcName = g.AddInitializer(OnnxTensor.FromFloats("fc", [256, DescriptorLength], fc.Values));
        g.AddNode("MatMul", "fc/matmul", [x, fcName], OutputName);
        g.AddOutput(new OnnxValueInfo(OutputName, [null, DescriptorLength]));

        var unused = weights.Keys.Where(k => !used.Contains(k)).ToList();
        if (unused.Count > 0) throw new InvalidDataException("Weights not used by the graph: " + string.Join(", ", unused));
        return g.ToModelBytes();
    }
}
