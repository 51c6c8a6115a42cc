using System.Buffers.Binary;
using OpenCvSharp;

namespace FaceCluster.Imaging;

/// <summary>
/// Reads photos and frames into 8-bit, 3-channel BGR <see cref="Mat"/>s, the only pixel layout the rest
/// of the engine works with.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The container is recognised from the leading bytes (<see cref="DetectFormat"/>): JPEG, PNG, BMP,
/// WebP and TIFF are accepted whatever the file is called, so a WebP saved as <c>.jpg</c> loads; anything
/// else throws <see cref="ImageDecodeException"/>.</item>
/// <item>Grey images become BGR; an alpha channel is composited onto white; 16-bit images are scaled to 8 bits
/// (value / 257); float images are assumed to be in [0, 1].</item>
/// <item>The EXIF orientation tag (JPEG APP1, TIFF IFD0, PNG eXIf, WebP EXIF) is parsed here and applied, so
/// the result is the upright image a viewer shows. OpenCV is always asked to ignore orientation so that it is
/// never applied twice, whatever the OpenCV build does by default.</item>
/// </list>
/// All members are thread-safe.
/// </remarks>
public static class ImageLoader
{
    /// <summary>The file name extensions a folder of photos is searched for (the formats <see cref="DetectFormat"/> knows).</summary>
    public static IReadOnlySet<string> ImageFileExtensions { get; } = new HashSet<string>(
        [".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".webp", ".tif", ".tiff"], StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The image files of a folder (and, with <paramref name="recurse"/>, of its subfolders), by extension, in ordinal
    /// order of their full paths so that a folder always gives the same sequence. Hidden entries (names starting with a
    /// dot, as cameras and sync tools leave them) are skipped.
    /// </summary>
    public static IReadOnlyList<string> FindImages(string directory, bool recurse)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = recurse,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
            IgnoreInaccessible = true,
            MatchCasing = MatchCasing.CaseInsensitive,
        };
        string root = Path.GetFullPath(directory);
        return Directory.EnumerateFiles(root, "*", options)
            .Where(f => ImageFileExtensions.Contains(Path.GetExtension(f)))
            .Where(f => !Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Largest image decoded by default, in pixels (width x height): 100 MP, above any camera photo (a 61 MP full-frame
    /// sensor, a 50 MP phone) and the 8K video frame (33 MP), and about 300 MB of BGR. A PNG of under 1 MB can announce
    /// 30000 x 30000 (2.7 GB decoded, minutes of CPU); the header is checked before decoding.
    /// </summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>Loads an image file as 8-bit BGR, upright according to its EXIF orientation.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ImageDecodeException">The file is empty, not an image, of an unsupported format, or corrupt.</exception>
    /// <exception cref="ImageTooLargeException">The header announces more than <see cref="DefaultMaxPixels"/> pixels.</exception>
    public static Mat Load(string path) => Load(path, DefaultMaxPixels);

    /// <summary>As <see cref="Load(string)"/>, refusing (<see cref="ImageTooLargeException"/>) images of more than <paramref name="maxPixels"/> pixels.</summary>
    public static Mat Load(string path, long maxPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Image file not found: '{path}'.", path);
        }

        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageDecodeException(path, "the file could not be read: " + e.Message, e);
        }

        return Decode(data, path, maxPixels);
    }

    /// <summary>Decodes an in-memory image file (the bytes of a .jpg, .png, ...) as 8-bit BGR.</summary>
    /// <param name="data">The encoded file contents.</param>
    /// <param name="name">Used in error messages only.</param>
    /// <exception cref="ImageDecodeException">The data is empty, not an image, of an unsupported format, or corrupt.</exception>
    public static Mat Decode(ReadOnlySpan<byte> data, string name = "<memory>") => Decode(data, name, DefaultMaxPixels);

    /// <summary>As <see cref="Decode(ReadOnlySpan{byte},string)"/>, refusing images of more than <paramref name="maxPixels"/> pixels before decoding.</summary>
    /// <exception cref="ImageTooLargeException">The header announces more than <paramref name="maxPixels"/> pixels.</exception>
    public static Mat Decode(ReadOnlySpan<byte> data, string name, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (data.IsEmpty)
        {
            throw new ImageDecodeException(name, "the file is empty (0 bytes).");
        }

        var format = DetectFormat(data);
        if (format == ImageFormat.Unknown)
        {
            throw new ImageDecodeException(name, "the content is not a supported image (expected JPEG, PNG, BMP, WebP or TIFF data).");
        }

        if (ReadDimensions(data, format) is var (width, height) && (long)width * height > maxPixels)
        {
            throw new ImageTooLargeException(name, width, height, maxPixels);
        }

        // JPEG is always 8-bit; asking for colour lets libjpeg convert grey/CMYK/YCCK itself.
        // The other formats may carry 16-bit samples or alpha, so they are read as they are and normalised below.
        var mode = format == ImageFormat.Jpeg
            ? ImreadModes.Color | ImreadModes.IgnoreOrientation
            : ImreadModes.Unchanged;

        Mat decoded;
        try
        {
            decoded = Cv2.ImDecode(data, mode);
        }
        catch (OpenCVException e)
        {
            throw new ImageDecodeException(name, $"the {format} data is corrupt ({e.ErrMsg}).", e);
        }

        if (decoded.Empty())
        {
            decoded.Dispose();
            throw new ImageDecodeException(name, $"the {format} data is corrupt or truncated.");
        }

        Mat bgr;
        try
        {
            bgr = ToBgr8(decoded);
        }
        finally
        {
            decoded.Dispose();
        }

        int orientation = ReadOrientation(data, format);
        if (orientation is > 1 and <= 8)
        {
            var upright = ApplyOrientation(bgr, orientation);
            bgr.Dispose();
            bgr = upright;
        }

        return bgr;
    }

    /// <summary>Recognises the image container from its signature.</summary>
    public static ImageFormat DetectFormat(ReadOnlySpan<byte> header)
    {
        if (header.Length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF) return ImageFormat.Jpeg;
        if (header.Length >= 8 && header[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) return ImageFormat.Png;
        if (header.Length >= 14 && header[0] == (byte)'B' && header[1] == (byte)'M') return ImageFormat.Bmp;
        if (header.Length >= 12 && header[..4].SequenceEqual("RIFF"u8) && header.Slice(8, 4).SequenceEqual("WEBP"u8)) return ImageFormat.WebP;
        if (header.Length >= 8 && (header[..4].SequenceEqual((ReadOnlySpan<byte>)[0x49, 0x49, 0x2A, 0x00]) || header[..4].SequenceEqual((ReadOnlySpan<byte>)[0x4D, 0x4D, 0x00, 0x2A]))) return ImageFormat.Tiff;
        return ImageFormat.Unknown;
    }

    /// <summary>
    /// The width and height the file's header announces, read without decoding (PNG IHDR, JPEG SOFn, BMP info header,
    /// WebP VP8/VP8L/VP8X, TIFF IFD0), or null when the header cannot be parsed (the decoder then decides).
    /// </summary>
    public static (int Width, int Height)? ReadDimensions(ReadOnlySpan<byte> data) => ReadDimensions(data, DetectFormat(data));

    private static (int Width, int Height)? ReadDimensions(ReadOnlySpan<byte> data, ImageFormat format)
    {
        try
        {
            var size = format switch
            {
                ImageFormat.Png => PngDimensions(data),
                ImageFormat.Jpeg => JpegDimensions(data),
                ImageFormat.Bmp => BmpDimensions(data),
                ImageFormat.WebP => WebPDimensions(data),
                ImageFormat.Tiff => TiffDimensions(data),
                _ => null,
            };
            return size is var (w, h) && w > 0 && h > 0 ? size : null;
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static (int, int)? PngDimensions(ReadOnlySpan<byte> data)
    {
        // Signature (8), then the first chunk must be IHDR: length (4), type (4), width (4), height (4), big-endian.
        if (data.Length < 24 || !data.Slice(12, 4).SequenceEqual("IHDR"u8)) return null;
        uint w = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(16, 4)), h = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(20, 4));
        return (ClampToInt(w), ClampToInt(h));
    }

    private static (int, int)? JpegDimensions(ReadOnlySpan<byte> data)
    {
        int pos = 2;
        while (pos + 4 <= data.Length)
        {
            if (data[pos] != 0xFF) return null;
            byte marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; }
            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; }
            if (marker is 0xDA or 0xD9) return null; // scan data before any frame header: not decodable anyway
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 2, 2));
            if (length < 2) return null;
            // SOF0-15 except DHT (C4), JPG (C8) and DAC (CC): precision (1), height (2), width (2).
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (pos + 9 > data.Length) return null;
                int h = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 5, 2)), w = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 7, 2));
                return (w, h);
            }
            pos += 2 + length;
        }
        return null;
    }

    private static (int, int)? BmpDimensions(ReadOnlySpan<byte> data)
    {
        if (data.Length < 26) return null;
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(14, 4));
        if (headerSize == 12) // OS/2 BITMAPCOREHEADER: 16-bit sizes
            return (BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(18, 2)), BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(20, 2)));
        int w = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(18, 4)), h = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(22, 4));
        // A negative height is a top-down bitmap.
        return (w == int.MinValue ? int.MaxValue : Math.Abs(w), h == int.MinValue ? int.MaxValue : Math.Abs(h));
    }

    private static (int, int)? WebPDimensions(ReadOnlySpan<byte> data)
    {
        if (data.Length < 30) return null;
        var chunk = data.Slice(12, 4);
        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Canvas width - 1 and height - 1, 24-bit little-endian, after 4 bytes of flags.
            int w = data[24] | data[25] << 8 | data[26] << 16, h = data[27] | data[28] << 8 | data[29] << 16;
            return (w + 1, h + 1);
        }
        if (chunk.SequenceEqual("VP8L"u8))
        {
            if (data[20] != 0x2F) return null;
            uint bits = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(21, 4));
            return ((int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3), start code 9D 01 2A, then 14-bit width and height (2 bits of scale above each).
            if (data[23] != 0x9D || data[24] != 0x01 || data[25] != 0x2A) return null;
            return (BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(26, 2)) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(28, 2)) & 0x3FFF);
        }
        return null;
    }

    private static (int, int)? TiffDimensions(ReadOnlySpan<byte> data)
    {
        bool little = data[0] == (byte)'I';
        uint ifd = U32(data, little, 4);
        if (ifd < 8 || ifd > data.Length - 2) return null;
        int count = U16(data, little, (int)ifd);
        long w = 0, h = 0;
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + i * 12;
            if (entry + 12 > data.Length) break;
            ushort tag = U16(data, little, entry);
            if (tag is not (256 or 257)) continue;
            long value = U16(data, little, entry + 2) switch
            {
                3 => U16(data, little, entry + 8),
                4 => U32(data, little, entry + 8),
                _ => 0,
            };
            if (tag == 256) w = value; else h = value;
        }
        return w > 0 && h > 0 ? (ClampToInt((uint)Math.Min(w, uint.MaxValue)), ClampToInt((uint)Math.Min(h, uint.MaxValue))) : null;
    }

    private static int ClampToInt(uint value) => value > int.MaxValue ? int.MaxValue : (int)value;

    /// <summary>Converts any depth / channel count OpenCV decodes to 8-bit BGR (always a new Mat).</summary>
    internal static Mat ToBgr8(Mat src)
    {
        using var eight = new Mat();
        var depth = src.Depth();
        if (depth == MatType.CV_8U)
        {
            src.CopyTo(eight);
        }
        else if (depth == MatType.CV_16U)
        {
            src.ConvertTo(eight, MatType.CV_8U, 1.0 / 257.0);
        }
        else if (depth == MatType.CV_16S)
        {
            src.ConvertTo(eight, MatType.CV_8U, 1.0 / 128.0);
        }
        else if (depth == MatType.CV_32F || depth == MatType.CV_64F)
        {
            src.ConvertTo(eight, MatType.CV_8U, 255.0);
        }
        else
        {
            src.ConvertTo(eight, MatType.CV_8U);
        }

        var result = new Mat();
        switch (eight.Channels())
        {
            case 1:
                Cv2.CvtColor(eight, result, ColorConversionCodes.GRAY2BGR);
                break;
            case 2:
                {
                    // grey + alpha
                    var planes = Cv2.Split(eight);
                    try
                    {
                        using var grey = new Mat();
                        Cv2.CvtColor(planes[0], grey, ColorConversionCodes.GRAY2BGR);
                        CompositeOnWhite(grey, planes[1], result);
                    }
                    finally
                    {
                        foreach (var p in planes) p.Dispose();
                    }

                    break;
                }
            case 3:
                eight.CopyTo(result);
                break;
            case 4:
                {
                    using var colour = new Mat();
                    using var alpha = new Mat();
                    Cv2.CvtColor(eight, colour, ColorConversionCodes.BGRA2BGR);
                    Cv2.ExtractChannel(eight, alpha, 3);
                    CompositeOnWhite(colour, alpha, result);
                    break;
                }
            default:
                result.Dispose();
                throw new NotSupportedException($"Images with {eight.Channels()} channels are not supported.");
        }

        return result;
    }

    private static void CompositeOnWhite(Mat bgr, Mat alpha, Mat result)
    {
        // result = bgr * a + 255 * (1 - a)
        using var a = new Mat();
        alpha.ConvertTo(a, MatType.CV_32F, 1.0 / 255.0);
        using var a3 = new Mat();
        Cv2.Merge([a, a, a], a3);
        using var f = new Mat();
        bgr.ConvertTo(f, MatType.CV_32F);
        using var blended = new Mat();
        Cv2.Multiply(f, a3, blended);
        using var inverse = new Mat();
        Cv2.Subtract(Scalar.All(1.0), a3, inverse);
        using var background = new Mat();
        Cv2.Multiply(inverse, Scalar.All(255.0), background);
        Cv2.Add(blended, background, blended);
        blended.ConvertTo(result, MatType.CV_8U);
    }

    /// <summary>Rotates/flips so that EXIF orientation <paramref name="orientation"/> (2..8) displays upright.</summary>
    internal static Mat ApplyOrientation(Mat src, int orientation)
    {
        var dst = new Mat();
        switch (orientation)
        {
            case 2: Cv2.Flip(src, dst, FlipMode.Y); break;                         // mirror horizontally
            case 3: Cv2.Rotate(src, dst, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(src, dst, FlipMode.X); break;                         // mirror vertically
            case 5: Cv2.Transpose(src, dst); break;                                // mirror + rotate 270 CW
            case 6: Cv2.Rotate(src, dst, RotateFlags.Rotate90Clockwise); break;
            case 7:                                                                // mirror + rotate 90 CW
                Cv2.Transpose(src, dst);
                Cv2.Flip(dst, dst, FlipMode.XY);
                break;
            case 8: Cv2.Rotate(src, dst, RotateFlags.Rotate90Counterclockwise); break;
            default: src.CopyTo(dst); break;
        }

        return dst;
    }

    /// <summary>The EXIF orientation (1..8) stored in the file, or 1 when there is none or it cannot be parsed.</summary>
    internal static int ReadOrientation(ReadOnlySpan<byte> data, ImageFormat format)
    {
        try
        {
            var tiff = FindExifTiff(data, format);
            return tiff.IsEmpty ? 1 : ReadTiffOrientation(tiff);
        }
        catch (ArgumentOutOfRangeException)
        {
            return 1; // malformed metadata never makes an image unreadable
        }
    }

    private static ReadOnlySpan<byte> FindExifTiff(ReadOnlySpan<byte> data, ImageFormat format)
    {
        switch (format)
        {
            case ImageFormat.Tiff:
                return data;
            case ImageFormat.Jpeg:
                {
                    int pos = 2;
                    while (pos + 4 <= data.Length)
                    {
                        if (data[pos] != 0xFF) return default;
                        byte marker = data[pos + 1];
                        if (marker == 0xFF) { pos++; continue; }                 // fill byte
                        if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { pos += 2; continue; } // no length
                        if (marker is 0xDA or 0xD9) return default;              // start of scan / end of image
                        int length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(pos + 2, 2));
                        if (length < 2 || pos + 2 + length > data.Length) return default;
                        var payload = data.Slice(pos + 4, length - 2);
                        if (marker == 0xE1 && payload.Length > 6 && payload[..6].SequenceEqual("Exif\0\0"u8))
                        {
                            return payload[6..];
                        }

                        pos += 2 + length;
                    }

                    return default;
                }
            case ImageFormat.Png:
                {
                    int pos = 8;
                    while (pos + 12 <= data.Length)
                    {
                        long length = BinaryPrimitives.ReadUInt32BigEndian(data.Slice(pos, 4));
                        var type = data.Slice(pos + 4, 4);
                        if (length > data.Length - pos - 12) return default;
                        if (type.SequenceEqual("eXIf"u8)) return StripExifPrefix(data.Slice(pos + 8, (int)length));
                        if (type.SequenceEqual("IEND"u8)) return default;
                        pos += 12 + (int)length;
                    }

                    return default;
                }
            case ImageFormat.WebP:
                {
                    int pos = 12;
                    while (pos + 8 <= data.Length)
                    {
                        var type = data.Slice(pos, 4);
                        long length = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(pos + 4, 4));
                        if (length > data.Length - pos - 8) return default;
                        if (type.SequenceEqual("EXIF"u8)) return StripExifPrefix(data.Slice(pos + 8, (int)length));
                        pos += 8 + (int)length + (int)(length & 1);
                    }

                    return default;
                }
            default:
                return default;
        }
    }

    private static ushort U16(ReadOnlySpan<byte> data, bool little, int offset) => little
        ? BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(offset, 2))
        : BinaryPrimitives.ReadUInt16BigEndian(data.Slice(offset, 2));

    private static uint U32(ReadOnlySpan<byte> data, bool little, int offset) => little
        ? BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(offset, 4))
        : BinaryPrimitives.ReadUInt32BigEndian(data.Slice(offset, 4));

    private static ReadOnlySpan<byte> StripExifPrefix(ReadOnlySpan<byte> chunk) =>
        chunk.Length > 6 && chunk[..6].SequenceEqual("Exif\0\0"u8) ? chunk[6..] : chunk;

    private static int ReadTiffOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return 1;
        bool little;
        if (tiff[0] == (byte)'I' && tiff[1] == (byte)'I') little = true;
        else if (tiff[0] == (byte)'M' && tiff[1] == (byte)'M') little = false;
        else return 1;

        if (U16(tiff, little, 2) != 42) return 1;
        uint ifd = U32(tiff, little, 4);
        if (ifd < 8 || ifd > tiff.Length - 2) return 1;
        int count = U16(tiff, little, (int)ifd);
        for (int i = 0; i < count; i++)
        {
            int entry = (int)ifd + 2 + i * 12;
            if (entry + 12 > tiff.Length) return 1;
            if (U16(tiff, little, entry) != 0x0112) continue;
            ushort type = U16(tiff, little, entry + 2);
            int value = type switch
            {
                3 => U16(tiff, little, entry + 8),       // SHORT, left-justified in the value field
                4 => (int)U32(tiff, little, entry + 8),  // LONG (non-standard but seen in the wild)
                _ => 1,
            };
            return value is >= 1 and <= 8 ? value : 1;
        }

        return 1;
    }
}
