namespace FaceCluster.Store;

/// <summary>Stable error ids for encoding stores. Cmdlets use them as ErrorRecord ids; never rename them.</summary>
public static class StoreErrorIds
{
    /// <summary>The store file does not exist.</summary>
    public const string StoreNotFound = "StoreNotFound";
    /// <summary>The first line is missing, not JSON, not a facecluster.encodings header, or has bad fields.</summary>
    public const string StoreHeaderInvalid = "StoreHeaderInvalid";
    /// <summary>The header declares a format version this build cannot read.</summary>
    public const string StoreVersionUnsupported = "StoreVersionUnsupported";
    /// <summary>Two stores (or a store and encodings) come from different descriptor models.</summary>
    public const string StoreModelMismatch = "StoreModelMismatch";
    /// <summary>One record line is not valid JSON, has unknown/missing fields or fails validation. Other records are still read.</summary>
    public const string StoreRecordInvalid = "StoreRecordInvalid";
    /// <summary>One record line is longer than the limit; it is skipped without being buffered.</summary>
    public const string StoreRecordTooLong = "StoreRecordTooLong";
    /// <summary>The output exists and neither Force nor Append was given.</summary>
    public const string StoreExists = "StoreExists";
    /// <summary>A face handed to a writer fails validation (it is not written).</summary>
    public const string EncodingInvalid = "EncodingInvalid";
    /// <summary>A merge was given no store and no face (nothing to take the model from).</summary>
    public const string NothingToMerge = "NothingToMerge";
    /// <summary>A record repeats an id already seen (merge drops it, first one wins).</summary>
    public const string DuplicateId = "DuplicateId";
}

/// <summary>A problem with one record (or the header) of one store; reported without stopping the read.</summary>
/// <param name="ErrorId">One of <see cref="StoreErrorIds"/>.</param>
/// <param name="Path">The store file, or null for in-memory encodings.</param>
/// <param name="LineNumber">1-based line of the record (1 is the header); 0 when not tied to a line.</param>
/// <param name="Message">Human-readable explanation.</param>
public sealed record StoreIssue(string ErrorId, string? Path, long LineNumber, string Message)
{
    public override string ToString() => Path is null
        ? $"{ErrorId}: {Message}"
        : LineNumber > 0 ? $"{ErrorId}: {Path}:{LineNumber}: {Message}" : $"{ErrorId}: {Path}: {Message}";
}

/// <summary>A failure that stops a whole store operation (bad header, model mismatch, refusing to overwrite...).</summary>
public sealed class EncodingStoreException : IOException
{
    public EncodingStoreException(string errorId, string? path, string message, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        StorePath = path;
    }

    /// <summary>One of <see cref="StoreErrorIds"/>.</summary>
    public string ErrorId { get; }
    public string? StorePath { get; }
}
