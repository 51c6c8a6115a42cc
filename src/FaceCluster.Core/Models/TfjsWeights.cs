using System.Buffers.Binary;
using System.Text.Json;

namespace FaceCluster.Models;

/// <summary>One dequantised TF.js weight tensor (row-major, in the manifest's shape).</summary>
/// <remarks>An int32 tensor (axes, shapes) keeps its exact values in <see cref="Int32Values"/>; <see cref="Values"/> then
/// holds the same numbers as floats.</remarks>
public sealed record TfjsTensor(string Name, int[] Shape, float[] Values)
{
    public int[]? Int32Values { get; init; }
}

/// <summary>
/// Reads a TF.js weights manifest (<c>*-weights_manifest.json</c>) and its binary shards and dequantises the tensors the
/// way tfjs-core's <c>decodeWeights</c> does: <c>value = q * scale + min</c> in double precision, then rounded to float32.
/// </summary>
public static class TfjsWeights
{
    public static IReadOnlyDictionary<string, TfjsTensor> Load(string manifestPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        return Load(doc.RootElement, Path.GetDirectoryName(Path.GetFullPath(manifestPath))!, manifestPath);
    }

    /// <summary>Reads the weight groups of a manifest (the array a <c>*-weights_manifest.json</c> holds, or a graph
    /// model's <c>weightsManifest</c>); shard paths are relative to <paramref name="directory"/>.</summary>
    public static IReadOnlyDictionary<string, TfjsTensor> Load(JsonElement manifest, string directory, string sourceName)
    {
        var result = new Dictionary<string, TfjsTensor>(StringComparer.Ordinal);
        foreach (var group in manifest.EnumerateArray())
        {
            using var data = new MemoryStream();
            foreach (var path in group.GetProperty("paths").EnumerateArray())
            {
                var bytes = File.ReadAllBytes(Path.Combine(directory, path.GetString()!));
                data.Write(bytes);
            }
            var buffer = data.ToArray();
            int offset = 0;
            foreach (var weight in group.GetProperty("weights").EnumerateArray())
            {
                var tensor = Decode(weight, buffer, ref offset);
                result.Add(tensor.Name, tensor);
            }
            if (offset != buffer.Length)
                throw new InvalidDataException($"{sourceName}: {buffer.Length - offset} bytes of weight data left over.");
        }
        return result;
    }

    private static TfjsTensor Decode(JsonElement weight, byte[] buffer, ref int offset)
    {
        var name = weight.GetProperty("name").GetString()!;
        var shape = weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var dtype = weight.GetProperty("dtype").GetString();
        int count = shape.Aggregate(1, (a, b) => checked(a * b));
        var values = new float[count];
        if (dtype == "int32")
        {
            if (weight.TryGetProperty("quantization", out _)) throw new NotSupportedException($"Weight {name}: quantized int32 is not supported.");
            Require(buffer, offset, count * 4, name);
            var ints = new int[count];
            for (int i = 0; i < count; i++)
            {
                ints[i] = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(offset + 4 * i));
                values[i] = ints[i];
            }
            offset += count * 4;
            return new TfjsTensor(name, shape, values) { Int32Values = ints };
        }
        if (dtype != "float32") throw new NotSupportedException($"Weight {name}: dtype {dtype} is not supported.");

        if (weight.TryGetProperty("quantization", out var q) && q.GetProperty("dtype").GetString() == "float16")
        {
            // tfjs-converter's float16 "quantization" stores IEEE half floats; every half is exactly a float32.
            Require(buffer, offset, count * 2, name);
            for (int i = 0; i < count; i++) values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(buffer.AsSpan(offset + 2 * i));
            offset += count * 2;
        }
        else if (weight.TryGetProperty("quantization", out q))
        {
            var qtype = q.GetProperty("dtype").GetString();
            double scale = q.GetProperty("scale").GetDouble();
            double min = q.GetProperty("min").GetDouble();
            int size = qtype switch
            {
                "uint8" => 1,
                "uint16" => 2,
                _ => throw new NotSupportedException($"Weight {name}: quantization {qtype} is not supported."),
            };
            Require(buffer, offset, count * size, name);
            for (int i = 0; i < count; i++)
            {
                double v = size == 1 ? buffer[offset + i] : BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(offset + 2 * i));
                values[i] = (float)(v * scale + min);
            }
            offset += count * size;
        }
        else
        {
            Require(buffer, offset, count * 4, name);
            for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(buffer.AsSpan(offset + 4 * i));
            offset += count * 4;
        }
        return new TfjsTensor(name, shape, values);
    }

    private static void Require(byte[] buffer, int offset, int length, string name)
    {
        if (offset + length > buffer.Length)
            throw new InvalidDataException($"Weight {name}: the weight data ends before the tensor does.");
    }
}
