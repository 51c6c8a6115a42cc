using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FaceCluster.Store;

/// <summary>The header line of an encoding store (see docs/encoding-store.md).</summary>
/// <param name="Model">Descriptor model of every record in the store.</param>
/// <param name="Version">Format version; this build reads and writes <see cref="EncodingStoreFormat.CurrentVersion"/>.</param>
/// <param name="Created">When the store was first written (UTC).</param>
/// <param name="Generator">Free text naming the program that wrote it.</param>
/// <param name="Settings">Free text describing the settings that produced the records (the per-image cache uses it).</param>
public sealed record EncodingStoreHeader(string Model, int Version, DateTimeOffset Created, string? Generator = null, string? Settings = null);

/// <summary>
/// Serialisation of the facecluster.encodings JSON Lines format: one header line, then one face per line.
/// Parsing goes through <see cref="JsonDocument"/> with a small depth limit and never binds to arbitrary types.
/// </summary>
public static class EncodingStoreFormat
{
    public const string FormatName = "facecluster.encodings";
    public const int CurrentVersion = 1;
    /// <summary>Default limit for one line (header or record); a record is about 3 KiB.</summary>
    public const int DefaultMaxRecordBytes = 64 * 1024;
    /// <summary>Records nest at most 3 deep (object / landmarks / point).</summary>
    public const int MaxDepth = 4;
    /// <summary>TimeSpan format of "timestamp": invariant constant format, exact to the tick.</summary>
    public const string TimestampFormat = "c";

    internal static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private static readonly HashSet<string> HeaderFields = ["format", "version", "model", "created", "generator", "settings"];
    private static readonly HashSet<string> RecordFields =
        ["id", "path", "videoPath", "frameIndex", "timestamp", "shot", "trackId", "imageWidth", "imageHeight", "box", "landmarks", "confidence", "sharpness", "descriptor", "fullResolution", "quality"];

    public static void WriteHeader(Utf8JsonWriter w, EncodingStoreHeader header)
    {
        w.WriteStartObject();
        w.WriteString("format", FormatName);
        w.WriteNumber("version", header.Version);
        w.WriteString("model", header.Model);
        w.WriteString("created", header.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        if (header.Generator is not null) w.WriteString("generator", header.Generator);
        if (header.Settings is not null) w.WriteString("settings", header.Settings);
        w.WriteEndObject();
    }

    /// <summary>Writes one record. Floats use the shortest round-trip representation, so reading gives back the same bits.</summary>
    public static void WriteRecord(Utf8JsonWriter w, FaceEncoding face)
    {
        w.WriteStartObject();
        w.WriteString("id", face.Id);
        w.WriteString("path", face.Path);
        if (face.VideoPath is not null) w.WriteString("videoPath", face.VideoPath);
        if (face.FrameIndex is { } fi) w.WriteNumber("frameIndex", fi);
        if (face.Timestamp is { } ts) w.WriteString("timestamp", ts.ToString(TimestampFormat, CultureInfo.InvariantCulture));
        if (face.Shot is { } shot) w.WriteNumber("shot", shot);
        if (face.TrackId is not null) w.WriteString("trackId", face.TrackId);
        w.WriteNumber("imageWidth", face.ImageWidth);
        w.WriteNumber("imageHeight", face.ImageHeight);
        w.WriteStartArray("box");
        w.WriteNumberValue(face.Box.X);
        w.WriteNumberValue(face.Box.Y);
        w.WriteNumberValue(face.Box.Width);
        w.WriteNumberValue(face.Box.Height);
        w.WriteEndArray();
        w.WriteStartArray("landmarks");
        foreach (var p in face.Landmarks.ToArray())
        {
            w.WriteStartArray();
            w.WriteNumberValue(p.X);
            w.WriteNumberValue(p.Y);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteNumber("confidence", face.Confidence);
        w.WriteNumber("sharpness", face.Sharpness);
        w.WriteStartArray("descriptor");
        foreach (var v in face.Descriptor) w.WriteNumberValue(v);
        w.WriteEndArray();
        if (face.FullResolutionPath is not null)
        {
            w.WriteStartObject("fullResolution");
            w.WriteString("path", face.FullResolutionPath);
            w.WriteNumber("width", face.FullResolutionWidth);
            w.WriteNumber("height", face.FullResolutionHeight);
            w.WriteEndObject();
        }
        if (face.Quality is { } q)
        {
            w.WriteStartObject("quality");
            w.WriteNumber("sharpness", q.Sharpness);
            w.WriteNumber("faceSize", q.FaceSize);
            w.WriteNumber("brightness", q.Brightness);
            w.WriteNumber("contrast", q.Contrast);
            w.WriteNumber("yaw", q.Yaw);
            w.WriteNumber("pitch", q.Pitch);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    /// <summary>Parses a header line; throws <see cref="EncodingStoreException"/> (StoreHeaderInvalid / StoreVersionUnsupported).</summary>
    public static EncodingStoreHeader ParseHeader(ReadOnlyMemory<byte> line, string? path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new EncodingStoreException(StoreErrorIds.StoreHeaderInvalid, path, $"{path}: the first line is not a {FormatName} header: {ex.Message}", ex);
        }
        using (doc)
        {
            try
            {
                return ParseHeader(doc.RootElement, path);
            }
            catch (InvalidOperationException ex)
            {
                throw HeaderError(path, "a string is not valid text (invalid UTF-8 or a lone surrogate): " + ex.Message);
            }
        }
    }

    private static EncodingStoreHeader ParseHeader(JsonElement root, string? path)
    {
        if (root.ValueKind != JsonValueKind.Object) throw HeaderError(path, "the first line is not a JSON object");
        string? format = null, model = null, generator = null, settings = null;
        int? version = null;
        DateTimeOffset? created = null;
        var seen = new HashSet<string>();
        foreach (var prop in root.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw HeaderError(path, $"field '{prop.Name}' appears twice");
            if (!HeaderFields.Contains(prop.Name)) throw HeaderError(path, $"unknown header field '{prop.Name}'");
            var v = prop.Value;
            switch (prop.Name)
            {
                case "format": format = v.ValueKind == JsonValueKind.String ? v.GetString() : null; break;
                case "version": version = v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var ver) ? ver : throw HeaderError(path, "version is not an integer"); break;
                case "model": model = v.ValueKind == JsonValueKind.String ? v.GetString() : throw HeaderError(path, "model is not a string"); break;
                case "created":
                    created = v.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var c)
                        ? c : throw HeaderError(path, "created is not a date");
                    break;
                case "generator": generator = v.ValueKind == JsonValueKind.String ? v.GetString() : throw HeaderError(path, "generator is not a string"); break;
                case "settings": settings = v.ValueKind == JsonValueKind.String ? v.GetString() : throw HeaderError(path, "settings is not a string"); break;
            }
        }
        if (format != FormatName) throw HeaderError(path, $"format is not '{FormatName}'");
        if (version is null) throw HeaderError(path, "version is missing");
        if (version != CurrentVersion)
            throw new EncodingStoreException(StoreErrorIds.StoreVersionUnsupported, path, $"{path}: store version {version} is not supported (this build reads version {CurrentVersion}).");
        if (string.IsNullOrWhiteSpace(model)) throw HeaderError(path, "model is missing");
        if (created is null) throw HeaderError(path, "created is missing");
        return new EncodingStoreHeader(model, version.Value, created.Value, generator, settings);
    }

    private static EncodingStoreException HeaderError(string? path, string message) =>
        new(StoreErrorIds.StoreHeaderInvalid, path, $"{path}: invalid store header: {message}.");

    /// <summary>Parses and validates one record line. Returns null and sets <paramref name="error"/> when it is not acceptable.</summary>
    public static FaceEncoding? TryParseRecord(ReadOnlyMemory<byte> line, string model, out string? error)
    {
        try
        {
            using var doc = JsonDocument.Parse(line, DocumentOptions);
            var face = ParseRecord(doc.RootElement, model);
            error = EncodingValidator.Validate(face);
            return error is null ? face : null;
        }
        catch (JsonException ex)
        {
            error = "not valid JSON: " + ex.Message;
            return null;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement.GetString throws this for a string that is not valid UTF-8 or holds a lone surrogate escape ("\ud800").
            error = "a string is not valid text (invalid UTF-8 or a lone surrogate): " + ex.Message;
            return null;
        }
    }

    private static FaceEncoding ParseRecord(JsonElement root, string model)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("a record must be a JSON object");
        string? id = null, path = null, videoPath = null;
        int? frameIndex = null, shot = null;
        string? trackId = null;
        TimeSpan? timestamp = null;
        int imageWidth = 0, imageHeight = 0;
        FaceBox? box = null;
        FaceLandmarks? landmarks = null;
        float? confidence = null;
        double sharpness = 0;
        float[]? descriptor = null;
        string? fullPath = null;
        int fullWidth = 0, fullHeight = 0;
        FaceQuality? quality = null;
        var seen = new HashSet<string>();
        foreach (var prop in root.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw new FormatException($"field '{prop.Name}' appears twice");
            var v = prop.Value;
            switch (prop.Name)
            {
                case "id": id = String(v, "id"); break;
                case "path": path = String(v, "path"); break;
                case "videoPath": videoPath = v.ValueKind == JsonValueKind.Null ? null : String(v, "videoPath"); break;
                case "frameIndex": frameIndex = v.ValueKind == JsonValueKind.Null ? null : Int(v, "frameIndex"); break;
                case "shot": shot = v.ValueKind == JsonValueKind.Null ? null : Int(v, "shot"); break;
                case "trackId": trackId = v.ValueKind == JsonValueKind.Null ? null : String(v, "trackId"); break;
                case "timestamp":
                    if (v.ValueKind != JsonValueKind.Null)
                    {
                        timestamp = TimeSpan.TryParseExact(String(v, "timestamp"), TimestampFormat, CultureInfo.InvariantCulture, out var t)
                            ? t : throw new FormatException("timestamp is not a [d.]hh:mm:ss[.fffffff] time span");
                    }
                    break;
                case "imageWidth": imageWidth = Int(v, "imageWidth"); break;
                case "imageHeight": imageHeight = Int(v, "imageHeight"); break;
                case "box":
                    var b = Floats(v, "box", 4);
                    box = new FaceBox(b[0], b[1], b[2], b[3]);
                    break;
                case "landmarks":
                    if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != 6) throw new FormatException("landmarks must be an array of 6 [x,y] points");
                    var pts = new FacePoint[6];
                    int i = 0;
                    foreach (var p in v.EnumerateArray())
                    {
                        var xy = Floats(p, "landmark", 2);
                        pts[i++] = new FacePoint(xy[0], xy[1]);
                    }
                    landmarks = FaceLandmarks.FromArray(pts);
                    break;
                case "confidence": confidence = Float(v, "confidence"); break;
                case "sharpness":
                    sharpness = v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var s) ? s : throw new FormatException("sharpness is not a number");
                    break;
                case "descriptor": descriptor = Floats(v, "descriptor", Models.DescriptorModels.ExpectedLength(model)); break;
                case "fullResolution":
                    if (v.ValueKind == JsonValueKind.Null) break;
                    (fullPath, fullWidth, fullHeight) = FullResolution(v);
                    break;
                case "quality":
                    if (v.ValueKind != JsonValueKind.Null) quality = Quality(v);
                    break;
                default: throw new FormatException($"unknown field '{prop.Name}'");
            }
        }
        if (id is null) throw Missing("id");
        if (path is null) throw Missing("path");
        if (box is null) throw Missing("box");
        if (landmarks is null) throw Missing("landmarks");
        if (confidence is null) throw Missing("confidence");
        if (descriptor is null) throw Missing("descriptor");
        return new FaceEncoding
        {
            Id = id,
            Path = path,
            VideoPath = videoPath,
            FrameIndex = frameIndex,
            Timestamp = timestamp,
            Shot = shot,
            TrackId = trackId,
            ImageWidth = imageWidth,
            ImageHeight = imageHeight,
            Box = box.Value,
            Landmarks = landmarks,
            Confidence = confidence.Value,
            Sharpness = sharpness,
            Descriptor = descriptor,
            Model = model,
            FullResolutionPath = fullPath,
            FullResolutionWidth = fullWidth,
            FullResolutionHeight = fullHeight,
            Quality = quality,
        };
    }

    private static (string Path, int Width, int Height) FullResolution(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw new FormatException("fullResolution must be an object {path, width, height}");
        string? path = null;
        int? width = null, height = null;
        var seen = new HashSet<string>();
        foreach (var prop in v.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw new FormatException($"fullResolution.{prop.Name} appears twice");
            switch (prop.Name)
            {
                case "path": path = String(prop.Value, "fullResolution.path"); break;
                case "width": width = Int(prop.Value, "fullResolution.width"); break;
                case "height": height = Int(prop.Value, "fullResolution.height"); break;
                default: throw new FormatException($"unknown field 'fullResolution.{prop.Name}'");
            }
        }
        if (string.IsNullOrEmpty(path) || width is not > 0 || height is not > 0)
            throw new FormatException("fullResolution needs a non-empty path and a positive width and height");
        return (path, width.Value, height.Value);
    }

    private static readonly string[] QualityFields = ["sharpness", "faceSize", "brightness", "contrast", "yaw", "pitch"];

    private static FaceQuality Quality(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object) throw new FormatException("quality must be an object");
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var prop in v.EnumerateObject())
        {
            if (Array.IndexOf(QualityFields, prop.Name) < 0) throw new FormatException($"unknown field 'quality.{prop.Name}'");
            if (values.ContainsKey(prop.Name)) throw new FormatException($"quality.{prop.Name} appears twice");
            values[prop.Name] = prop.Value.ValueKind == JsonValueKind.Number && prop.Value.TryGetDouble(out var d) && double.IsFinite(d)
                ? d : throw new FormatException($"quality.{prop.Name} is not a finite number");
        }
        foreach (var name in QualityFields) if (!values.ContainsKey(name)) throw new FormatException($"quality.{name} is missing");
        return new FaceQuality(values["sharpness"], values["faceSize"], values["brightness"], values["contrast"], values["yaw"], values["pitch"]);
    }

    private static FormatException Missing(string name) => new($"required field '{name}' is missing");

    private static string String(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new FormatException($"{name} is not a string");

    private static int Int(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw new FormatException($"{name} is not a 32-bit integer");

    private static float Float(JsonElement v, string name) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetSingle(out var f) && float.IsFinite(f) ? f : throw new FormatException($"{name} is not a finite number");

    private static float[] Floats(JsonElement v, string name, int count)
    {
        if (v.ValueKind != JsonValueKind.Array) throw new FormatException($"{name} is not an array");
        int n = v.GetArrayLength();
        if (n != count) throw new FormatException($"{name} has {n} values, expected {count}");
        var result = new float[count];
        int i = 0;
        foreach (var e in v.EnumerateArray())
        {
            result[i] = Float(e, $"{name}[{i}]");
            i++;
        }
        return result;
    }
}
