namespace FaceCluster.Store;

/// <summary>Limits applied while reading a store.</summary>
public sealed class EncodingStoreReaderOptions
{
    /// <summary>Longest accepted line in bytes; longer lines are skipped and reported (StoreRecordTooLong).</summary>
    public int MaxRecordBytes { get; init; } = EncodingStoreFormat.DefaultMaxRecordBytes;
}

/// <summary>
/// Streams the faces of one encoding store. A bad header is fatal (<see cref="EncodingStoreException"/> from
/// <see cref="Open"/>); a bad record is reported through the issue callback with its line number and skipped,
/// and reading continues with the next line.
/// </summary>
public sealed class EncodingStoreReader : IDisposable
{
    private readonly FileStream _stream;
    private readonly BoundedLineReader _lines;
    private readonly int _maxRecordBytes;
    private bool _enumerated;

    private EncodingStoreReader(string path, FileStream stream, BoundedLineReader lines, EncodingStoreHeader header, int maxRecordBytes)
    {
        _maxRecordBytes = maxRecordBytes;
        Path = path;
        _stream = stream;
        _lines = lines;
        Header = header;
    }

    public string Path { get; }
    public EncodingStoreHeader Header { get; }
    /// <summary>1-based line number of the record last returned (or reported).</summary>
    public long LineNumber => _lines.LineNumber;

    /// <summary>Opens <paramref name="path"/> and reads its header.</summary>
    /// <exception cref="EncodingStoreException">StoreNotFound, StoreHeaderInvalid or StoreVersionUnsupported.</exception>
    public static EncodingStoreReader Open(string path, EncodingStoreReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new EncodingStoreReaderOptions();
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path) || !File.Exists(path))
            throw new EncodingStoreException(StoreErrorIds.StoreNotFound, path, $"Encoding store '{path}' does not exist.");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, FileOptions.SequentialScan);
        try
        {
            var lines = new BoundedLineReader(stream, options.MaxRecordBytes);
            var kind = lines.Next(out var line);
            var header = kind switch
            {
                BoundedLineReader.Kind.End => throw new EncodingStoreException(StoreErrorIds.StoreHeaderInvalid, path, $"{path}: the file is empty, expected a {EncodingStoreFormat.FormatName} header."),
                BoundedLineReader.Kind.TooLong => throw new EncodingStoreException(StoreErrorIds.StoreHeaderInvalid, path, $"{path}: the first line is longer than {options.MaxRecordBytes} bytes; not a {EncodingStoreFormat.FormatName} file."),
                _ => EncodingStoreFormat.ParseHeader(line, path),
            };
            return new EncodingStoreReader(path, stream, lines, header, options.MaxRecordBytes);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads only the header of <paramref name="path"/>.</summary>
    public static EncodingStoreHeader ReadHeader(string path, EncodingStoreReaderOptions? options = null)
    {
        using var reader = Open(path, options);
        return reader.Header;
    }

    /// <summary>Reads every valid face of <paramref name="path"/>; invalid records go to <paramref name="onIssue"/>.</summary>
    public static List<FaceEncoding> ReadAll(string path, Action<StoreIssue>? onIssue = null, EncodingStoreReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var reader = Open(path, options);
        return reader.ReadRecords(onIssue, cancellationToken).ToList();
    }

    /// <summary>Streams the valid faces; can be enumerated once. Each face gets <see cref="FaceEncoding.Model"/> from the header.</summary>
    public IEnumerable<FaceEncoding> ReadRecords(Action<StoreIssue>? onIssue = null, CancellationToken cancellationToken = default)
    {
        if (_enumerated) throw new InvalidOperationException("The records of a store can be enumerated only once.");
        _enumerated = true;
        return Iterate(onIssue, cancellationToken);
    }

    private IEnumerable<FaceEncoding> Iterate(Action<StoreIssue>? onIssue, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var kind = _lines.Next(out var line);
            if (kind == BoundedLineReader.Kind.End) yield break;
            if (kind == BoundedLineReader.Kind.TooLong)
            {
                onIssue?.Invoke(new StoreIssue(StoreErrorIds.StoreRecordTooLong, Path, _lines.LineNumber,
                    $"record is longer than the {_maxRecordBytes}-byte limit; skipped"));
                continue;
            }
            if (IsBlank(line.Span)) continue;
            var face = EncodingStoreFormat.TryParseRecord(line, Header.Model, out var error);
            if (face is null)
            {
                var message = _lines.LastLineTerminated ? error! : error + " (the file ends inside this record: truncated?)";
                onIssue?.Invoke(new StoreIssue(StoreErrorIds.StoreRecordInvalid, Path, _lines.LineNumber, message));
                continue;
            }
            yield return face;
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (var b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        }
        return true;
    }

    public void Dispose() => _stream.Dispose();
}
