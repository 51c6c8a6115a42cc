namespace FaceCluster.Imaging;

/// <summary>
/// The file exists but its bytes are not an image this module can read: empty, truncated beyond repair,
/// text or another non-image format (whatever the extension says), or an image codec that is not supported.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(string path, string reason, Exception? inner = null)
        : base($"Cannot read image '{path}': {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The file (or a descriptive name for in-memory data) that failed to decode.</summary>
    public string Path { get; }

    /// <summary>Why it failed, without the path.</summary>
    public string Reason { get; }
}
