namespace FaceCluster.Dataset;

/// <summary>
/// Stable error ids of the dataset engine (the cmdlets use them as ErrorRecord ids) and the kind of each,
/// which maps one to one onto a PowerShell ErrorCategory.
/// </summary>
public static class DatasetErrors
{
    /// <summary>The output folder is not empty and holds no dataset marker (use Force).</summary>
    public const string OutputNotDataset = "OutputNotDataset";
    /// <summary>A file or folder could not be written (read-only folder, a file where a folder should be, disk full...).</summary>
    public const string OutputWriteFailed = "OutputWriteFailed";
    /// <summary>The folder is not a readable dataset (no or broken marker or manifest).</summary>
    public const string DatasetInvalid = "DatasetInvalid";
    /// <summary>Two people would get the same folder (labels compare case-insensitively), or the new name is taken.</summary>
    public const string LabelConflict = "LabelConflict";
    /// <summary>The label cannot be a folder name (empty, path characters, reserved name...).</summary>
    public const string LabelInvalid = "LabelInvalid";
    /// <summary>No person with that label or cluster id in the dataset.</summary>
    public const string ClusterNotFound = "ClusterNotFound";
    /// <summary>A merge names fewer than two different people.</summary>
    public const string TooFewPeople = "TooFewPeople";
}

/// <summary>What went wrong, coarse enough to pick a PowerShell ErrorCategory from.</summary>
public enum DatasetErrorKind
{
    /// <summary>ErrorCategory.InvalidArgument</summary>
    InvalidArgument,
    /// <summary>ErrorCategory.ResourceExists</summary>
    ResourceExists,
    /// <summary>ErrorCategory.WriteError</summary>
    WriteError,
    /// <summary>ErrorCategory.InvalidData</summary>
    InvalidData,
    /// <summary>ErrorCategory.ObjectNotFound</summary>
    ObjectNotFound,
}

/// <summary>Every failure of <see cref="DatasetWriter"/>, <see cref="DatasetReader"/>, <see cref="DatasetRenamer"/> and <see cref="DatasetMerger"/>.</summary>
public sealed class DatasetException : IOException
{
    public DatasetException(string errorId, DatasetErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    /// <summary>One of the <see cref="DatasetErrors"/> constants.</summary>
    public string ErrorId { get; }
    public DatasetErrorKind Kind { get; }
    /// <summary>The path or label the error is about.</summary>
    public string? Target { get; }

    internal static DatasetException WriteFailed(string path, Exception inner) =>
        new(DatasetErrors.OutputWriteFailed, DatasetErrorKind.WriteError, $"Could not write '{path}': {inner.Message}", path, inner);

    internal static DatasetException Invalid(string path, string message, Exception? inner = null) =>
        new(DatasetErrors.DatasetInvalid, DatasetErrorKind.InvalidData, message, path, inner);
}
