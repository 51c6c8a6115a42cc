using FaceCluster.Imaging;
using OpenCvSharp;

namespace FaceCluster.Tests.Detection;

public sealed class ImageLoaderTests
{
    private static Mat SmallDemo()
    {
        using var image = DemoFaces.Load(1);
        var small = new Mat();
        Cv2.Resize(image, small, new Size(240, 160), 0, 0, InterpolationFlags.Area);
        return small;
    }

    private static string Write(byte[] bytes, string name)
    {
        var path = Path.Combine(TestEnvironment.NewTempDirectory(), name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static double MeanAbsDiff(Mat a, Mat b)
    {
        using var diff = new Mat();
        Cv2.Absdiff(a, b, diff);
        var mean = Cv2.Mean(diff);
        return (mean.Val0 + mean.Val1 + mean.Val2) / 3;
    }

    /// <summary>Inserts an APP1 Exif segment with one IFD0 entry, Orientation = <paramref name="orientation"/>, after SOI.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation, bool bigEndian)
    {
        var tiff = new List<byte>();
        void U16(int v) { if (bigEndian) { tiff.Add((byte)(v >> 8)); tiff.Add((byte)v); } else { tiff.Add((byte)v); tiff.Add((byte)(v >> 8)); } }
        void U32(int v) { if (bigEndian) { U16(v >> 16); U16(v & 0xFFFF); } else { U16(v & 0xFFFF); U16(v >> 16); } }
        tiff.AddRange(bigEndian ? "MM"u8.ToArray() : "II"u8.ToArray());
        U16(42); U32(8);                       // IFD0 at offset 8
        U16(1);                                // one entry
        U16(0x0112); U16(3); U32(1); U16(orientation); U16(0);
        U32(0);                                // no next IFD
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int length = payload.Length + 2;
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray();
    }

    [Fact]
    public void Formats_are_recognised_by_their_signature()
    {
        using var image = SmallDemo();
        foreach (var (ext, format) in new[] { (".jpg", ImageFormat.Jpeg), (".png", ImageFormat.Png), (".bmp", ImageFormat.Bmp), (".webp", ImageFormat.WebP), (".tiff", ImageFormat.Tiff) })
        {
            Cv2.ImEncode(ext, image, out var bytes);
            Assert.Equal(format, ImageLoader.DetectFormat(bytes));
            using var loaded = ImageLoader.Load(Write(bytes, "image.dat"));
            Assert.Equal(MatType.CV_8UC3, loaded.Type());
            Assert.Equal(image.Size(), loaded.Size());
            Assert.True(MeanAbsDiff(image, loaded) < 6, ext);
        }

        Assert.Equal(ImageFormat.Unknown, ImageLoader.DetectFormat("GIF89a........"u8));
        Assert.Equal(ImageFormat.Unknown, ImageLoader.DetectFormat(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void A_demo_photo_loads_as_8_bit_bgr()
    {
        using var image = ImageLoader.Load(TestEnvironment.DemoPhoto(1));
        Assert.Equal(MatType.CV_8UC3, image.Type());
        Assert.Equal(new Size(1920, 1280), image.Size());
    }

    [Fact]
    public void A_webp_named_jpg_loads()
    {
        using var image = SmallDemo();
        Cv2.ImEncode(".webp", image, out var bytes, new ImageEncodingParam(ImwriteFlags.WebPQuality, 95));
        using var loaded = ImageLoader.Load(Write(bytes, "photo.jpg"));
        Assert.Equal(image.Size(), loaded.Size());
        Assert.True(MeanAbsDiff(image, loaded) < 6);
    }

    [Fact]
    public void Sixteen_bit_png_is_scaled_to_8_bits()
    {
        using var image = SmallDemo();
        using var wide = new Mat();
        image.ConvertTo(wide, MatType.CV_16UC3, 257);
        Cv2.ImEncode(".png", wide, out var bytes);
        using var loaded = ImageLoader.Load(Write(bytes, "deep.png"));
        Assert.Equal(MatType.CV_8UC3, loaded.Type());
        Assert.True(MeanAbsDiff(image, loaded) < 0.5);
    }

    [Fact]
    public void Grey_images_become_three_equal_channels()
    {
        using var image = SmallDemo();
        using var grey = new Mat();
        Cv2.CvtColor(image, grey, ColorConversionCodes.BGR2GRAY);
        foreach (var ext in new[] { ".png", ".jpg" })
        {
            Cv2.ImEncode(ext, grey, out var bytes);
            using var loaded = ImageLoader.Load(Write(bytes, "grey" + ext));
            Assert.Equal(MatType.CV_8UC3, loaded.Type());
            var planes = Cv2.Split(loaded);
            Assert.Equal(0, Cv2.CountNonZero(planes[0] - planes[1]));
            Assert.Equal(0, Cv2.CountNonZero(planes[1] - planes[2]));
            foreach (var p in planes) p.Dispose();
        }
    }

    [Fact]
    public void Transparent_pixels_are_composited_onto_white()
    {
        using var rgba = new Mat(10, 10, MatType.CV_8UC4, new Scalar(10, 20, 30, 0));
        using (var opaque = new Mat(rgba, new Rect(0, 0, 5, 10))) opaque.SetTo(new Scalar(10, 20, 30, 255));
        Cv2.ImEncode(".png", rgba, out var bytes);
        using var loaded = ImageLoader.Load(Write(bytes, "alpha.png"));
        Assert.Equal(MatType.CV_8UC3, loaded.Type());
        Assert.Equal(new Vec3b(10, 20, 30), loaded.At<Vec3b>(5, 2));
        Assert.Equal(new Vec3b(255, 255, 255), loaded.At<Vec3b>(5, 7));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(5, true)]
    [InlineData(6, false)]
    [InlineData(7, true)]
    [InlineData(8, false)]
    public void Exif_orientation_is_applied(int orientation, bool bigEndian)
    {
        using var upright = SmallDemo();
        // store the pixels the way a camera would for this orientation: the inverse of the display transform
        using var stored = new Mat();
        switch (orientation)
        {
            case 1: upright.CopyTo(stored); break;
            case 2: Cv2.Flip(upright, stored, FlipMode.Y); break;
            case 3: Cv2.Rotate(upright, stored, RotateFlags.Rotate180); break;
            case 4: Cv2.Flip(upright, stored, FlipMode.X); break;
            case 5: Cv2.Transpose(upright, stored); break;
            case 6: Cv2.Rotate(upright, stored, RotateFlags.Rotate90Counterclockwise); break;
            case 7: Cv2.Flip(upright, stored, FlipMode.XY); Cv2.Transpose(stored, stored); break;
            case 8: Cv2.Rotate(upright, stored, RotateFlags.Rotate90Clockwise); break;
        }

        Cv2.ImEncode(".jpg", stored, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 95));
        var tagged = WithExifOrientation(jpeg, (ushort)orientation, bigEndian);
        Assert.Equal(orientation, ImageLoader.ReadOrientation(tagged, ImageFormat.Jpeg));
        using var loaded = ImageLoader.Load(Write(tagged, "camera.jpg"));
        Assert.Equal(upright.Size(), loaded.Size());
        Assert.True(MeanAbsDiff(upright, loaded) < 4, $"orientation {orientation}: {MeanAbsDiff(upright, loaded):0.0}");
    }

    [Fact]
    public void Missing_files_throw_file_not_found()
    {
        var path = Path.Combine(TestEnvironment.NewTempDirectory(), "nope.jpg");
        var e = Assert.Throws<FileNotFoundException>(() => ImageLoader.Load(path));
        Assert.Equal(path, e.FileName);
    }

    [Fact]
    public void Empty_text_and_corrupt_files_throw_the_decode_exception()
    {
        var empty = Assert.Throws<ImageDecodeException>(() => ImageLoader.Load(Write([], "empty.jpg")));
        Assert.Contains("empty", empty.Message);

        var text = Assert.Throws<ImageDecodeException>(() => ImageLoader.Load(Write("hello, I am not a photo\n"u8.ToArray(), "text.jpg")));
        Assert.EndsWith("text.jpg", text.Path);

        var random = new Random(42);
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        garbage[0] = 0xFF; garbage[1] = 0xD8; garbage[2] = 0xFF;
        Assert.Throws<ImageDecodeException>(() => ImageLoader.Load(Write(garbage, "corrupt.jpg")));

        using var image = SmallDemo();
        Cv2.ImEncode(".png", image, out var png);
        Assert.Throws<ImageDecodeException>(() => ImageLoader.Load(Write(png.Take(200).ToArray(), "truncated.png")));

        Cv2.ImEncode(".gif", image, out var gif);
        Assert.Throws<ImageDecodeException>(() => ImageLoader.Load(Write(gif, "unsupported.jpg")));
    }
}
