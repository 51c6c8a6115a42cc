using System.Buffers.Binary;
using System.Text;

namespace FaceCluster.Detection;

/// <summary>TFLite tensor element types (schema.fbs TensorType) that the BlazeFace files use.</summary>
internal enum TfliteTensorType : byte
{
    Float32 = 0,
    Float16 = 1,
    Int32 = 2,
}

/// <summary>A tensor of the (single) subgraph: static shape, element type, and its constant data when it has any.</summary>
internal sealed record TfliteTensor(int Index, string Name, int[] Shape, TfliteTensorType Type, byte[]? Data)
{
    public bool IsConstant => Data is { Length: > 0 };

    /// <summary>The constant data as floats (float16 widened); throws for a tensor without data.</summary>
    public float[] Floats()
    {
        if (Data is null) throw new InvalidDataException($"TFLite tensor '{Name}' has no constant data.");
        return Type switch
        {
            TfliteTensorType.Float32 => Enumerable.Range(0, Data.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(4 * i))).ToArray(),
            TfliteTensorType.Float16 => Enumerable.Range(0, Data.Length / 2).Select(i => (float)BinaryPrimitives.ReadHalfLittleEndian(Data.AsSpan(2 * i))).ToArray(),
            _ => throw new InvalidDataException($"TFLite tensor '{Name}' is {Type}, not a float tensor."),
        };
    }

    public int[] Ints()
    {
        if (Data is null || Type != TfliteTensorType.Int32) throw new InvalidDataException($"TFLite tensor '{Name}' is not a constant int32 tensor.");
        return Enumerable.Range(0, Data.Length / 4).Select(i => BinaryPrimitives.ReadInt32LittleEndian(Data.AsSpan(4 * i))).ToArray();
    }
}

/// <summary>One operator: its builtin code, tensor indices (-1 = absent optional input) and its options table.</summary>
internal sealed record TfliteOperator(int BuiltinCode, int[] Inputs, int[] Outputs, FlatTable? Options);

/// <summary>
/// The parts of a TFLite flatbuffer (tensorflow/lite/schema/schema.fbs) a single-subgraph float model needs: tensors with
/// their constant buffers, operators with their builtin options, and the graph's inputs and outputs. Read-only and
/// strict: anything the converter would have to guess at (several subgraphs, quantised tensors, custom operators) is an
/// <see cref="InvalidDataException"/>.
/// </summary>
internal sealed class TfliteModel
{
    // BuiltinOperator codes used by the MediaPipe BlazeFace graphs.
    public const int Add = 0, AveragePool2D = 1, Concatenation = 2, Conv2D = 3, DepthwiseConv2D = 4, Dequantize = 6,
        Logistic = 14, MaxPool2D = 17, Mul = 18, Relu = 19, Relu6 = 21, Reshape = 22, ResizeBilinear = 23, Pad = 34,
        Transpose = 39, PRelu = 54;

    public required IReadOnlyList<TfliteTensor> Tensors { get; init; }
    public required IReadOnlyList<TfliteOperator> Operators { get; init; }
    public required int[] Inputs { get; init; }
    public required int[] Outputs { get; init; }

    public static TfliteModel Read(byte[] file)
    {
        if (file.Length < 8 || Encoding.ASCII.GetString(file, 4, 4) != "TFL3")
            throw new InvalidDataException("Not a TFLite model (no TFL3 file identifier).");
        var model = FlatTable.Root(file);
        var codes = model.Tables(1).Select(c =>
        {
            // builtin_code (field 3) superseded the byte-sized deprecated_builtin_code (field 0) in schema v3a.
            int code = Math.Max(c.Byte(0), c.Int(3));
            if (c.String(1) is { Length: > 0 } custom) throw new InvalidDataException($"Custom TFLite operator '{custom}' is not supported.");
            return code;
        }).ToArray();
        var buffers = model.Tables(4).Select(b => b.Bytes(0)).ToArray();
        var subgraphs = model.Tables(2);
        if (subgraphs.Count != 1) throw new InvalidDataException($"Expected one subgraph, found {subgraphs.Count}.");
        var graph = subgraphs[0];

        var tensors = graph.Tables(0).Select((t, i) =>
        {
            if (t.Table(4) is { } q && (q.Floats(2).Length > 0 || q.Ints64(3).Length > 0))
                throw new InvalidDataException($"TFLite tensor '{t.String(3)}' is quantised; only float models are supported.");
            var type = (TfliteTensorType)t.Byte(1);
            if (!Enum.IsDefined(type)) throw new InvalidDataException($"TFLite tensor '{t.String(3)}' has unsupported type {(int)type}.");
            uint buffer = t.UInt(2);
            byte[]? data = buffer < buffers.Length ? buffers[buffer] : null;
            return new TfliteTensor(i, t.String(3) ?? $"t{i}", t.Ints(0), type, data is { Length: > 0 } ? data : null);
        }).ToList();

        var operators = graph.Tables(3).Select(o =>
        {
            uint index = o.UInt(0);
            if (index >= codes.Length) throw new InvalidDataException($"Operator code index {index} out of range.");
            return new TfliteOperator(codes[index], o.Ints(1), o.Ints(2), o.Table(4));
        }).ToList();

        return new TfliteModel { Tensors = tensors, Operators = operators, Inputs = graph.Ints(1), Outputs = graph.Ints(2) };
    }
}

/// <summary>A flatbuffers table: scalar fields with defaults, and references to strings, vectors and sub-tables.</summary>
internal readonly struct FlatTable
{
    private readonly byte[] _buffer;
    private readonly int _position;
    private readonly int _vtable;
    private readonly int _vtableSize;

    private FlatTable(byte[] buffer, int position)
    {
        _buffer = buffer;
        _position = position;
        _vtable = position - ReadInt32(buffer, position);
        _vtableSize = ReadUInt16(buffer, _vtable);
    }

    public static FlatTable Root(byte[] buffer) => new(buffer, ReadInt32(buffer, 0));

    /// <summary>The absolute position of field <paramref name="field"/>, or 0 when it is absent (its default applies).</summary>
    private int Field(int field)
    {
        int entry = 4 + 2 * field;
        if (entry >= _vtableSize) return 0;
        int offset = ReadUInt16(_buffer, _vtable + entry);
        return offset == 0 ? 0 : _position + offset;
    }

    private int Reference(int field)
    {
        int at = Field(field);
        return at == 0 ? 0 : at + ReadInt32(_buffer, at);
    }

    public byte Byte(int field, byte fallback = 0) => Field(field) is var at and > 0 ? _buffer[at] : fallback;
    public bool Bool(int field) => Byte(field) != 0;
    public int Int(int field, int fallback = 0) => Field(field) is var at and > 0 ? ReadInt32(_buffer, at) : fallback;
    public uint UInt(int field, uint fallback = 0) => Field(field) is var at and > 0 ? (uint)ReadInt32(_buffer, at) : fallback;

    public string? String(int field)
    {
        int at = Reference(field);
        return at == 0 ? null : Encoding.UTF8.GetString(_buffer, at + 4, ReadInt32(_buffer, at));
    }

    public FlatTable? Table(int field)
    {
        int at = Reference(field);
        return at == 0 ? null : new FlatTable(_buffer, at);
    }

    private (int Start, int Count) Vector(int field)
    {
        int at = Reference(field);
        return at == 0 ? (0, 0) : (at + 4, ReadInt32(_buffer, at));
    }

    public byte[] Bytes(int field)
    {
        var (start, count) = Vector(field);
        return count == 0 ? [] : _buffer.AsSpan(start, count).ToArray();
    }

    public int[] Ints(int field)
    {
        var (start, count) = Vector(field);
        var result = new int[count];
        for (int i = 0; i < count; i++) result[i] = ReadInt32(_buffer, start + 4 * i);
        return result;
    }

    public long[] Ints64(int field)
    {
        var (start, count) = Vector(field);
        var result = new long[count];
        for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadInt64LittleEndian(_buffer.AsSpan(start + 8 * i));
        return result;
    }

    public float[] Floats(int field)
    {
        var (start, count) = Vector(field);
        var result = new float[count];
        for (int i = 0; i < count; i++) result[i] = BinaryPrimitives.ReadSingleLittleEndian(_buffer.AsSpan(start + 4 * i));
        return result;
    }

    public IReadOnlyList<FlatTable> Tables(int field)
    {
        var (start, count) = Vector(field);
        var result = new FlatTable[count];
        for (int i = 0; i < count; i++)
        {
            int element = start + 4 * i;
            result[i] = new FlatTable(_buffer, element + ReadInt32(_buffer, element));
        }
        return result;
    }

    private static int ReadInt32(byte[] b, int at) => BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at));
    private static int ReadUInt16(byte[] b, int at) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(at));
}
