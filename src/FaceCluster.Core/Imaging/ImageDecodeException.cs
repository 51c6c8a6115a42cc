namespace FaceCluster.Imaging;

/// <summary>
/// The file exists but its bytes are not an image this module can read: empty, truncated beyond repair,
/// text or another non-image format (whatever the extension says), or an image codec that is not supported.
/// </summary>
public class ImageDecodeException : Exception
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

/// <summary>
/// The image's header announces more pixels than the limit (<see cref="ImageLoader.DefaultMaxPixels"/> unless overridden);
/// it was refused before decoding, so a small file that inflates to gigabytes costs nothing.
/// </summary>
public sealed class ImageTooLargeException : ImageDecodeException
{
    public ImageTooLargeException(string path, int width, int height, long maxPixels)
        : base(path, string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"the image is {width} x {height} = {(long)width * height:N0} pixels, more than the limit of {maxPixels:N0} (-MaxImagePixels)."))
    {
        Width = width;
        Height = height;
        MaxPixels = maxPixels;
    }

    public int Width { get; }
    public int Height { get; }
    public long MaxPixels { get; }
}
