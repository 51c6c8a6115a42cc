using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceCluster.Dataset;

/// <summary>The dataset marker (<c>.facecluster-dataset.json</c>): format, version and every file FaceCluster wrote.</summary>
public sealed class DatasetMarker
{
    public string Format { get; set; } = DatasetLayout.Format;
    public int Version { get; set; } = DatasetLayout.Version;
    public DateTime UpdatedUtc { get; set; }
    /// <summary>Paths relative to the dataset root, '/'-separated, ordinal order.</summary>
    public List<string> Files { get; set; } = [];
    /// <summary>
    /// The highest N of a <c>Person_N</c> label this dataset ever had (the ledger's high-water mark): a name freed by a
    /// merge or rename is never given to somebody else on a rerun.
    /// </summary>
    public int LastPersonNumber { get; set; }
}

/// <summary>One person of <c>manifest.json</c>.</summary>
public sealed class ManifestPerson
{
    public string Label { get; set; } = "";
    public int ClusterId { get; set; }
    /// <summary>Folder name under the dataset root (the label, or _unclustered for noise).</summary>
    public string Folder { get; set; } = "";
    public bool IsNoise { get; set; }
    /// <summary>True for the unsure faces of the quality gate (folder _unsure; IsNoise is set too).</summary>
    public bool IsUnsure { get; set; }
    public int Count { get; set; }
    /// <summary>Class index in yolo/data.yaml; null for noise or when no YOLO dataset was written.</summary>
    public int? YoloClass { get; set; }
    public string? Montage { get; set; }
}

/// <summary>One exported face of <c>manifest.json</c> (and one row of manifest.csv).</summary>
public sealed class ManifestFace
{
    public string Label { get; set; } = "";
    public int ClusterId { get; set; }
    public string FaceId { get; set; } = "";
    public string SourcePath { get; set; } = "";
    public string? VideoPath { get; set; }
    public int? FrameIndex { get; set; }
    /// <summary>Seconds into the video.</summary>
    public double? Timestamp { get; set; }
    /// <summary>Shot of the video (FaceEncoding.Shot); null for photos and older runs.</summary>
    public int? Shot { get; set; }
    /// <summary>Track of the face (FaceEncoding.TrackId): the faces of one track are one person seen in consecutive frames.</summary>
    public string? TrackId { get; set; }
    public int ImageWidth { get; set; }
    public int ImageHeight { get; set; }
    public float BoxX { get; set; }
    public float BoxY { get; set; }
    public float BoxWidth { get; set; }
    public float BoxHeight { get; set; }
    public float Confidence { get; set; }
    public double Sharpness { get; set; }
    /// <summary>Files relative to the dataset root ('/'), null when not written.</summary>
    public string? Portrait { get; set; }
    public string? Chip { get; set; }
    public string? YoloImage { get; set; }
    public string? YoloLabel { get; set; }
    /// <summary>RightEye, LeftEye, NoseTip, Mouth, RightEar, LeftEar as x,y pairs (12 numbers).</summary>
    public float[] Landmarks { get; set; } = [];
    public string Model { get; set; } = "";
    public float[] Descriptor { get; set; } = [];
    /// <summary>The full-resolution frame the portrait and chip were cut from (null: SourcePath itself), and its size.</summary>
    public string? FullResolutionPath { get; set; }
    public int FullResolutionWidth { get; set; }
    public int FullResolutionHeight { get; set; }
    /// <summary>The face's measured quality (null for faces encoded before it was measured).</summary>
    public FaceQuality? Quality { get; set; }
    /// <summary>Why the face is low quality under the default thresholds ("Blurred, Dark", ...; "None" when it is not; null without a quality).</summary>
    public string? QualityIssues { get; set; }

    internal static ManifestFace From(FaceEncoding face, string label, int clusterId) => new()
    {
        Label = label,
        ClusterId = clusterId,
        FaceId = face.Id,
        SourcePath = face.Path,
        VideoPath = face.VideoPath,
        FrameIndex = face.FrameIndex,
        Timestamp = face.Timestamp?.TotalSeconds,
        Shot = face.Shot,
        TrackId = face.TrackId,
        ImageWidth = face.ImageWidth,
        ImageHeight = face.ImageHeight,
        BoxX = face.Box.X,
        BoxY = face.Box.Y,
        BoxWidth = face.Box.Width,
        BoxHeight = face.Box.Height,
        Confidence = face.Confidence,
        Sharpness = face.Sharpness,
        Landmarks = face.Landmarks.ToArray().SelectMany(p => new[] { p.X, p.Y }).ToArray(),
        Model = face.Model,
        Descriptor = face.Descriptor,
        FullResolutionPath = face.FullResolutionPath,
        FullResolutionWidth = face.FullResolutionWidth,
        FullResolutionHeight = face.FullResolutionHeight,
        Quality = face.Quality,
        QualityIssues = face.Quality?.Issues().ToString(),
    };

    /// <summary>Back to a <see cref="FaceEncoding"/> (for matching against the dataset without the original store).</summary>
    public FaceEncoding ToEncoding()
    {
        var points = new FacePoint[6];
        for (int i = 0; i < 6; i++)
        {
            points[i] = Landmarks.Length >= 12 ? new FacePoint(Landmarks[2 * i], Landmarks[2 * i + 1]) : default;
        }
        return new FaceEncoding
        {
            Id = FaceId,
            Path = SourcePath,
            VideoPath = VideoPath,
            FrameIndex = FrameIndex,
            Timestamp = Timestamp is double s ? TimeSpan.FromSeconds(s) : null,
            Shot = Shot,
            TrackId = TrackId,
            ImageWidth = ImageWidth,
            ImageHeight = ImageHeight,
            Box = new FaceBox(BoxX, BoxY, BoxWidth, BoxHeight),
            Landmarks = FaceLandmarks.FromArray(points),
            Confidence = Confidence,
            Sharpness = Sharpness,
            Descriptor = Descriptor,
            Model = Model,
            FullResolutionPath = FullResolutionPath,
            FullResolutionWidth = FullResolutionWidth,
            FullResolutionHeight = FullResolutionHeight,
            Quality = Quality,
        };
    }
}

/// <summary><c>manifest.json</c>: the people and every exported face with its descriptor.</summary>
public sealed class DatasetManifest
{
    public string Format { get; set; } = DatasetLayout.Format;
    public int Version { get; set; } = DatasetLayout.Version;
    public DateTime CreatedUtc { get; set; }
    public List<ManifestPerson> People { get; set; } = [];
    public List<ManifestFace> Faces { get; set; } = [];
}

internal static class DatasetJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";

    public static T Read<T>(string path) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options)
                ?? throw DatasetException.Invalid(path, $"'{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw DatasetException.Invalid(path, $"'{path}' is not valid JSON: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException and not DatasetException or UnauthorizedAccessException)
        {
            throw DatasetException.Invalid(path, $"Could not read '{path}': {ex.Message}", ex);
        }
    }

    /// <summary>The marker of <paramref name="root"/>, or null when there is none. A marker of another format is an error.</summary>
    public static DatasetMarker? ReadMarker(string root)
    {
        string path = Path.Combine(root, DatasetLayout.MarkerFileName);
        if (!File.Exists(path)) return null;
        var marker = Read<DatasetMarker>(path);
        if (marker.Files is null || marker.Files.Any(f => f is null))
            throw DatasetException.Invalid(path, $"'{path}' has {(marker.Files is null ? "no 'files' list" : "a null entry in its 'files' list")}.");
        foreach (var file in marker.Files)
        {
            string? problem = DatasetLayout.ValidateRelative(file);
            if (problem is not null)
                throw DatasetException.Invalid(path, $"'{path}' lists the file '{file}', which is refused: {problem}");
        }
        if (marker.Format != DatasetLayout.Format)
            throw DatasetException.Invalid(path, $"'{path}' is not a FaceCluster dataset marker (format '{marker.Format}').");
        if (marker.Version > DatasetLayout.Version)
            throw DatasetException.Invalid(path, $"'{path}' was written by a newer FaceCluster (dataset version {marker.Version}).");
        return marker;
    }
}

/// <summary>manifest.csv: RFC 4180, invariant culture, one row per face; derived from manifest.json.</summary>
internal static class ManifestCsv
{
    private static readonly string[] Header =
    [
        "label", "cluster_id", "face_id", "source_path", "video_path", "frame_index", "timestamp", "shot", "track_id",
        "box_x", "box_y", "box_width", "box_height", "confidence", "sharpness",
        "portrait", "chip", "yolo_image", "yolo_label",
        "full_resolution_path", "face_size", "brightness", "contrast", "yaw", "pitch", "quality_score", "quality_issues",
    ];

    public static string Render(DatasetManifest manifest)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', Header).Append("\r\n");
        foreach (var f in manifest.Faces)
        {
            string[] cells =
            [
                f.Label, Num(f.ClusterId), f.FaceId, f.SourcePath, f.VideoPath ?? "", f.FrameIndex is int i ? Num(i) : "",
                f.Timestamp is double t ? t.ToString("0.###", CultureInfo.InvariantCulture) : "",
                f.Shot is int shot ? Num(shot) : "", f.TrackId ?? "",
                Num(f.BoxX), Num(f.BoxY), Num(f.BoxWidth), Num(f.BoxHeight), Num(f.Confidence),
                f.Sharpness.ToString("0.###", CultureInfo.InvariantCulture),
                f.Portrait ?? "", f.Chip ?? "", f.YoloImage ?? "", f.YoloLabel ?? "",
                f.FullResolutionPath ?? "", Dec(f.Quality?.FaceSize), Dec(f.Quality?.Brightness), Dec(f.Quality?.Contrast),
                Dec(f.Quality?.Yaw), Dec(f.Quality?.Pitch), Dec(f.Quality?.Score), f.QualityIssues ?? "",
            ];
            sb.AppendJoin(',', cells.Select(Quote)).Append("\r\n");
        }
        return sb.ToString();
    }

    private static string Dec(double? value) => value is double v ? v.ToString("0.###", CultureInfo.InvariantCulture) : "";
    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string Num(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Quote(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 || value.StartsWith(' ') || value.EndsWith(' ')
            ? "\"" + value.Replace("\"", "\"\"") + "\""
            : value;
}
