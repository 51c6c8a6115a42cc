using FaceCluster.Dataset;
using OpenCvSharp;

namespace FaceCluster.Tests;

/// <summary>Reads a written montage back (shared by the engine and the cmdlet tests).</summary>
public static class MontageTiles
{
    /// <summary>
    /// How many of the 5x5 tiles hold a picture: a tile counts when more than a tenth of it differs clearly from the
    /// dark background. The caption band covers the bottom of the last row, so that row is measured above it.
    /// </summary>
    public static int Filled(string montagePath)
    {
        using var montage = Cv2.ImRead(montagePath);
        int filled = 0;
        for (int i = 0; i < Montage.MaxTiles; i++)
        {
            int height = i / 5 == 4 ? Montage.TileHeight - Montage.BandHeight : Montage.TileHeight;
            using var tile = new Mat(montage, new Rect(i % 5 * Montage.TileWidth, i / 5 * Montage.TileHeight, Montage.TileWidth, height));
            using var gray = tile.CvtColor(ColorConversionCodes.BGR2GRAY);
            using var differs = new Mat();
            Cv2.Absdiff(gray, new Scalar(32), differs);
            Cv2.Threshold(differs, differs, 24, 255, ThresholdTypes.Binary);
            if (Cv2.CountNonZero(differs) > tile.Width * tile.Height / 10) filled++;
        }
        return filled;
    }
}
