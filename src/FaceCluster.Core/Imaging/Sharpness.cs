using OpenCvSharp;

namespace FaceCluster.Imaging;

/// <summary>Focus measure for face chips.</summary>
public static class Sharpness
{
    /// <summary>
    /// Variance of the Laplacian (3x3 aperture, 64-bit float) of the grey image. Blurry chips score low
    /// (a few tens), crisp ones hundreds or more; compare values only between chips of the same size
    /// (150x150 aligned chips in this module). A flat image scores 0. Thread-safe.
    /// </summary>
    public static double VarianceOfLaplacian(Mat image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Empty()) throw new ArgumentException("The image is empty.", nameof(image));
        using var grey = new Mat();
        switch (image.Channels())
        {
            case 1: image.CopyTo(grey); break;
            case 3: Cv2.CvtColor(image, grey, ColorConversionCodes.BGR2GRAY); break;
            case 4: Cv2.CvtColor(image, grey, ColorConversionCodes.BGRA2GRAY); break;
            default: throw new ArgumentException($"Unsupported channel count {image.Channels()}.", nameof(image));
        }

        using var laplacian = new Mat();
        Cv2.Laplacian(grey, laplacian, MatType.CV_64F);
        Cv2.MeanStdDev(laplacian, out _, out var stddev);
        return stddev.Val0 * stddev.Val0;
    }
}
