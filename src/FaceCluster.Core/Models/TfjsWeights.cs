using System.Buffers.Binary;
using System.Text.Json;

namespace FaceCluster.Models;

/// <summary>One dequantised TF.js weight tensor (row-major, in the manifest's shape).</summary>
public sealed record TfjsTensor(string Name, int[] Shape, float[] Values);

/// <summary>
/// Reads a TF.js weights manifest (<c>*-weights_manifest.json</c>) and its binary shards and dequantises the tensors the
/// way tfjs-core's <c>decodeWeights</c> does: <c>value = q * scale + min</c> in double precision, then rounded to float32.
/// </summary>
public static class TfjsWeights
{
    public static IReadOnlyDictionary<string, TfjsTensor> Load(string manifestPath)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        using var doc = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var result = new Dictionary<string, TfjsTensor>(StringComparer.Ordinal);
        foreach (var group in doc.RootElement.EnumerateArray())
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
                throw new InvalidDataException($"{manifestPath}: {buffer.Length - offset} bytes of weight data left over.");
        }
        return result;
    }

    private static TfjsTensor Decode(JsonElement weight, byte[] buffer, ref int offset)
    {
        var name = weight.GetProperty("name").GetString()!;
        var shape = weight.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var dtype = weight.GetProperty("dtype").GetString();
        if (dtype != "float32") throw new NotSupportedException($"Weight {name}: dtype {dtype} is not supported.");
        int count = shape.Aggregate(1, (a, b) => checked(a * b));
        var values = new float[count];

        if (weight.TryGetProperty("quantization", out var q))
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
