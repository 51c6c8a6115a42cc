using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>Writes whole files atomically: a temp file in the same folder, then a rename over the target.</summary>
internal static class AtomicFile
{
    /// <summary>Temp files start with this, so a failed run can be recognised (they are removed on failure anyway).</summary>
    public const string TempPrefix = ".fctmp-";

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = Path.Combine(directory, TempPrefix + Guid.NewGuid().ToString("N")[..12] + "-" + Path.GetFileName(path));
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw DatasetException.WriteFailed(path, ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    /// <summary>Encodes with OpenCV (format from the extension) and writes atomically.</summary>
    public static void WriteImage(string path, Mat image, int jpegQuality) => WriteAllBytes(path, EncodeImage(path, image, jpegQuality));

    /// <summary>The bytes <see cref="WriteImage"/> would write (format from the extension of <paramref name="path"/>).</summary>
    public static byte[] EncodeImage(string path, Mat image, int jpegQuality)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        var parameters = ext is ".jpg" or ".jpeg"
            ? new[] { new ImageEncodingParam(ImwriteFlags.JpegQuality, jpegQuality) }
            : [];
        Cv2.ImEncode(ext, image, out byte[] bytes, parameters);
        if (bytes.Length == 0)
        {
            throw DatasetException.WriteFailed(path, new IOException($"OpenCV could not encode the image as {ext}."));
        }
        return bytes;
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

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
