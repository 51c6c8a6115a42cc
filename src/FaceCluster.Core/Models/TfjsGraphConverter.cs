using System.Text;
using System.Text.Json;

namespace FaceCluster.Models;

/// <summary>A TF.js graph model (<c>model.json</c> with <c>format: graph-model</c>): its nodes and dequantised weights.</summary>
public sealed class TfjsGraphModel
{
    private TfjsGraphModel(IReadOnlyDictionary<string, TfjsGraphNode> nodes, IReadOnlyDictionary<string, TfjsTensor> weights)
    {
        Nodes = nodes;
        Weights = weights;
    }

    public IReadOnlyDictionary<string, TfjsGraphNode> Nodes { get; }
    public IReadOnlyDictionary<string, TfjsTensor> Weights { get; }

    /// <summary>Reads <paramref name="modelJsonPath"/> and the weight shards its <c>weightsManifest</c> names (next to it).</summary>
    public static TfjsGraphModel Load(string modelJsonPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(modelJsonPath));
        var root = doc.RootElement;
        if (!root.TryGetProperty("format", out var format) || format.GetString() != "graph-model")
            throw new InvalidDataException($"{modelJsonPath} is not a TF.js graph model (format graph-model).");
        var nodes = new Dictionary<string, TfjsGraphNode>(StringComparer.Ordinal);
        foreach (var n in root.GetProperty("modelTopology").GetProperty("node").EnumerateArray())
        {
            var inputs = n.TryGetProperty("input", out var i) ? i.EnumerateArray().Select(e => e.GetString()!).ToArray() : [];
            var attributes = n.TryGetProperty("attr", out var a) ? a.Clone() : default;
            var node = new TfjsGraphNode(n.GetProperty("name").GetString()!, n.GetProperty("op").GetString()!, inputs, attributes);
            nodes.Add(node.Name, node);
        }
        var weights = TfjsWeights.Load(root.GetProperty("weightsManifest"), Path.GetDirectoryName(Path.GetFullPath(modelJsonPath))!, modelJsonPath);
        return new TfjsGraphModel(nodes, weights);
    }
}

/// <summary>One node of a TF.js graph model, with its attributes as in model.json.</summary>
public sealed record TfjsGraphNode(string Name, string Op, string[] Inputs, JsonElement Attributes)
{
    /// <summary>Inputs that carry data: control dependencies (<c>^name</c>) dropped, output index <c>:0</c> stripped.</summary>
    public IEnumerable<string> DataInputs => Inputs.Where(i => !i.StartsWith('^')).Select(StripOutputIndex);

    private static string StripOutputIndex(string input)
    {
        int colon = input.LastIndexOf(':');
        return colon > 0 && input[(colon + 1)..] == "0" ? input[..colon] : colon > 0
            ? throw new NotSupportedException($"Input {input}: only the first output of a node is supported.")
            : input;
    }

    private JsonElement? Attribute(string name)
        => Attributes.ValueKind == JsonValueKind.Object && Attributes.TryGetProperty(name, out var v) ? v : null;

    public string? StringAttribute(string name)
        => Attribute(name) is { } v && v.TryGetProperty("s", out var s) ? Encoding.UTF8.GetString(s.GetBytesFromBase64()) : null;

    public long[]? IntListAttribute(string name)
        => Attribute(name) is { } v && v.TryGetProperty("list", out var l)
            ? (l.TryGetProperty("i", out var i) ? i.EnumerateArray().Select(e => long.Parse(e.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray() : [])
            : null;

    public string[] StringListAttribute(string name)
        => Attribute(name) is { } v && v.TryGetProperty("list", out var l) && l.TryGetProperty("s", out var s)
            ? s.EnumerateArray().Select(e => Encoding.UTF8.GetString(e.GetBytesFromBase64())).ToArray()
            : [];

    public bool BoolAttribute(string name) => Attribute(name) is { } v && v.TryGetProperty("b", out var b) && b.GetBoolean();

    /// <summary>The static dimensions of a Placeholder (<c>-1</c> for unknown).</summary>
    public long[] ShapeAttribute()
        => Attribute("shape") is { } v && v.TryGetProperty("shape", out var s) && s.TryGetProperty("dim", out var dims)
            ? dims.EnumerateArray().Select(d => long.Parse(d.GetProperty("size").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray()
            : throw new InvalidDataException($"Placeholder {Name} has no static shape.");
}

/// <summary>What to convert: which placeholder and node become the ONNX graph's input and output, and how they are named.</summary>
/// <param name="InputNode">The TF placeholder (NHWC, float32).</param>
/// <param name="OutputNode">The TF node whose output is the ONNX graph's output; only the nodes it depends on are converted.</param>
/// <param name="OnnxInputName">Name of the ONNX input, float32 NCHW.</param>
/// <param name="OnnxOutputName">Name of the ONNX output.</param>
/// <param name="InputChannelOffsets">If set, the ONNX graph subtracts these per-channel values from its input before
/// the TF graph runs (preprocessing kept inside the model, so callers pass raw pixel values).</param>
public sealed record TfjsGraphConversion(
    string InputNode,
    string OutputNode,
    string OnnxInputName,
    string OnnxOutputName,
    float[]? InputChannelOffsets = null)
{
    public string GraphName { get; init; } = "graph";
    public string ProducerName { get; init; } = "FaceCluster.Models.TfjsGraphConverter";
    public string DocString { get; init; } = "";
}

/// <summary>
/// Converts the subgraph of a TF.js graph model that computes one output into ONNX (opset 13), op by op, for the ops
/// small convolutional networks use: Placeholder, Const, Identity, Conv2D, DepthwiseConv2dNative, _FusedConv2D and
/// FusedDepthwiseConv2dNative (BiasAdd with Relu or Relu6), BiasAdd, Add/AddV2, Sub, Mul, Minimum, Maximum, Relu, Relu6,
/// Sigmoid, Mean. Anything else throws <see cref="NotSupportedException"/> naming the node.
/// </summary>
/// <remarks>
/// TF tensors are NHWC; ONNX's Conv wants NCHW. The converter keeps every 4-D activation in NCHW from the input on
/// (the ONNX input is declared NCHW, so callers fill channel planes) and rewrites what touches it: filters are transposed
/// ([kh,kw,cin,cout] to [cout,cin,kh,kw]; depthwise [kh,kw,c,m] to [c*m,1,kh,kw] with group c), per-channel constants
/// become [C,1,1], reduction axes are mapped. TF's <c>SAME</c> padding is turned into explicit pads from the static
/// spatial sizes: total = max((out-1)*stride + effective kernel - in, 0) with out = ceil(in/stride), the smaller half
/// at the top/left, so stride 2 on even sizes pads only bottom/right exactly as TF does. The batch stays symbolic.
/// The output is deterministic: nodes are emitted in depth-first order from the output, initializers in use order.
/// </remarks>
public static class TfjsGraphConverter
{
    private enum Layout
    {
        /// <summary>Rank 4 activation stored NCHW (TF sees it NHWC).</summary>
        Nchw,
        /// <summary>Same axis order in TF and ONNX (rank 2 after a spatial reduction, scalars).</summary>
        Plain,
    }

    /// <summary>An ONNX value: its name, layout and static shape in ONNX order (-1 for the symbolic batch).</summary>
    private sealed record Value(string Name, Layout Layout, long[] Shape);

    public static byte[] Convert(TfjsGraphModel model, TfjsGraphConversion conversion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(conversion);
        var state = new State(model, conversion);
        var output = state.Emit(conversion.OutputNode);
        state.Builder.AddOutput(new OnnxValueInfo(output.Name, output.Shape.Select(d => d < 0 ? (long?)null : d).ToArray()));
        return state.Builder.ToModelBytes();
    }

    private sealed class State(TfjsGraphModel model, TfjsGraphConversion conversion)
    {
        public OnnxGraphBuilder Builder { get; } = new()
        {
            GraphName = conversion.GraphName,
            ProducerName = conversion.ProducerName,
            ProducerVersion = "1",
            DocString = conversion.DocString,
        };

        private readonly Dictionary<string, Value> _values = new(StringComparer.Ordinal);
        private readonly HashSet<string> _visiting = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);

        public Value Emit(string name)
        {
            if (_values.TryGetValue(name, out var done)) return done;
            if (!model.Nodes.TryGetValue(name, out var node)) throw new InvalidDataException($"The graph has no node {name}.");
            if (node.Op == "Const") throw new NotSupportedException($"Node {name}: a constant is used where an activation is expected.");
            if (!_visiting.Add(name)) throw new InvalidDataException($"The graph has a cycle through {name}.");
            var value = EmitNode(node, name == conversion.OutputNode ? conversion.OnnxOutputName : node.Name);
            _visiting.Remove(name);
            _values[name] = value;
            return value;
        }

        private Value EmitNode(TfjsGraphNode node, string outputName)
        {
            var inputs = node.DataInputs.ToArray();
            switch (node.Op)
            {
                case "Placeholder":
                    return EmitInput(node);
                case "Identity":
                    return Emit(inputs[0]);
                case "Conv2D":
                case "DepthwiseConv2dNative":
                    return EmitConv(node, outputName, inputs, bias: null, []);
                case "_FusedConv2D":
                case "FusedDepthwiseConv2dNative":
                {
                    var fused = node.StringListAttribute("fused_ops");
                    if (fused.Length == 0 || fused[0] != "BiasAdd" || inputs.Length != 3)
                        throw new NotSupportedException($"Node {node.Name}: fused ops [{string.Join(", ", fused)}] are not supported (BiasAdd first, one bias).");
                    return EmitConv(node, outputName, inputs, bias: inputs[2], fused[1..]);
                }
                case "BiasAdd":
                case "Add":
                case "AddV2":
                    return EmitBinary(node, "Add", outputName, inputs);
                case "Sub":
                    return EmitBinary(node, "Sub", outputName, inputs);
                case "Mul":
                    return EmitBinary(node, "Mul", outputName, inputs);
                case "Minimum":
                    return EmitBinary(node, "Min", outputName, inputs);
                case "Maximum":
                    return EmitBinary(node, "Max", outputName, inputs);
                case "Relu":
                case "Relu6":
                case "Sigmoid":
                {
                    var x = Emit(inputs[0]);
                    return Activation(node.Op, node.Name, x, outputName);
                }
                case "Mean":
                    return EmitMean(node, outputName, inputs);
                default:
                    throw new NotSupportedException($"Node {node.Name}: TF op {node.Op} is not supported by the converter.");
            }
        }

        private Value EmitInput(TfjsGraphNode node)
        {
            if (node.Name != conversion.InputNode) throw new NotSupportedException($"Placeholder {node.Name} is not the conversion's input {conversion.InputNode}.");
            var nhwc = node.ShapeAttribute();
            if (nhwc.Length != 4 || nhwc[1] <= 0 || nhwc[2] <= 0 || nhwc[3] <= 0)
                throw new NotSupportedException($"Placeholder {node.Name}: shape [{string.Join(",", nhwc)}] is not NHWC with static H, W, C.");
            long[] shape = [-1, nhwc[3], nhwc[1], nhwc[2]];
            Builder.AddInput(new OnnxValueInfo(conversion.OnnxInputName, [null, shape[1], shape[2], shape[3]]));
            var value = new Value(conversion.OnnxInputName, Layout.Nchw, shape);
            if (conversion.InputChannelOffsets is { } offsets)
            {
                if (offsets.Length != shape[1]) throw new ArgumentException($"{offsets.Length} channel offsets for {shape[1]} channels.");
                var o = Builder.AddInitializer(OnnxTensor.FromFloats($"{node.Name}/channel_offsets", [offsets.Length, 1, 1], offsets));
                value = value with { Name = Builder.AddNode("Sub", $"{node.Name}/preprocess", [value.Name, o]) };
            }
            return value;
        }

        private TfjsTensor Constant(string name)
        {
            if (!model.Nodes.TryGetValue(name, out var node)) throw new InvalidDataException($"The graph has no node {name}.");
            if (node.Op == "Identity") return Constant(node.DataInputs.Single());
            if (node.Op != "Const") throw new NotSupportedException($"Node {name} ({node.Op}) must be a constant.");
            return model.Weights.TryGetValue(name, out var t) ? t : throw new InvalidDataException($"Constant {name} has no weights.");
        }

        private bool IsConstant(string name)
            => model.Nodes.TryGetValue(name, out var node) && (node.Op == "Const" || (node.Op == "Identity" && IsConstant(node.DataInputs.Single())));

        /// <summary>Adds an initializer once per (constant, form).</summary>
        private string Initializer(string key, Func<OnnxTensor> make)
        {
            if (_constants.TryGetValue(key, out var existing)) return existing;
            var name = Builder.AddInitializer(make());
            _constants[key] = name;
            return name;
        }

        private Value EmitConv(TfjsGraphNode node, string outputName, string[] inputs, string? bias, string[] activations)
        {
            bool depthwise = node.Op.Contains("Depthwise", StringComparison.Ordinal);
            if (node.StringAttribute("data_format") is { } format && format != "NHWC")
                throw new NotSupportedException($"Node {node.Name}: data_format {format} is not supported.");
            var x = Emit(inputs[0]);
            if (x.Layout != Layout.Nchw) throw new NotSupportedException($"Node {node.Name}: convolution input is not a 4-D activation.");
            var filter = Constant(inputs[1]);
            if (filter.Shape.Length != 4) throw new InvalidDataException($"Node {node.Name}: filter shape [{string.Join(",", filter.Shape)}].");
            int kh = filter.Shape[0], kw = filter.Shape[1], cin = filter.Shape[2], last = filter.Shape[3];
            if (cin != x.Shape[1]) throw new InvalidDataException($"Node {node.Name}: filter expects {cin} channels, input has {x.Shape[1]}.");
            int cout = depthwise ? cin * last : last;

            var strides = node.IntListAttribute("strides") ?? [1, 1, 1, 1];
            var dilations = node.IntListAttribute("dilations") ?? [1, 1, 1, 1];
            if (strides.Length != 4 || strides[0] != 1 || strides[3] != 1 || dilations.Length != 4 || dilations[0] != 1 || dilations[3] != 1)
                throw new NotSupportedException($"Node {node.Name}: strides/dilations must be NHWC [1,h,w,1].");
            long sh = strides[1], sw = strides[2], dh = dilations[1], dw = dilations[2];

            var (padTop, padBottom, outH) = Padding(node, x.Shape[2], kh, sh, dh);
            var (padLeft, padRight, outW) = Padding(node, x.Shape[3], kw, sw, dw);

            var w = Initializer(inputs[1] + "|conv", () =>
            {
                var values = new float[cout * (depthwise ? 1 : cin) * kh * kw];
                for (int y = 0; y < kh; y++)
                for (int xx = 0; xx < kw; xx++)
                for (int c = 0; c < cin; c++)
                for (int o = 0; o < last; o++)
                {
                    float f = filter.Values[((y * kw + xx) * cin + c) * last + o];
                    int index = depthwise
                        ? ((c * last + o) * kh + y) * kw + xx                  // [c*m + o, 1, y, x]
                        : ((o * cin + c) * kh + y) * kw + xx;                  // [o, c, y, x]
                    values[index] = f;
                }
                return OnnxTensor.FromFloats(inputs[1] + "/oihw", [cout, depthwise ? 1 : cin, kh, kw], values);
            });
            var convInputs = new List<string> { x.Name, w };
            if (bias is not null)
            {
                var b = Constant(bias);
                if (b.Values.Length != cout) throw new InvalidDataException($"Node {node.Name}: bias has {b.Values.Length} values for {cout} channels.");
                convInputs.Add(Initializer(bias + "|bias", () => OnnxTensor.FromFloats(bias, [cout], b.Values)));
            }
            var attributes = new List<OnnxAttribute>
            {
                new("dilations", Ints: [dh, dw]),
                new("kernel_shape", Ints: [kh, kw]),
                new("pads", Ints: [padTop, padLeft, padBottom, padRight]),
                new("strides", Ints: [sh, sw]),
            };
            if (depthwise) attributes.Add(new("group", Int: cin));
            bool hasActivations = activations.Length > 0;
            var conv = Builder.AddNode("Conv", node.Name + (hasActivations ? "/conv" : ""), [.. convInputs], hasActivations ? null : outputName, [.. attributes]);
            var result = new Value(conv, Layout.Nchw, [x.Shape[0], cout, outH, outW]);
            for (int i = 0; i < activations.Length; i++)
                result = Activation(activations[i], $"{node.Name}/{activations[i].ToLowerInvariant()}", result, i == activations.Length - 1 ? outputName : null);
            return result;
        }

        private static (long Begin, long End, long Out) Padding(TfjsGraphNode node, long size, long kernel, long stride, long dilation)
        {
            long effective = (kernel - 1) * dilation + 1;
            switch (node.StringAttribute("padding"))
            {
                case "VALID":
                    return (0, 0, (size - effective) / stride + 1);
                case "SAME":
                {
                    long output = (size + stride - 1) / stride;
                    long total = Math.Max((output - 1) * stride + effective - size, 0);
                    return (total / 2, total - total / 2, output);
                }
                case var other:
                    throw new NotSupportedException($"Node {node.Name}: padding {other ?? "(none)"} is not supported.");
            }
        }

        private Value Activation(string op, string name, Value x, string? outputName)
        {
            switch (op)
            {
                case "Relu":
                    return x with { Name = Builder.AddNode("Relu", name, [x.Name], outputName) };
                case "Sigmoid":
                    return x with { Name = Builder.AddNode("Sigmoid", name, [x.Name], outputName) };
                case "Relu6":
                {
                    var lo = Initializer("|scalar0", () => OnnxTensor.FromFloats("relu6/min", [], [0f]));
                    var hi = Initializer("|scalar6", () => OnnxTensor.FromFloats("relu6/max", [], [6f]));
                    return x with { Name = Builder.AddNode("Clip", name, [x.Name, lo, hi], outputName) };
                }
                default:
                    throw new NotSupportedException($"Activation {op} ({name}) is not supported by the converter.");
            }
        }

        private Value EmitBinary(TfjsGraphNode node, string onnxOp, string outputName, string[] inputs)
        {
            if (inputs.Length != 2) throw new InvalidDataException($"Node {node.Name}: {inputs.Length} inputs.");
            bool aConst = IsConstant(inputs[0]), bConst = IsConstant(inputs[1]);
            if (aConst && bConst) throw new NotSupportedException($"Node {node.Name}: constant folding is not supported.");
            var activation = Emit(aConst ? inputs[1] : inputs[0]);
            string other;
            if (aConst || bConst)
            {
                var c = Constant(aConst ? inputs[0] : inputs[1]);
                other = BroadcastConstant(node, c, activation);
            }
            else
            {
                var b = Emit(inputs[1]);
                if (b.Layout != activation.Layout || !b.Shape.SequenceEqual(activation.Shape))
                    throw new NotSupportedException($"Node {node.Name}: operands of different shapes ([{string.Join(",", activation.Shape)}] and [{string.Join(",", b.Shape)}]).");
                other = b.Name;
            }
            // Keep TF's operand order: it matters for Sub.
            string[] operands = aConst ? [other, activation.Name] : [activation.Name, other];
            return activation with { Name = Builder.AddNode(onnxOp, node.Name, operands, outputName) };
        }

        /// <summary>A constant operand in a shape that broadcasts against <paramref name="x"/> the way TF's did.</summary>
        private string BroadcastConstant(TfjsGraphNode node, TfjsTensor c, Value x)
        {
            if (c.Int32Values is not null) throw new NotSupportedException($"Node {node.Name}: int32 operand {c.Name}.");
            if (c.Values.Length == 1)
                return Initializer(c.Name + "|scalar", () => OnnxTensor.FromFloats(c.Name, [], c.Values));
            long channels = x.Layout == Layout.Nchw ? x.Shape[1] : x.Shape[^1];
            bool perChannel = c.Values.Length == channels && c.Shape.Take(c.Shape.Length - 1).All(d => d == 1);
            if (!perChannel) throw new NotSupportedException($"Node {node.Name}: constant {c.Name} of shape [{string.Join(",", c.Shape)}] is neither a scalar nor per channel.");
            return x.Layout == Layout.Nchw
                ? Initializer(c.Name + "|c11", () => OnnxTensor.FromFloats(c.Name, [channels, 1, 1], c.Values))
                : Initializer(c.Name + "|vector", () => OnnxTensor.FromFloats(c.Name, [channels], c.Values));
        }

        private Value EmitMean(TfjsGraphNode node, string outputName, string[] inputs)
        {
            var x = Emit(inputs[0]);
            var axes = Constant(inputs[1]).Int32Values ?? throw new NotSupportedException($"Node {node.Name}: reduction axes must be int32.");
            bool keep = node.BoolAttribute("keep_dims");
            if (x.Layout != Layout.Nchw) throw new NotSupportedException($"Node {node.Name}: Mean over a {x.Layout} value.");
            // NHWC axis -> NCHW axis.
            long[] map = [0, 2, 3, 1];
            var onnxAxes = axes.Select(a => map[a < 0 ? a + 4 : a]).Order().ToArray();
            if (!keep && !onnxAxes.SequenceEqual([2L, 3L]))
                throw new NotSupportedException($"Node {node.Name}: Mean without keep_dims is supported over H and W only.");
            var name = Builder.AddNode("ReduceMean", node.Name, [x.Name], outputName,
                new OnnxAttribute("axes", Ints: onnxAxes), new OnnxAttribute("keepdims", Int: keep ? 1 : 0));
            if (keep)
            {
                var shape = x.Shape.ToArray();
                foreach (var a in onnxAxes) shape[a] = 1;
                return new Value(name, Layout.Nchw, shape);
            }
            return new Value(name, Layout.Plain, [x.Shape[0], x.Shape[1]]);
        }
    }
}
