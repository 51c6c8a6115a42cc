using System.Globalization;

namespace FaceCluster.Dataset;

/// <summary>File and folder names of a dataset, and which labels can be folder names.</summary>
public static class DatasetLayout
{
    public const string MarkerFileName = ".facecluster-dataset.json";
    public const string ManifestJsonFileName = "manifest.json";
    public const string ManifestCsvFileName = "manifest.csv";
    public const string IndexFileName = "index.html";
    public const string MontageFileName = "montage.jpg";
    public const string NoiseFolderName = "_unclustered";
    /// <summary>The quality gate's unsure faces (<see cref="FaceCluster.IsUnsure"/>), exported with IncludeNoise for review.</summary>
    public const string UnsureFolderName = "_unsure";
    public const string YoloFolderName = "yolo";
    public const string YoloDataFileName = "data.yaml";
    public const string Format = "FaceCluster.Dataset";
    public const int Version = 1;

    private static readonly char[] InvalidLabelChars =
        [.. Path.GetInvalidFileNameChars(), '/', '\\', ':', '*', '?', '"', '<', '>', '|'];

    private static readonly HashSet<string> WindowsReserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
        "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    };

    /// <summary>Null when <paramref name="label"/> can be a person folder on Windows, macOS and Linux; otherwise why not.</summary>
    public static string? ValidateLabel(string? label)
    {
        if (string.IsNullOrWhiteSpace(label)) return "The label is empty.";
        if (label.Length > 120) return "The label is longer than 120 characters.";
        if (label.IndexOfAny(InvalidLabelChars) >= 0 || label.Any(char.IsControl))
            return "The label contains a character that cannot be in a folder name (/ \\ : * ? \" < > | or a control character).";
        if (label is "." or "..") return "The label cannot be '.' or '..'.";
        if (label.StartsWith('.')) return "The label cannot start with '.' (hidden folder).";
        if (label != label.Trim() || label.EndsWith('.')) return "The label cannot start or end with a space or end with a dot.";
        if (WindowsReserved.Contains(label.Split('.')[0])) return $"'{label}' is a reserved device name on Windows.";
        if (string.Equals(label, NoiseFolderName, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(label, UnsureFolderName, StringComparison.OrdinalIgnoreCase) ||
            string.Equals(label, YoloFolderName, StringComparison.OrdinalIgnoreCase))
            return $"'{label}' is reserved for the dataset's own folders.";
        return null;
    }

    /// <summary>Throws <see cref="DatasetException"/> (<see cref="DatasetErrors.LabelInvalid"/>) when the label cannot be a folder name.</summary>
    public static void EnsureValidLabel(string? label)
    {
        string? problem = ValidateLabel(label);
        if (problem is not null)
        {
            throw new DatasetException(DatasetErrors.LabelInvalid, DatasetErrorKind.InvalidArgument,
                $"'{label}' cannot be used as a person's name: {problem}", label);
        }
    }

    /// <summary>A file-name-safe form of a face id (ids are normally hex already).</summary>
    public static string SafeFileStem(string id)
    {
        var chars = id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray();
        var stem = new string(chars);
        return stem.Length == 0 ? "face" : stem.Length > 100 ? stem[..100] : stem;
    }

    public static string PortraitFileName(string faceId) => $"portrait_{SafeFileStem(faceId)}.jpg";
    public static string ChipFileName(string faceId) => $"chip_{SafeFileStem(faceId)}.png";

    /// <summary>Relative paths in manifests and the marker always use '/'.</summary>
    public static string Relative(params string[] parts) => string.Join('/', parts);

    /// <summary>
    /// The full path of a root-relative path; throws <see cref="DatasetErrors.DatasetInvalid"/> for a path that would
    /// leave the root (rooted, '..', a backslash, an empty or invalid segment), so that no path read from a manifest,
    /// marker or journal can reach a file outside the dataset.
    /// </summary>
    public static string ToFullPath(string root, string relative)
    {
        string? problem = ValidateRelative(relative);
        if (problem is not null)
            throw DatasetException.Invalid(root, $"The dataset path '{relative}' is refused: {problem}");
        string full = Path.GetFullPath(Path.Combine([root, .. relative.Split('/')]));
        string prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)) + Path.DirectorySeparatorChar;
        if (!full.StartsWith(prefix, StringComparison.Ordinal))
            throw DatasetException.Invalid(root, $"The dataset path '{relative}' is refused: it resolves outside the dataset ('{full}').");
        // The text is inside; a symbolic link on the way could still lead out (a hostile Person_1 -> /home/user).
        // The root itself may be a link: the user chose it.
        string step = prefix;
        foreach (var segment in relative.Split('/'))
        {
            step = Path.Combine(step, segment);
            // readlink does not care whether the link names a file or a folder; a missing path has no target.
            if (new FileInfo(step).LinkTarget is not null)
                throw DatasetException.Invalid(root, $"The dataset path '{relative}' is refused: '{step}' is a symbolic link, which could lead outside the dataset.");
            if (!Directory.Exists(step)) break;
        }
        return full;
    }

    /// <summary>Null when <paramref name="relative"/> is a plain '/'-separated path inside a dataset; otherwise why not.</summary>
    public static string? ValidateRelative(string? relative)
    {
        if (string.IsNullOrEmpty(relative)) return "it is empty.";
        if (relative.Contains('\\')) return "it contains a backslash.";
        if (relative.StartsWith('/') || Path.IsPathRooted(relative) || (relative.Length > 1 && relative[1] == ':')) return "it is rooted (it must be relative to the dataset).";
        foreach (var segment in relative.Split('/'))
        {
            if (segment.Length == 0) return "it has an empty segment.";
            if (segment is "." or "..") return "it contains '.' or '..'.";
            if (segment.IndexOfAny(InvalidSegmentChars) >= 0 || segment.Any(char.IsControl)) return "it contains a character that cannot be in a file name.";
        }
        return null;
    }

    private static readonly char[] InvalidSegmentChars = [.. Path.GetInvalidFileNameChars(), ':', '*', '?', '"', '<', '>', '|'];

    internal static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
