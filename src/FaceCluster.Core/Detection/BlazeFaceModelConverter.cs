using FaceCluster.Models;

namespace FaceCluster.Detection;

/// <summary>
/// Converts MediaPipe's BlazeFace <c>.tflite</c> detectors to ONNX, operator by operator, for ONNX Runtime.
/// </summary>
/// <remarks>
/// <para>The ONNX model takes a float batch <c>input</c> [N, 3, H, W] (RGB, [-1, 1], channels first) and gives the
/// TFLite graph's two outputs under their TFLite names: regressors [N, anchors, 16] and classifier logits [N, anchors, 1].
/// The batch dimension is free, so any number of crops (whole image, refine crops) run in one call; so are height and
/// width (multiples of 32), so a downscaled photo runs as one input whose anchors are the trained size's grid extended
/// over it (at H = W = S the outputs are the TFLite model's).</para>
/// <para>Inside, every 4-d tensor is kept channels-first; it is transposed back to TFLite's NHWC order only where the
/// element order matters (the final reshapes). Float16 weights behind DEQUANTIZE operators are widened to float32
/// initialisers, so the ONNX file computes in float32 exactly what TFLite (and OpenCV's importer) compute.</para>
/// <para>Only the operators the two BlazeFace graphs use are supported; any other is an <see cref="InvalidDataException"/>
/// naming it, rather than a silently different network. The output is deterministic: the same .tflite gives the same
/// bytes, which the build pins by SHA-256 (<see cref="ModelCatalog.DetectorFullRange"/>).</para>
/// </remarks>
public static class BlazeFaceModelConverter
{
    public const string InputName = "input";

    public static byte[] Convert(string tflitePath) => Convert(File.ReadAllBytes(tflitePath), Path.GetFileName(tflitePath));

    public static byte[] Convert(byte[] tflite, string sourceName)
    {
        var model = TfliteModel.Read(tflite);
        return new Converter(model, sourceName).Run();
    }

    private sealed class Converter(TfliteModel model, string sourceName)
    {
        private readonly OnnxGraphBuilder _graph = new()
        {
            GraphName = Path.GetFileNameWithoutExtension(sourceName),
            Opset = 13,
            DocString = $"MediaPipe BlazeFace, converted from {sourceName} by FaceCluster's BlazeFaceModelConverter. Input NCHW RGB in [-1, 1].",
        };

        /// <summary>Constant tensors (float32 data, or float16 widened through DEQUANTIZE), by TFLite tensor index.</summary>
        private readonly Dictionary<int, float[]> _constants = [];

        /// <summary>The ONNX value holding each computed TFLite tensor (channels-first when 4-d).</summary>
        private readonly Dictionary<int, string> _values = [];

        private int _counter;

        public byte[] Run()
        {
            if (model.Inputs.Length != 1) throw new InvalidDataException($"Expected one input, found {model.Inputs.Length}.");
            var input = model.Tensors[model.Inputs[0]];
            if (input.Shape is not [1, var h, var w, 3]) throw new InvalidDataException($"Unexpected input shape [{string.Join(",", input.Shape)}].");
            // Height and width are free as well as the batch: the network is convolutional, so a larger input is the
            // sliding window of the trained size over it, one anchor cell per stride (BlazeFaceDetector searches a
            // whole downscaled photo that way instead of tile by tile). The trained size divides by every stride.
            if (h != w || h % 32 != 0) throw new InvalidDataException($"Unexpected input shape [{string.Join(",", input.Shape)}].");
            _graph.AddInput(new OnnxValueInfo(InputName, [null, 3, null, null], DimParams: ["N", null, "H", "W"]));
            _values[input.Index] = InputName;

            foreach (var t in model.Tensors)
            {
                if (t.IsConstant && t.Type != TfliteTensorType.Int32) _constants[t.Index] = t.Floats();
            }

            foreach (var op in model.Operators) Convert(op);

            foreach (int index in model.Outputs)
            {
                var t = model.Tensors[index];
                if (t.Shape.Length != 3) throw new InvalidDataException($"Output '{t.Name}' has rank {t.Shape.Length}, expected 3.");
                var value = _graph.AddNode("Identity", t.Name, [Value(index)]);
                _graph.AddOutput(new OnnxValueInfo(value, [null, null, t.Shape[2]], DimParams: ["N", "anchors", null]));
            }

            return _graph.ToModelBytes();
        }

        private string Value(int index) =>
            _values.TryGetValue(index, out var v) ? v : throw new InvalidDataException($"TFLite tensor '{model.Tensors[index].Name}' is used before it is computed.");

        private string Name(string kind) => $"{kind}_{_counter++}";

        private string Initializer(string kind, long[] dims, float[] values) => _graph.AddInitializer(OnnxTensor.FromFloats(Name(kind), dims, values));

        private string Int64Initializer(string kind, long[] values) => _graph.AddInitializer(OnnxTensor.FromInt64s(Name(kind), values));

        private void Convert(TfliteOperator op)
        {
            switch (op.BuiltinCode)
            {
                case TfliteModel.Dequantize:
                    var source = model.Tensors[op.Inputs[0]];
                    if (!_constants.TryGetValue(source.Index, out var widened)) throw new InvalidDataException($"DEQUANTIZE of non-constant '{source.Name}'.");
                    _constants[op.Outputs[0]] = widened;
                    break;
                case TfliteModel.Conv2D:
                    Conv(op, depthwise: false);
                    break;
                case TfliteModel.DepthwiseConv2D:
                    Conv(op, depthwise: true);
                    break;
                case TfliteModel.Relu:
                    Emit(op, "Relu", [Value(op.Inputs[0])]);
                    break;
                case TfliteModel.Add:
                    // AddOptions: fused_activation_function = 0
                    Emit(op, "Add", [Value(op.Inputs[0]), Value(op.Inputs[1])], activation: op.Options?.Byte(0) ?? 0);
                    break;
                case TfliteModel.Pad:
                    Pad(op);
                    break;
                case TfliteModel.MaxPool2D:
                    MaxPool(op);
                    break;
                case TfliteModel.ResizeBilinear:
                    Resize(op);
                    break;
                case TfliteModel.Reshape:
                    Reshape(op);
                    break;
                case TfliteModel.Concatenation:
                    Concat(op);
                    break;
                default:
                    throw new InvalidDataException($"TFLite operator {op.BuiltinCode} (BuiltinOperator) is not supported by the BlazeFace converter.");
            }
        }

        /// <summary>Adds the node computing <paramref name="op"/>'s output; a fused activation becomes a following Relu/Clip.</summary>
        private string Emit(TfliteOperator op, string onnxOp, string[] inputs, OnnxAttribute[]? attributes = null, int activation = 0)
        {
            var output = model.Tensors[op.Outputs[0]];
            string name = activation == 0 ? $"t{output.Index}" : Name(onnxOp.ToLowerInvariant());
            var value = _graph.AddNode(onnxOp, name, inputs, null, attributes ?? []);
            if (activation != 0) value = FusedActivation(activation, value, $"t{output.Index}");
            _values[output.Index] = value;
            return value;
        }

        private string FusedActivation(int activation, string input, string name) => activation switch
        {
            1 => _graph.AddNode("Relu", name, [input]),
            3 => _graph.AddNode("Clip", name, [input, ScalarInitializer(0f), ScalarInitializer(6f)]),
            _ => throw new InvalidDataException($"Fused activation {activation} is not supported."),
        };

        private string ScalarInitializer(float value) => _graph.AddInitializer(OnnxTensor.FromFloats(Name("scalar"), [], [value]));

        /// <summary>Explicit begin/end padding for TFLite's SAME (extra pixel at the end, as TensorFlow) or VALID.</summary>
        private static (int Begin, int End) Padding(bool same, int input, int output, int kernel, int stride, int dilation)
        {
            if (!same) return (0, 0);
            int effective = (kernel - 1) * dilation + 1;
            int total = Math.Max((output - 1) * stride + effective - input, 0);
            return (total / 2, total - total / 2);
        }

        private void Conv(TfliteOperator op, bool depthwise)
        {
            var x = model.Tensors[op.Inputs[0]];
            var filter = model.Tensors[op.Inputs[1]];
            var y = model.Tensors[op.Outputs[0]];
            var o = op.Options ?? throw new InvalidDataException("Convolution without options.");
            // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation 3, dilation_w 4, dilation_h 5
            // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused_activation 4, dilation_w 5, dilation_h 6
            bool same = o.Byte(0) == 0;
            int strideW = o.Int(1, 1), strideH = o.Int(2, 1);
            int activation = depthwise ? o.Byte(4) : o.Byte(3);
            int dilationW = depthwise ? o.Int(5, 1) : o.Int(4, 1), dilationH = depthwise ? o.Int(6, 1) : o.Int(5, 1);
            if (filter.Shape.Length != 4) throw new InvalidDataException($"Filter '{filter.Name}' is not 4-d.");
            var weights = Constant(op.Inputs[1]);
            int kh = filter.Shape[1], kw = filter.Shape[2];
            int inChannels = x.Shape[3];
            float[] onnxWeights;
            long[] dims;
            int group;
            if (depthwise)
            {
                // TFLite [1, H, W, C*m] -> ONNX [C*m, 1, H, W], one group per input channel
                int outChannels = filter.Shape[3];
                onnxWeights = new float[weights.Length];
                for (int h = 0; h < kh; h++)
                    for (int w = 0; w < kw; w++)
                        for (int c = 0; c < outChannels; c++)
                            onnxWeights[(c * kh + h) * kw + w] = weights[(h * kw + w) * outChannels + c];
                dims = [outChannels, 1, kh, kw];
                group = inChannels;
            }
            else
            {
                // TFLite [O, H, W, I] -> ONNX [O, I, H, W]
                int outChannels = filter.Shape[0], filterIn = filter.Shape[3];
                if (filterIn != inChannels) throw new InvalidDataException($"Filter '{filter.Name}' has {filterIn} input channels, the input {inChannels}.");
                onnxWeights = new float[weights.Length];
                for (int oc = 0; oc < outChannels; oc++)
                    for (int h = 0; h < kh; h++)
                        for (int w = 0; w < kw; w++)
                            for (int ic = 0; ic < filterIn; ic++)
                                onnxWeights[((oc * filterIn + ic) * kh + h) * kw + w] = weights[((oc * kh + h) * kw + w) * filterIn + ic];
                dims = [outChannels, filterIn, kh, kw];
                group = 1;
            }

            var (top, bottom) = Padding(same, x.Shape[1], y.Shape[1], kh, strideH, dilationH);
            var (left, right) = Padding(same, x.Shape[2], y.Shape[2], kw, strideW, dilationW);
            var inputs = new List<string> { Value(op.Inputs[0]), Initializer("w", dims, onnxWeights) };
            if (op.Inputs.Length > 2 && op.Inputs[2] >= 0)
            {
                var bias = Constant(op.Inputs[2]);
                inputs.Add(Initializer("b", [bias.Length], bias));
            }

            Emit(op, "Conv", [.. inputs],
            [
                new OnnxAttribute("dilations", Ints: [dilationH, dilationW]),
                new OnnxAttribute("group", Int: group),
                new OnnxAttribute("kernel_shape", Ints: [kh, kw]),
                new OnnxAttribute("pads", Ints: [top, left, bottom, right]),
                new OnnxAttribute("strides", Ints: [strideH, strideW]),
            ], activation);
        }

        private float[] Constant(int index) =>
            _constants.TryGetValue(index, out var v) ? v : throw new InvalidDataException($"TFLite tensor '{model.Tensors[index].Name}' is not a constant.");

        private void Pad(TfliteOperator op)
        {
            var x = model.Tensors[op.Inputs[0]];
            if (x.Shape.Length != 4) throw new InvalidDataException("PAD of a tensor that is not 4-d.");
            var p = model.Tensors[op.Inputs[1]].Ints(); // [4, 2] in NHWC order: (before, after) per axis
            if (p.Length != 8) throw new InvalidDataException("PAD paddings are not [4, 2].");
            // ONNX: all begins then all ends, in NCHW order
            int[] axes = [0, 3, 1, 2];
            long[] pads = [.. axes.Select(a => (long)p[2 * a]), .. axes.Select(a => (long)p[2 * a + 1])];
            Emit(op, "Pad", [Value(op.Inputs[0]), Int64Initializer("pads", pads)]);
        }

        private void MaxPool(TfliteOperator op)
        {
            var x = model.Tensors[op.Inputs[0]];
            var y = model.Tensors[op.Outputs[0]];
            var o = op.Options ?? throw new InvalidDataException("MAX_POOL_2D without options.");
            // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_activation 5
            bool same = o.Byte(0) == 0;
            int strideW = o.Int(1, 1), strideH = o.Int(2, 1), kw = o.Int(3, 1), kh = o.Int(4, 1);
            var (top, bottom) = Padding(same, x.Shape[1], y.Shape[1], kh, strideH, 1);
            var (left, right) = Padding(same, x.Shape[2], y.Shape[2], kw, strideW, 1);
            Emit(op, "MaxPool", [Value(op.Inputs[0])],
            [
                new OnnxAttribute("kernel_shape", Ints: [kh, kw]),
                new OnnxAttribute("pads", Ints: [top, left, bottom, right]),
                new OnnxAttribute("strides", Ints: [strideH, strideW]),
            ], o.Byte(5));
        }

        private void Resize(TfliteOperator op)
        {
            var x = model.Tensors[op.Inputs[0]];
            var y = model.Tensors[op.Outputs[0]];
            var o = op.Options;
            // ResizeBilinearOptions: align_corners 2, half_pixel_centers 3
            bool alignCorners = o?.Bool(2) ?? false, halfPixel = o?.Bool(3) ?? false;
            string mode = alignCorners ? "align_corners" : halfPixel ? "half_pixel" : "asymmetric";
            float[] scales = [1, 1, (float)y.Shape[1] / x.Shape[1], (float)y.Shape[2] / x.Shape[2]];
            Emit(op, "Resize", [Value(op.Inputs[0]), "", Initializer("scales", [4], scales)],
            [
                new OnnxAttribute("coordinate_transformation_mode", Text: mode),
                new OnnxAttribute("mode", Text: "linear"),
            ]);
        }

        private void Reshape(TfliteOperator op)
        {
            var x = model.Tensors[op.Inputs[0]];
            var y = model.Tensors[op.Outputs[0]];
            if (y.Shape.Length != 3 || y.Shape[0] != 1) throw new InvalidDataException($"RESHAPE to [{string.Join(",", y.Shape)}] is not supported.");
            string input = Value(op.Inputs[0]);
            // back to NHWC element order, which the TFLite reshape flattens
            if (x.Shape.Length == 4) input = _graph.AddNode("Transpose", Name("nhwc"), [input], null, new OnnxAttribute("perm", Ints: [0, 2, 3, 1]));
            // [batch (copied), anchors (whatever the input size gives), values per anchor]
            long[] shape = [0, -1, y.Shape[2]];
            Emit(op, "Reshape", [input, Int64Initializer("shape", shape)]);
        }

        private void Concat(TfliteOperator op)
        {
            var y = model.Tensors[op.Outputs[0]];
            var o = op.Options ?? throw new InvalidDataException("CONCATENATION without options.");
            // ConcatenationOptions: axis 0, fused_activation 1
            int axis = o.Int(0);
            if (axis < 0) axis += y.Shape.Length;
            if (y.Shape.Length == 4) axis = axis switch { 0 => 0, 1 => 2, 2 => 3, _ => 1 };
            Emit(op, "Concat", [.. op.Inputs.Select(Value)], [new OnnxAttribute("axis", Int: axis)], o.Byte(1));
        }
    }
}
