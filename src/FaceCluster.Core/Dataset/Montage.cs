using System.Globalization;
using System.Text;
using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>
/// The per-person montage: up to 25 faces in a 5x5 grid of 96x120 tiles (480x600), the label on a dark band at the bottom.
/// </summary>
public static class Montage
{
    public const int Columns = 5;
    public const int Rows = 5;
    public const int TileWidth = 96;
    public const int TileHeight = 120;
    public const int Width = Columns * TileWidth;   // 480
    public const int Height = Rows * TileHeight;    // 600
    public const int MaxTiles = Columns * Rows;     // 25
    /// <summary>Height of the caption band (drawn over the bottom of the last tile row).</summary>
    public const int BandHeight = 26;

    /// <summary>Colour of empty tiles and of the letterbox around a tile.</summary>
    public static readonly Scalar Background = new(32, 32, 32);
    private static readonly Scalar BandColour = new(12, 12, 12);

    /// <summary>
    /// Picks up to <paramref name="max"/> faces, sharpest and most different first. Greedy farthest-point selection:
    /// start with the sharpest face; then repeatedly take the face that maximises
    /// <c>minDistance(face, chosen) * (0.5 + 0.5 * sharpness / maxSharpness)</c>, i.e. the face least like any face
    /// already chosen, with blurry faces counting at most half. Ties go to the earlier face (clusters list faces by Id),
    /// so the choice is deterministic. With no usable sharpness (all 0) it is plain farthest-point selection.
    /// </summary>
    public static IReadOnlyList<FaceEncoding> SelectFaces(IReadOnlyList<FaceEncoding> faces, int max = MaxTiles)
    {
        if (faces.Count <= max) return [.. faces.OrderByDescending(f => f.Sharpness)];
        double maxSharp = faces.Max(f => f.Sharpness);
        double Weight(FaceEncoding f) => maxSharp > 0 ? 0.5 + 0.5 * Math.Max(0, f.Sharpness) / maxSharp : 1.0;

        var chosen = new List<FaceEncoding>(max);
        var minDistance = new double[faces.Count];
        Array.Fill(minDistance, double.PositiveInfinity);
        var taken = new bool[faces.Count];

        int first = 0;
        for (int i = 1; i < faces.Count; i++) if (faces[i].Sharpness > faces[first].Sharpness) first = i;
        int next = first;
        while (chosen.Count < max)
        {
            taken[next] = true;
            chosen.Add(faces[next]);
            int best = -1;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < faces.Count; i++)
            {
                if (taken[i]) continue;
                double d = SafeDistance(faces[i].Descriptor, faces[next].Descriptor);
                if (d < minDistance[i]) minDistance[i] = d;
                double score = minDistance[i] * Weight(faces[i]);
                if (score > bestScore) { bestScore = score; best = i; }
            }
            if (best < 0) break;
            next = best;
        }
        return chosen;
    }

    private static double SafeDistance(float[] a, float[] b) =>
        a.Length == b.Length && a.Length > 0 ? FaceDistance.Euclidean(a, b) : 0;

    /// <summary>
    /// The part of the source image a face's tile shows. Tiles are for recognising the person at a glance: a face-sized
    /// margin (0.3 of the box sideways, 0.5 up and down, the tile's 4:5 shape) rather than the portrait's fixed
    /// 100/150 px, which on a small face in a 700x500 frame leaves a 96 px tile mostly background.
    /// </summary>
    public static Rect? TileRegion(FaceBox box, int imageWidth, int imageHeight) =>
        PortraitCrop.Region(box, imageWidth, imageHeight, (int)(box.Width * 0.3f), (int)(box.Height * 0.5f));

    /// <summary>Scales <paramref name="crop"/> to fit a tile (aspect kept, centred on the background colour).</summary>
    public static Mat MakeTile(Mat crop)
    {
        var tile = new Mat(new Size(TileWidth, TileHeight), MatType.CV_8UC3, Background);
        int cw = crop.Cols, ch = crop.Rows;
        if (cw <= 0 || ch <= 0) return tile;
        double scale = Math.Min((double)TileWidth / cw, (double)TileHeight / ch);
        int w = Math.Clamp((int)Math.Round(cw * scale), 1, TileWidth);
        int h = Math.Clamp((int)Math.Round(ch * scale), 1, TileHeight);
        using var resized = new Mat();
        Cv2.Resize(crop, resized, new Size(w, h), 0, 0, scale < 1 ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        using var target = new Mat(tile, new Rect((TileWidth - w) / 2, (TileHeight - h) / 2, w, h));
        resized.CopyTo(target);
        return tile;
    }

    /// <summary>Lays out the tiles (row by row, at most 25) and writes the label on the band.</summary>
    public static Mat Render(IReadOnlyList<Mat> tiles, string label)
    {
        var montage = new Mat(new Size(Width, Height), MatType.CV_8UC3, Background);
        for (int i = 0; i < Math.Min(tiles.Count, MaxTiles); i++)
        {
            var rect = new Rect(i % Columns * TileWidth, i / Columns * TileHeight, TileWidth, TileHeight);
            using var target = new Mat(montage, rect);
            tiles[i].CopyTo(target);
        }
        DrawCaption(montage, label);
        return montage;
    }

    /// <summary>
    /// Paints the opaque band and the caption. The band covers the old caption completely, so a rename
    /// re-renders the montage from the montage itself (no source images needed).
    /// Hershey fonts are ASCII only: the label is drawn as <see cref="CaptionText"/>.
    /// </summary>
    public static void DrawCaption(Mat montage, string label)
    {
        int width = montage.Cols, height = montage.Rows;
        Cv2.Rectangle(montage, new Rect(0, height - BandHeight, width, BandHeight), BandColour, -1);
        string text = CaptionText(label);
        const HersheyFonts font = HersheyFonts.HersheySimplex;
        double scale = 0.6;
        int maxWidth = width - 12;
        var size = Cv2.GetTextSize(text, font, scale, 1, out int baseline);
        while (size.Width > maxWidth && scale > 0.35)
        {
            scale -= 0.05;
            size = Cv2.GetTextSize(text, font, scale, 1, out baseline);
        }
        while (size.Width > maxWidth && text.Length > 4)
        {
            text = text[..^4] + "...";
            size = Cv2.GetTextSize(text, font, scale, 1, out baseline);
        }
        var origin = new Point((width - size.Width) / 2, height - (BandHeight - size.Height) / 2 - 1);
        Cv2.PutText(montage, text, origin, font, scale, Scalar.White, 1, LineTypes.AntiAlias);
    }

    // Latin letters that are not a base letter plus accents, so Unicode decomposition leaves them alone.
    private static readonly Dictionary<char, string> LatinLetters = new()
    {
        ['ß'] = "ss", ['Æ'] = "AE", ['æ'] = "ae", ['Œ'] = "OE", ['œ'] = "oe", ['Ø'] = "O", ['ø'] = "o", ['Ł'] = "L", ['ł'] = "l",
        ['Đ'] = "D", ['đ'] = "d", ['Ð'] = "D", ['ð'] = "d", ['Þ'] = "Th", ['þ'] = "th", ['ı'] = "i", ['’'] = "'", ['‘'] = "'",
        ['“'] = "\"", ['”'] = "\"", ['–'] = "-", ['—'] = "-",
    };

    /// <summary>
    /// The label as the montage caption can draw it: accents dropped (Zoë → Zoe, José → Jose), other Latin letters
    /// spelled out (ß → ss, Ø → O), and anything the ASCII-only Hershey fonts cannot draw shown as '?'. The folder,
    /// manifests and index.html keep the label exactly; only the picture is approximated.
    /// </summary>
    public static string CaptionText(string label)
    {
        var text = new StringBuilder(label.Length);
        foreach (char c in label.Normalize(NormalizationForm.FormD))
        {
            if (c is >= ' ' and <= '~') text.Append(c);
            else if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            else if (LatinLetters.TryGetValue(c, out var spelled)) text.Append(spelled);
            else if (!char.IsLowSurrogate(c)) text.Append('?');
        }
        return text.ToString();
    }
}

/// <summary>Portrait-style crops: the face box with margins, clipped to the frame.</summary>
public static class PortraitCrop
{
    /// <summary>The crop rectangle, or null when the box lies outside the image.</summary>
    public static Rect? Region(FaceBox box, int imageWidth, int imageHeight, int marginX, int marginY)
    {
        int x0 = Math.Max(0, (int)Math.Floor(box.X - marginX));
        int y0 = Math.Max(0, (int)Math.Floor(box.Y - marginY));
        int x1 = Math.Min(imageWidth, (int)Math.Ceiling(box.Right + marginX));
        int y1 = Math.Min(imageHeight, (int)Math.Ceiling(box.Bottom + marginY));
        return x1 - x0 < 2 || y1 - y0 < 2 ? null : new Rect(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>The crop scaled to <paramref name="width"/> pixels wide.</summary>
    public static Mat Scale(Mat crop, int width)
    {
        int cw = crop.Cols, ch = crop.Rows;
        int height = Math.Max(1, (int)Math.Round(ch * (double)width / cw));
        var scaled = new Mat();
        Cv2.Resize(crop, scaled, new Size(width, height), 0, 0, width < cw ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        return scaled;
    }
}
