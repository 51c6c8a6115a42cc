namespace FaceCluster.Imaging;

/// <summary>Image container formats recognised from their leading bytes (never from the file name).</summary>
public enum ImageFormat
{
    Unknown = 0,
    Jpeg,
    Png,
    Bmp,
    WebP,
    Tiff,
}
