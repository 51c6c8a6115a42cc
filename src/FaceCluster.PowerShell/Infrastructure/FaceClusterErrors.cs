using System.Management.Automation;
using Store = global::FaceCluster.Store;
using Video = global::FaceCluster.Video;
using Imaging = global::FaceCluster.Imaging;

namespace FaceCluster.PowerShell.Infrastructure;

/// <summary>
/// Every ErrorRecord the module writes is built here, so ids stay stable and categories consistent.
/// Scripts match on these ids (FullyQualifiedErrorId starts with them).
/// </summary>
public static class FaceClusterErrors
{
    public const string PathNotFound = "PathNotFound";
    public const string PathIsDirectory = "PathIsDirectory";
    public const string NoImagesInFolder = "NoImagesInFolder";
    public const string ImageDecodeFailed = "ImageDecodeFailed";
    public const string ImageProcessingFailed = "ImageProcessingFailed";
    public const string ModelUnavailable = "ModelUnavailable";
    public const string OutputWriteFailed = "OutputWriteFailed";
    public const string InvalidEncoding = "InvalidEncoding";
    public const string NativeLibraryMissing = "NativeLibraryMissing";
    /// <summary>The image's header announces more pixels than -MaxImagePixels; refused before decoding.</summary>
    public const string ImageTooLarge = "ImageTooLarge";
    /// <summary>Warning: the -CachePath folder cannot be written; faces still come out, only the next run is slower.</summary>
    public const string CacheWriteFailed = "CacheWriteFailed";
    /// <summary>An input file exists but cannot be read (permissions, I/O error).</summary>
    public const string InputReadFailed = "InputReadFailed";
    public const string ReferenceEmpty = "ReferenceEmpty";
    public const string ReferenceInvalid = "ReferenceInvalid";

    /// <summary>
    /// Every error id the module can emit (the first part of FullyQualifiedErrorId): the constants here, the store's, the
    /// dataset's and the video engine's codes. Tests check every error a bad input produces against this catalogue.
    /// </summary>
    public static IReadOnlySet<string> Catalogue { get; } = BuildCatalogue();

    private static HashSet<string> BuildCatalogue()
    {
        static IEnumerable<string> Constants(Type type) => type
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);
        return Constants(typeof(FaceClusterErrors))
            .Concat(Constants(typeof(Store.StoreErrorIds)))
            .Concat(Constants(typeof(global::FaceCluster.Dataset.DatasetErrors)))
            .Concat(Enum.GetNames<Video.VideoErrorCode>())
            .ToHashSet(StringComparer.Ordinal);
    }

    public static ErrorRecord PathNotFoundError(string path) =>
        new(new FileNotFoundException($"Cannot find path '{path}' because it does not exist.", path),
            PathNotFound, ErrorCategory.ObjectNotFound, path);

    public static ErrorRecord PathIsDirectoryError(string path) =>
        new(new ArgumentException($"'{path}' is a directory; give the files inside it (for example '{Path.Combine(path, "*")}')."),
            PathIsDirectory, ErrorCategory.InvalidArgument, path);

    public static ErrorRecord NoImagesInFolderError(string folder, bool recursed) =>
        new(new FileNotFoundException($"The folder '{folder}' holds no image files ({string.Join(", ", Imaging.ImageLoader.ImageFileExtensions.Order(StringComparer.Ordinal))})" +
                (recursed ? "." : "; -Recurse also searches its subfolders."), folder),
            NoImagesInFolder, ErrorCategory.ObjectNotFound, folder);

    public static ErrorRecord Create(Exception exception, string errorId, ErrorCategory category, object? target) =>
        new(exception, errorId, category, target);

    public static ErrorRecord InvalidData(string errorId, string message, object? target, Exception? inner = null) =>
        new(new InvalidDataException(message, inner), errorId, ErrorCategory.InvalidData, target);

    /// <summary>Video failures keep the engine's code as the error id; frames written before a mid-stream failure stay on disk.</summary>
    public static ErrorRecord VideoError(Video.VideoException exception)
    {
        var category = exception.Code switch
        {
            Video.VideoErrorCode.VideoNotFound => ErrorCategory.ObjectNotFound,
            Video.VideoErrorCode.VideoOpenFailed or Video.VideoErrorCode.VideoCodecUnsupported => ErrorCategory.InvalidData,
            Video.VideoErrorCode.VideoReadFailed or Video.VideoErrorCode.VideoTruncated => ErrorCategory.ReadError,
            _ => ErrorCategory.WriteError,
        };
        string kept = exception.FramesWritten > 0 ? $" The {exception.FramesWritten} frames extracted before the error were kept." : "";
        var error = new ErrorRecord(new IOException(exception.Message + kept, exception), exception.Code.ToString(), category, exception.VideoPath);
        return error;
    }

    public static ErrorRecord StoreExistsError(string path) =>
        new(new IOException($"'{path}' already exists. Use -Append to add to it or -Force to replace it."),
            Store.StoreErrorIds.StoreExists, ErrorCategory.ResourceExists, path);

    public static ErrorRecord ImageTooLargeError(Imaging.ImageTooLargeException exception) =>
        new(exception, ImageTooLarge, ErrorCategory.LimitsExceeded, exception.Path);

    public static ErrorRecord ReadFailed(string path, Exception exception) =>
        new(new IOException($"Could not read '{path}': {exception.Message}", exception), InputReadFailed, ErrorCategory.ReadError, path);

    public static ErrorRecord StoreError(Store.EncodingStoreException exception)
    {
        var category = exception.ErrorId switch
        {
            Store.StoreErrorIds.StoreNotFound => ErrorCategory.ObjectNotFound,
            Store.StoreErrorIds.StoreExists => ErrorCategory.ResourceExists,
            Store.StoreErrorIds.StoreModelMismatch => ErrorCategory.InvalidOperation,
            Store.StoreErrorIds.NothingToMerge => ErrorCategory.InvalidArgument,
            _ => ErrorCategory.InvalidData,
        };
        return new ErrorRecord(exception, exception.ErrorId, category, exception.StorePath);
    }

    /// <summary>A bad record of a store: the target names the file and line, so the user can open it there.</summary>
    public static ErrorRecord StoreIssue(Store.StoreIssue issue) =>
        new(new InvalidDataException(issue.ToString()), issue.ErrorId, ErrorCategory.InvalidData,
            issue.Path is null ? null : issue.LineNumber > 0 ? $"{issue.Path}:{issue.LineNumber}" : issue.Path);

    public static ErrorRecord DatasetError(global::FaceCluster.Dataset.DatasetException exception)
    {
        var category = exception.Kind switch
        {
            global::FaceCluster.Dataset.DatasetErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
            global::FaceCluster.Dataset.DatasetErrorKind.ResourceExists => ErrorCategory.ResourceExists,
            global::FaceCluster.Dataset.DatasetErrorKind.WriteError => ErrorCategory.WriteError,
            global::FaceCluster.Dataset.DatasetErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
            _ => ErrorCategory.InvalidData,
        };
        return new ErrorRecord(exception, exception.ErrorId, category, exception.Target);
    }

    public static ErrorRecord WriteFailed(string path, Exception exception) =>
        new(new IOException($"Could not write '{path}': {exception.Message}", exception), OutputWriteFailed, ErrorCategory.WriteError, path);
}
