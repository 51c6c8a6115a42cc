using System.Diagnostics;
using System.Globalization;
using FaceCluster.Dataset;
using OpenCvSharp;

namespace FaceCluster.IO;

/// <summary>
/// The one way the engine writes a file: a temp file in the same folder, flushed to disk, then renamed over the target,
/// so a reader, a crash, a kill -9 or a full disk never leaves a half-written target. Stores, cache entries, video
/// frames, datasets and converted models all go through here.
/// </summary>
/// <remarks>
/// Temp names are <c>.fctmp-&lt;pid&gt;-&lt;12 hex&gt;-&lt;target name&gt;</c>: the prefix marks them as ours and the pid
/// proves whose they are, so <see cref="RemoveStaleTemps"/> can delete what a killed run left without touching a
/// temp file another live run is writing (or any file that is not ours).
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Temp files start with this, so a failed run can be recognised (they are removed on failure anyway).</summary>
    public const string TempPrefix = ".fctmp-";

    /// <summary>A temp file whose writer cannot be identified (no pid in the name, or the pid is alive but reused) is stale after this.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(12);

    /// <summary>A temp path beside <paramref name="path"/>, named so that <see cref="RemoveStaleTemps"/> knows it.</summary>
    public static string TempPathFor(string path)
    {
        string full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!,
            $"{TempPrefix}{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid().ToString("N")[..12]}-{Path.GetFileName(full)}");
    }

    /// <summary>Starts an atomic write of <paramref name="path"/>; nothing is visible there until <see cref="Pending.Commit"/>.</summary>
    /// <exception cref="IOException">The temp file cannot be created (folder missing, read-only, not a folder...).</exception>
    public static Pending Begin(string path, FileAccess access = FileAccess.Write)
    {
        string full = Path.GetFullPath(path);
        string temp = TempPathFor(full);
        try
        {
            return new Pending(full, temp, new FileStream(temp, FileMode.CreateNew, access, FileShare.None, 64 * 1024));
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new IOException($"Cannot create '{temp}': {ex.Message}", ex);
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="IOException">Any failure (access denied included); the target is then untouched and no temp file is left.</exception>
    public static void Replace(string path, ReadOnlySpan<byte> bytes)
    {
        using var pending = Begin(path);
        pending.Stream.Write(bytes);
        pending.Commit();
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            Replace(path, bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DatasetException.WriteFailed(path, ex);
        }
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    /// <summary>Encodes with OpenCV (format from the extension); null when OpenCV cannot encode it.</summary>
    public static byte[]? EncodeImage(string path, Mat image, int jpegQuality)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        var parameters = ext is ".jpg" or ".jpeg"
            ? new[] { new ImageEncodingParam(ImwriteFlags.JpegQuality, jpegQuality) }
            : [];
        Cv2.ImEncode(ext, image, out byte[] bytes, parameters);
        return bytes.Length == 0 ? null : bytes;
    }

    /// <summary>Encodes with OpenCV (format from the extension) and writes atomically.</summary>
    public static void WriteImage(string path, Mat image, int jpegQuality)
    {
        var bytes = EncodeImage(path, image, jpegQuality)
            ?? throw DatasetException.WriteFailed(path, new IOException($"OpenCV could not encode the image as {Path.GetExtension(path)}."));
        WriteAllBytes(path, bytes);
    }

    public static void CreateDirectory(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DatasetException.WriteFailed(path, ex);
        }
    }

    /// <summary>
    /// Deletes the temp files a killed or crashed run left in <paramref name="directory"/> (not below it): only names with
    /// <see cref="TempPrefix"/>, and only when the pid in the name is no running process or the file is older than
    /// <see cref="StaleAfter"/>. Returns how many were deleted; never throws for a file it cannot delete.
    /// </summary>
    public static int RemoveStaleTemps(string directory)
    {
        int removed = 0;
        IEnumerable<string> candidates;
        try
        {
            if (!Directory.Exists(directory)) return 0;
            candidates = Directory.EnumerateFiles(directory, TempPrefix + "*", new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (var file in candidates)
        {
            if (!IsStale(file)) continue;
            try
            {
                File.Delete(file);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
        return removed;
    }

    internal static bool IsStale(string file)
    {
        string name = Path.GetFileName(file);
        if (!name.StartsWith(TempPrefix, StringComparison.Ordinal)) return false;
        try
        {
            if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) > StaleAfter) return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        var rest = name.AsSpan(TempPrefix.Length);
        int dash = rest.IndexOf('-');
        if (dash <= 0 || !int.TryParse(rest[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) return false;
        if (pid == Environment.ProcessId) return false; // this process may be writing it right now
        return !IsRunning(pid);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>An atomic write in progress: write to <see cref="Stream"/>, then <see cref="Commit"/>; disposing without committing removes the temp file.</summary>
    internal sealed class Pending : IDisposable
    {
        private bool _done;

        internal Pending(string path, string tempPath, FileStream stream)
        {
            Path = path;
            TempPath = tempPath;
            Stream = stream;
        }

        public string Path { get; }
        public string TempPath { get; }
        public FileStream Stream { get; }

        /// <summary>Flushes to disk and renames over the target (or, without <paramref name="overwrite"/>, fails if it appeared meanwhile).</summary>
        /// <exception cref="IOException">The flush (disk full) or the rename failed; the temp file is gone and the target untouched.</exception>
        public void Commit(bool overwrite = true)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            try
            {
                Stream.Flush(flushToDisk: true);
                Stream.Dispose();
                File.Move(TempPath, Path, overwrite);
                _done = true;
            }
            catch (UnauthorizedAccessException ex)
            {
                Dispose();
                throw new IOException($"Cannot write '{Path}': {ex.Message}", ex);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            try { Stream.Dispose(); }
            catch (IOException) { } // a full disk can fail the final flush of the buffer too; the file goes anyway
            try { File.Delete(TempPath); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }
}
