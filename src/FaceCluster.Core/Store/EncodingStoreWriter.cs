using System.Buffers;
using System.Text.Json;

namespace FaceCluster.Store;

/// <summary>What to do when the output store already exists.</summary>
public enum StoreWriteMode
{
    /// <summary>Refuse (StoreExists) if the file exists.</summary>
    CreateNew,
    /// <summary>Replace the file (the -Force of the cmdlets).</summary>
    Overwrite,
    /// <summary>Keep the existing records and add the new ones; the existing store must have the same model.</summary>
    Append,
}

/// <summary>
/// Writes an encoding store atomically: everything goes to a temporary file in the same folder, which
/// <see cref="Commit"/> renames over the target. Disposing without committing leaves the target untouched.
/// </summary>
public sealed class EncodingStoreWriter : IDisposable
{
    private readonly AtomicFile.Pending _pending;
    private readonly FileStream _stream;
    private readonly ArrayBufferWriter<byte> _record = new(4096);
    private readonly Utf8JsonWriter _json;
    private readonly StoreWriteMode _mode;
    private bool _committed, _disposed;

    private EncodingStoreWriter(string path, AtomicFile.Pending pending, EncodingStoreHeader header, StoreWriteMode mode)
    {
        Path = path;
        _pending = pending;
        _stream = pending.Stream;
        _mode = mode;
        Header = header;
        _json = new Utf8JsonWriter(_record, EncodingStoreFormat.WriterOptions);
    }

    public string Path { get; }
    public EncodingStoreHeader Header { get; }
    public string Model => Header.Model;
    /// <summary>Faces written through this writer (not counting records kept by Append).</summary>
    public int Count { get; private set; }

    /// <summary>Generator text written in new headers.</summary>
    public static string DefaultGenerator { get; } = "FaceCluster " + (typeof(EncodingStoreWriter).Assembly.GetName().Version?.ToString(3) ?? "0");

    /// <summary>The mode the cmdlets' -Append and -Force switches ask for (Append wins; neither refuses an existing file).</summary>
    public static StoreWriteMode ModeFor(bool append, bool force) =>
        append ? StoreWriteMode.Append : force ? StoreWriteMode.Overwrite : StoreWriteMode.CreateNew;

    /// <summary>Starts writing <paramref name="path"/> for descriptors of <paramref name="model"/>.</summary>
    /// <exception cref="EncodingStoreException">StoreExists (CreateNew and the file exists), StoreModelMismatch (Append to a store of
    /// another model), StoreHeaderInvalid/StoreVersionUnsupported (Append to something that is not a readable store).</exception>
    public static EncodingStoreWriter Create(string path, string model, StoreWriteMode mode = StoreWriteMode.CreateNew, string? settings = null)
        => Create(path, model, mode, settings, removeStaleTemps: true);

    /// <param name="removeStaleTemps">False for the cache, which cleans its folder once rather than at every entry.</param>
    internal static EncodingStoreWriter Create(string path, string model, StoreWriteMode mode, string? settings, bool removeStaleTemps)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(path)) throw new EncodingStoreException(StoreErrorIds.StoreExists, path, $"'{path}' is a directory.");
        bool exists = File.Exists(path);
        if (exists && mode == StoreWriteMode.CreateNew)
            throw new EncodingStoreException(StoreErrorIds.StoreExists, path, $"Encoding store '{path}' already exists; use Force to overwrite it or Append to add to it.");

        EncodingStoreHeader? existing = null;
        if (exists && mode == StoreWriteMode.Append)
        {
            existing = EncodingStoreReader.ReadHeader(path);
            if (!string.Equals(existing.Model, model, StringComparison.Ordinal))
                throw new EncodingStoreException(StoreErrorIds.StoreModelMismatch, path,
                    $"Cannot append '{model}' encodings to '{path}', which holds '{existing.Model}' encodings; descriptors of different models cannot be mixed.");
        }

        var dir = System.IO.Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"Cannot create the folder '{dir}': {ex.Message}", ex);
        }
        // What a killed run left here goes first, so a rerun after kill -9 ends with the folder as an uninterrupted run leaves it.
        if (removeStaleTemps) AtomicFile.RemoveStaleTemps(dir);
        var pending = AtomicFile.Begin(path, FileAccess.ReadWrite);
        var stream = pending.Stream;
        try
        {
            EncodingStoreHeader header;
            if (existing is not null)
            {
                header = existing;
                using (var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan))
                {
                    source.CopyTo(stream);
                }
                if (stream.Length > 0)
                {
                    stream.Position = stream.Length - 1;
                    bool endsWithNewline = stream.ReadByte() == '\n';
                    stream.Position = stream.Length;
                    if (!endsWithNewline) stream.WriteByte((byte)'\n'); // never glue a new record onto a truncated one
                }
            }
            else
            {
                header = new EncodingStoreHeader(model, EncodingStoreFormat.CurrentVersion, CreationTime(), DefaultGenerator, settings);
                using (var w = new Utf8JsonWriter(stream, EncodingStoreFormat.WriterOptions))
                {
                    EncodingStoreFormat.WriteHeader(w, header);
                }
                stream.WriteByte((byte)'\n');
            }
            return new EncodingStoreWriter(path, pending, header, mode);
        }
        catch
        {
            pending.Dispose();
            throw;
        }
    }

    /// <summary>Writes one face. Throws EncodingInvalid / StoreModelMismatch (nothing written) when it cannot be stored.</summary>
    public void Write(FaceEncoding face)
    {
        if (!TryWrite(face, out var error, out var errorId)) throw new EncodingStoreException(errorId!, Path, error!);
    }

    /// <summary>Writes one face, or returns false with the reason when it fails validation or is of another model.</summary>
    public bool TryWrite(FaceEncoding face, out string? error) => TryWrite(face, out error, out _);

    private bool TryWrite(FaceEncoding face, out string? error, out string? errorId)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) throw new InvalidOperationException("The store has already been committed.");
        ArgumentNullException.ThrowIfNull(face);
        if (!string.Equals(face.Model, Model, StringComparison.Ordinal))
        {
            errorId = StoreErrorIds.StoreModelMismatch;
            error = $"Face {face.Id} was encoded with '{face.Model}' but '{Path}' holds '{Model}' encodings.";
            return false;
        }
        var invalid = EncodingValidator.Validate(face);
        if (invalid is not null)
        {
            errorId = StoreErrorIds.EncodingInvalid;
            error = $"Face {face.Id} of '{face.Path}' cannot be stored: {invalid}.";
            return false;
        }
        // Serialise into memory first: a value the JSON writer rejects (e.g. a path with a lone surrogate) must not
        // leave half a record in the file.
        _record.Clear();
        try
        {
            EncodingStoreFormat.WriteRecord(_json, face);
            _json.Flush();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            _json.Reset();
            errorId = StoreErrorIds.EncodingInvalid;
            error = $"Face {face.Id} of '{face.Path}' cannot be stored: {ex.Message}";
            return false;
        }
        _json.Reset();
        _stream.Write(_record.WrittenSpan);
        _stream.WriteByte((byte)'\n');
        Count++;
        error = errorId = null;
        return true;
    }

    /// <summary>Flushes to disk and atomically moves the finished store into place.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed) return;
        try
        {
            _pending.Commit(overwrite: _mode != StoreWriteMode.CreateNew);
        }
        catch (IOException ex) when (ex is not EncodingStoreException && _mode == StoreWriteMode.CreateNew && File.Exists(Path))
        {
            throw new EncodingStoreException(StoreErrorIds.StoreExists, Path, $"Encoding store '{Path}' was created by someone else meanwhile.", ex);
        }
        _committed = true;
    }

    /// <summary>Abandons the temporary file unless <see cref="Commit"/> was called.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _json.Dispose();
        if (!_committed) _pending.Dispose();
    }

    /// <summary>
    /// The <c>created</c> time of a new store: now, or SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds
    /// convention) when set, so that two runs over the same input can give byte-identical stores.
    /// </summary>
    internal static DateTimeOffset CreationTime()
    {
        var epoch = Environment.GetEnvironmentVariable("SOURCE_DATE_EPOCH");
        return long.TryParse(epoch, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seconds)
            && seconds <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UtcNow;
    }

    /// <summary>Writes <paramref name="faces"/> to <paramref name="path"/> in one atomic step; returns how many were written.</summary>
    public static int WriteAll(string path, string model, IEnumerable<FaceEncoding> faces, StoreWriteMode mode = StoreWriteMode.CreateNew,
        CancellationToken cancellationToken = default)
    {
        using var writer = Create(path, model, mode);
        foreach (var face in faces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Write(face);
        }
        writer.Commit();
        return writer.Count;
    }
}
