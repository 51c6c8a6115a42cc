using System.Security.Cryptography;
using System.Text;

namespace FaceCluster.Store;

/// <summary>
/// Per-image cache of face encodings (the -CachePath of Get-FaceEncoding): one small encoding store per
/// (image content, settings) pair, named <c>&lt;sha256 of content&gt;-&lt;sha256 of settings key, 16 hex&gt;.jsonl</c>.
/// An image with no face is cached too (an empty store). Cached faces come back with the image's current path,
/// because the same content may have been moved or copied.
/// </summary>
public sealed class EncodingCache
{
    public const string Extension = ".jsonl";
    private readonly Func<FaceEncoding, string>? _idFactory;
    private int _cleaned;

    /// <param name="directory">Cache folder (created on first Put).</param>
    /// <param name="idFactory">Recomputes <see cref="FaceEncoding.Id"/> for a face whose Path was rebased to the current image
    /// (ids derive from the path). Null keeps the cached id.</param>
    public EncodingCache(string directory, Func<FaceEncoding, string>? idFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        _idFactory = idFactory;
    }

    public string Directory { get; }

    /// <summary>Builds the settings key from everything that changes the result of detection + encoding.</summary>
    public static string SettingsKey(string detector, double minConfidence, int minSize, string model, string? extra = null) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"detector={detector};minConfidence={minConfidence:R};minSize={minSize};model={model}{(extra is null ? "" : ";" + extra)}");

    /// <summary>SHA-256 of the file content, lower-case hex.</summary>
    public static string HashFile(string path, CancellationToken cancellationToken = default)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.SequentialScan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, n);
        }
        return Convert.ToHexString(sha.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>The cache file for an image whose content hash is <paramref name="contentHash"/>.</summary>
    public string EntryPath(string contentHash, string settingsKey)
    {
        var settingsHash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(settingsKey)))[..16].ToLowerInvariant();
        return Path.Combine(Directory, $"{contentHash}-{settingsHash}{Extension}");
    }

    /// <summary>
    /// Looks <paramref name="imagePath"/> up. On a hit, <paramref name="faces"/> is the cached list (empty = the image has no face),
    /// with Path set to <paramref name="imagePath"/>. A corrupt or mismatching entry is a miss (and will be replaced by Put).
    /// </summary>
    public bool TryGet(string imagePath, string settingsKey, out IReadOnlyList<FaceEncoding> faces, CancellationToken cancellationToken = default)
        => TryGetByHash(imagePath, HashFile(imagePath, cancellationToken), settingsKey, out faces, cancellationToken);

    /// <summary>As <see cref="TryGet(string,string,out IReadOnlyList{FaceEncoding},CancellationToken)"/> with a precomputed content hash.</summary>
    public bool TryGetByHash(string imagePath, string contentHash, string settingsKey, out IReadOnlyList<FaceEncoding> faces, CancellationToken cancellationToken = default)
    {
        faces = [];
        var entry = EntryPath(contentHash, settingsKey);
        if (!File.Exists(entry)) return false;
        try
        {
            using var reader = EncodingStoreReader.Open(entry);
            if (!string.Equals(reader.Header.Settings, settingsKey, StringComparison.Ordinal)) return false;
            bool bad = false;
            var list = reader.ReadRecords(_ => bad = true, cancellationToken).ToList();
            if (bad) return false;
            var full = Path.GetFullPath(imagePath);
            faces = list.Select(f => Rebase(f, full)).ToList();
            return true;
        }
        catch (EncodingStoreException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Stores the faces found in <paramref name="imagePath"/> (possibly none) atomically, replacing any previous entry.</summary>
    public string Put(string imagePath, string settingsKey, string model, IReadOnlyCollection<FaceEncoding> faces, CancellationToken cancellationToken = default)
        => PutByHash(HashFile(imagePath, cancellationToken), settingsKey, model, faces, cancellationToken);

    /// <summary>As <see cref="Put(string,string,string,IReadOnlyCollection{FaceEncoding},CancellationToken)"/> with a precomputed content hash.</summary>
    /// <exception cref="IOException">The entry cannot be written (read-only folder, the cache path is a file, disk full); no partial entry is left.</exception>
    public string PutByHash(string contentHash, string settingsKey, string model, IReadOnlyCollection<FaceEncoding> faces, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(contentHash);
        var entry = EntryPath(contentHash, settingsKey);
        if (Interlocked.Exchange(ref _cleaned, 1) == 0) AtomicFile.RemoveStaleTemps(Directory);
        using var writer = EncodingStoreWriter.Create(entry, model, StoreWriteMode.Overwrite, settingsKey, removeStaleTemps: false);
        foreach (var face in faces)
        {
            cancellationToken.ThrowIfCancellationRequested();
            writer.Write(face);
        }
        writer.Commit();
        return entry;
    }

    private FaceEncoding Rebase(FaceEncoding f, string path)
    {
        if (string.Equals(f.Path, path, StringComparison.Ordinal)) return f;
        var moved = With(f, f.Id, path);
        return _idFactory is null ? moved : With(moved, _idFactory(moved), path);
    }

    private static FaceEncoding With(FaceEncoding f, string id, string path) => f.WithSource(id, path, f.VideoPath, f.FrameIndex, f.Timestamp, shot: f.Shot);
}
