using System.Management.Automation;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Every ErrorRecord the module writes is built here, so ids stay stable and categories consistent.
/// Scripts match on these ids (FullyQualifiedErrorId starts with them).
/// </summary>
public static class FaceClusterErrors
{
    public const string PathNotFound = "PathNotFound";
    public const string PathIsDirectory = "PathIsDirectory";
    public const string ImageDecodeFailed = "ImageDecodeFailed";
    public const string ImageProcessingFailed = "ImageProcessingFailed";
    public const string ModelUnavailable = "ModelUnavailable";
    public const string VideoNotFound = "VideoNotFound";
    public const string VideoOpenFailed = "VideoOpenFailed";
    public const string VideoReadFailed = "VideoReadFailed";
    public const string FrameWriteFailed = "FrameWriteFailed";
    public const string StoreReadFailed = "StoreReadFailed";
    public const string StoreRecordInvalid = "StoreRecordInvalid";
    public const string StoreModelMismatch = "StoreModelMismatch";
    public const string OutputExists = "OutputExists";
    public const string OutputWriteFailed = "OutputWriteFailed";
    public const string InvalidEncoding = "InvalidEncoding";
    public const string ClusteringFailed = "ClusteringFailed";
    public const string DatasetInvalid = "DatasetInvalid";
    public const string LabelConflict = "LabelConflict";
    public const string ClusterNotFound = "ClusterNotFound";

    public static ErrorRecord PathNotFoundError(string path) =>
        new(new FileNotFoundException($"Cannot find path '{path}' because it does not exist.", path),
            PathNotFound, ErrorCategory.ObjectNotFound, path);

    public static ErrorRecord PathIsDirectoryError(string path) =>
        new(new ArgumentException($"'{path}' is a directory; give the files inside it (for example '{Path.Combine(path, "*")}')."),
            PathIsDirectory, ErrorCategory.InvalidArgument, path);

    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target) =>
        new(exception, errorId, category, target);

    public static ErrorRecord InvalidData(string errorId, string message, object? target, Exception? inner = null) =>
        new(new InvalidDataException(message, inner), errorId, ErrorCategory.InvalidData, target);

    public static ErrorRecord OutputExistsError(string path) =>
        new(new IOException($"'{path}' already exists. Use -Force to overwrite it."), OutputExists, ErrorCategory.ResourceExists, path);

    public static ErrorRecord WriteFailed(string path, Exception exception) =>
        new(new IOException($"Could not write '{path}': {exception.Message}", exception), OutputWriteFailed, ErrorCategory.WriteError, path);
}
