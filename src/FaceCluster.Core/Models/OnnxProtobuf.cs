using System.Buffers.Binary;
using System.Text;

namespace FaceCluster.Models;

/// <summary>
/// A minimal, deterministic protocol-buffers writer for the subset of onnx.proto that the converters need.
/// Fields are always written in field-number order and repeated scalars unpacked, so equal graphs give equal bytes.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _stream = new();

    public byte[] ToArray() => _stream.ToArray();

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _stream.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _stream.WriteByte((byte)value);
    }

    private void WriteTag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    public ProtoWriter Int(int field, long value)
    {
        WriteTag(field, 0);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    public ProtoWriter Float(int field, float value)
    {
        WriteTag(field, 5);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _stream.Write(bytes);
        return this;
    }

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, 2);
        WriteVarint((ulong)value.Length);
        _stream.Write(value);
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());
}

/// <summary>ONNX TensorProto.DataType values used here.</summary>
internal enum OnnxDataType
{
    Float = 1,
    Int64 = 7,
}

/// <summary>An initializer: a named constant tensor stored as little-endian raw data.</summary>
internal sealed record OnnxTensor(string Name, long[] Dims, OnnxDataType DataType, byte[] RawData)
{
    public static OnnxTensor FromFloats(string name, long[] dims, ReadOnlySpan<float> values)
    {
        long count = dims.Aggregate(1L, (a, b) => a * b);
        if (count != values.Length) throw new ArgumentException($"Tensor {name}: {values.Length} values for shape [{string.Join(",", dims)}].");
        var raw = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * 4), values[i]);
        return new OnnxTensor(name, dims, OnnxDataType.Float, raw);
    }

    public static OnnxTensor FromInt64s(string name, ReadOnlySpan<long> values)
    {
        var raw = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        return new OnnxTensor(name, [values.Length], OnnxDataType.Int64, raw);
    }

    public ProtoWriter ToProto()
    {
        // TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9
        var w = new ProtoWriter();
        foreach (var d in Dims) w.Int(1, d);
        w.Int(2, (int)DataType);
        w.String(8, Name);
        w.Bytes(9, RawData);
        return w;
    }
}

/// <summary>A node attribute (int, ints, float or string).</summary>
internal sealed record OnnxAttribute(string Name, long? Int = null, long[]? Ints = null, float? Float = null, string? Text = null)
{
    public ProtoWriter ToProto()
    {
        // AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20 (FLOAT = 1, INT = 2, STRING = 3, INTS = 7)
        var w = new ProtoWriter().String(1, Name);
        if (Float is { } f) w.Float(2, f).Int(20, 1);
        else if (Text is { } text) w.String(4, text).Int(20, 3);
        else if (Int is { } i) w.Int(3, i).Int(20, 2);
        else if (Ints is { } ints)
        {
            foreach (var v in ints) w.Int(8, v);
            w.Int(20, 7);
        }
        else throw new InvalidOperationException($"Attribute {Name} has no value.");
        return w;
    }
}

internal sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttribute[] Attributes)
{
    public ProtoWriter ToProto()
    {
        // NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5
        var w = new ProtoWriter();
        foreach (var i in Inputs) w.String(1, i);
        foreach (var o in Outputs) w.String(2, o);
        w.String(3, Name);
        w.String(4, OpType);
        foreach (var a in Attributes) w.Message(5, a.ToProto());
        return w;
    }
}

/// <summary>
/// A float tensor graph input or output; a null dimension is symbolic, named by <see cref="DimParams"/> at its position
/// when given, else by <see cref="DimParam"/>.
/// </summary>
internal sealed record OnnxValueInfo(string Name, long?[] Shape, string DimParam = "N", string?[]? DimParams = null)
{
    public ProtoWriter ToProto()
    {
        // ValueInfoProto: name = 1, type = 2; TypeProto.tensor_type = 1; Tensor: elem_type = 1, shape = 2;
        // TensorShapeProto.dim = 1; Dimension: dim_value = 1, dim_param = 2
        var shape = new ProtoWriter();
        for (int i = 0; i < Shape.Length; i++)
        {
            var dim = new ProtoWriter();
            // one name per free dimension: ONNX Runtime takes dimensions of the same name to be equal
            if (Shape[i] is { } v) dim.Int(1, v); else dim.String(2, DimParams?[i] ?? DimParam);
            shape.Message(1, dim);
        }
        var tensorType = new ProtoWriter().Int(1, (int)OnnxDataType.Float).Message(2, shape);
        var type = new ProtoWriter().Message(1, tensorType);
        return new ProtoWriter().String(1, Name).Message(2, type);
    }
}

/// <summary>Builds an ONNX graph node by node and serialises the ModelProto.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxTensor> _initializers = [];
    private readonly List<OnnxValueInfo> _inputs = [];
    private readonly List<OnnxValueInfo> _outputs = [];
    private readonly HashSet<string> _names = [];

    public string GraphName { get; init; } = "graph";
    public int Opset { get; init; } = 13;
    public long IrVersion { get; init; } = 7;
    public string ProducerName { get; init; } = "FaceCluster";
    public string ProducerVersion { get; init; } = "1";
    public string DocString { get; init; } = "";

    public void AddInput(OnnxValueInfo input) => _inputs.Add(input);
    public void AddOutput(OnnxValueInfo output) => _outputs.Add(output);

    public string AddInitializer(OnnxTensor tensor)
    {
        if (!_names.Add(tensor.Name)) throw new InvalidOperationException($"Duplicate name {tensor.Name}.");
        _initializers.Add(tensor);
        return tensor.Name;
    }

    public string AddNode(string opType, string name, string[] inputs, string? output = null, params OnnxAttribute[] attributes)
    {
        output ??= name;
        if (!_names.Add(name)) throw new InvalidOperationException($"Duplicate node name {name}.");
        _nodes.Add(new OnnxNode(opType, name, inputs, [output], attributes));
        return output;
    }

    public byte[] ToModelBytes()
    {
        // GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12
        var graph = new ProtoWriter();
        foreach (var n in _nodes) graph.Message(1, n.ToProto());
        graph.String(2, GraphName);
        foreach (var t in _initializers) graph.Message(5, t.ToProto());
        foreach (var i in _inputs) graph.Message(11, i.ToProto());
        foreach (var o in _outputs) graph.Message(12, o.ToProto());

        // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, model_version = 5, doc_string = 6,
        // graph = 7, opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2)
        var model = new ProtoWriter()
            .Int(1, IrVersion)
            .String(2, ProducerName)
            .String(3, ProducerVersion)
            .Int(5, 1);
        if (DocString.Length > 0) model.String(6, DocString);
        model.Message(7, graph);
        model.Message(8, new ProtoWriter().String(1, "").Int(2, Opset));
        return model.ToArray();
    }
}
