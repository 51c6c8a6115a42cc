using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FaceCluster.Imaging;
using FaceCluster.Models;
using FaceCluster.Recognition;
using FaceCluster.Store;
using FaceCluster.Tests.Store;
using FaceCluster.Tests.Video;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Tests.BadInput;

/// <summary>Issue 11, inputs half: each test reproduces one fault of the issue and pins the behaviour that replaced it.</summary>
public class InputFaultTests
{
    // ---- pixel limit -------------------------------------------------------------------------------------------------

    /// <summary>A real, decodable grey PNG of <paramref name="width"/> x <paramref name="height"/> (zero rows compress to almost nothing).</summary>
    internal static byte[] ZeroPng(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth; colour type 0 = grey
        Chunk(output, "IHDR", ihdr);
        using (var zlib = new MemoryStream())
        {
            using (var z = new ZLibStream(zlib, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[width + 1]; // filter byte 0 + zero pixels
                for (int y = 0; y < height; y++) z.Write(row);
            }
            Chunk(output, "IDAT", zlib.ToArray());
        }
        Chunk(output, "IEND", []);
        return output.ToArray();

        static void Chunk(Stream s, string type, byte[] data)
        {
            var len = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
            s.Write(len);
            var typeBytes = Encoding.ASCII.GetBytes(type);
            s.Write(typeBytes);
            s.Write(data);
            var crc = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeBytes.Concat(data).ToArray()));
            s.Write(crc);
        }

        static uint Crc32(byte[] bytes)
        {
            uint c = 0xFFFFFFFF;
            foreach (var b in bytes)
            {
                c ^= b;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
            return ~c;
        }
    }

    [Fact]
    public void PngAboveTheDefaultLimitIsRefusedFromItsHeader()
    {
        // 12000 x 12000 = 144 MP of real PNG data, about 150 KB on disk (the issue's 30000 x 30000 behaves the same, bigger to build).
        var dir = TestEnvironment.NewTempDirectory();
        var path = Path.Combine(dir, "bomb.png");
        File.WriteAllBytes(path, ZeroPng(12000, 12000));
        Assert.True(new FileInfo(path).Length < 1_000_000);
        Assert.Equal((12000, 12000), ImageLoader.ReadDimensions(File.ReadAllBytes(path)));
        var error = Assert.Throws<ImageTooLargeException>(() => ImageLoader.Load(path));
        Assert.Equal((12000, 12000, ImageLoader.DefaultMaxPixels), (error.Width, error.Height, error.MaxPixels));
        Assert.Equal(path, error.Path);
        Assert.Contains("100,000,000", error.Message);
    }

    [Fact]
    public void TheHeaderGivesTheSizeOfEveryAcceptedFormat()
    {
        using var image = new Mat(23, 37, MatType.CV_8UC3, new Scalar(10, 120, 200));
        foreach (var ext in new[] { ".png", ".jpg", ".bmp", ".webp", ".tiff" })
        {
            Cv2.ImEncode(ext, image, out var bytes);
            Assert.Equal((37, 23), ImageLoader.ReadDimensions(bytes));
            // The limit is inclusive: exactly width x height pixels load, one less is refused before decoding.
            using (var ok = ImageLoader.Decode(bytes, "x" + ext, 37 * 23)) Assert.Equal((37, 23), (ok.Width, ok.Height));
            var refused = Assert.Throws<ImageTooLargeException>(() => ImageLoader.Decode(bytes, "x" + ext, 37 * 23 - 1));
            Assert.Equal((37, 23), (refused.Width, refused.Height));
        }
        // Lossless WebP (VP8L) has its own header.
        Cv2.ImEncode(".webp", image, out var lossless, [new ImageEncodingParam(ImwriteFlags.WebPQuality, 101)]);
        Assert.Equal("VP8L", Encoding.ASCII.GetString(lossless, 12, 4));
        Assert.Equal((37, 23), ImageLoader.ReadDimensions(lossless));
    }

    [Fact]
    public void EncoderRefusesAnImageAboveItsLimitAndEncodesTheNextOne()
    {
        var encoder = new FaceEncoder(new FaceEncoderOptions
        {
            Model = DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, MaxImagePixels = 1_000_000,
        });
        // sample1.jpg is 1920 x 1400 = 2.7 MP.
        Assert.Throws<ImageTooLargeException>(() => encoder.Encode(TestEnvironment.DemoPhoto(1)));
        var relaxed = new FaceEncoder(encoder.Options with { MaxImagePixels = ImageLoader.DefaultMaxPixels });
        Assert.NotEmpty(relaxed.Encode(TestEnvironment.DemoPhoto(1)).Faces);
    }

    // ---- store: invalid text in one line -------------------------------------------------------------------------------

    private static string WriteStore(string dir, params FaceEncoding[] faces)
    {
        var path = Path.Combine(dir, "faces.jsonl");
        EncodingStoreWriter.WriteAll(path, StoreTestData.Model, faces);
        return path;
    }

    private static void ReplaceLine(string path, int lineNumber, Func<byte[], byte[]> change)
    {
        var lines = File.ReadAllBytes(path).AsSpan().ToArray();
        var split = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i] != (byte)'\n') continue;
            split.Add(lines[start..i]);
            start = i + 1;
        }
        split[lineNumber - 1] = change(split[lineNumber - 1]);
        File.WriteAllBytes(path, split.SelectMany(l => l.Append((byte)'\n')).ToArray());
    }

    private static byte[] Replace(byte[] line, string what, byte[] with)
    {
        var text = line.AsSpan();
        int at = text.IndexOf(Encoding.UTF8.GetBytes(what));
        Assert.True(at >= 0, $"'{what}' not in the line");
        return [.. text[..at], .. with, .. text[(at + Encoding.UTF8.GetByteCount(what))..]];
    }

    public static TheoryData<string, byte[]> BadText => new()
    {
        { "lone surrogate escape", Encoding.ASCII.GetBytes("\\ud800") },
        { "invalid UTF-8", [0xC3, 0x28, 0xFF] },
    };

    [Theory]
    [MemberData(nameof(BadText))]
    public void BadTextInOneRecordIsOneIssueWithItsLineAndTheRestIsRead(string what, byte[] bad)
    {
        var dir = TestEnvironment.NewTempDirectory();
        var faces = Enumerable.Range(1, 4).Select(i => StoreTestData.Face(i, path: $"/photos/img{i}.jpg")).ToArray();
        var path = WriteStore(dir, faces);
        ReplaceLine(path, 3, line => Replace(line, "img2", bad)); // line 3 = the second face
        var issues = new List<StoreIssue>();
        var read = EncodingStoreReader.ReadAll(path, issues.Add);
        var issue = Assert.Single(issues);
        Assert.Equal((StoreErrorIds.StoreRecordInvalid, path, 3L), (issue.ErrorId, issue.Path, issue.LineNumber));
        Assert.Contains("not valid text", issue.Message);
        Assert.Equal(["face-1", "face-3", "face-4"], read.Select(f => f.Id));
        _ = what;
    }

    [Fact]
    public void BadTextInTheHeaderIsAnInvalidHeader()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var path = WriteStore(dir, StoreTestData.Face(1));
        ReplaceLine(path, 1, line => Replace(line, "FaceCluster", Encoding.ASCII.GetBytes("\\udc00")));
        var error = Assert.Throws<EncodingStoreException>(() => EncodingStoreReader.ReadAll(path));
        Assert.Equal(StoreErrorIds.StoreHeaderInvalid, error.ErrorId);
    }

    [Fact]
    public void ACacheEntryWithBadTextIsAMissAndIsReplaced()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var cache = new EncodingCache(Path.Combine(dir, "cache"));
        var image = Path.Combine(dir, "a.jpg");
        File.WriteAllBytes(image, [1, 2, 3]);
        var key = EncodingCache.SettingsKey("d", 0.5, 20, StoreTestData.Model);
        var entry = cache.Put(image, key, StoreTestData.Model, [StoreTestData.Face(1, path: Path.GetFullPath(image))]);
        ReplaceLine(entry, 2, line => Replace(line, "face-1", Encoding.ASCII.GetBytes("\\ud800")));
        Assert.False(cache.TryGet(image, key, out _));
        cache.Put(image, key, StoreTestData.Model, [StoreTestData.Face(1, path: Path.GetFullPath(image))]);
        Assert.True(cache.TryGet(image, key, out var faces));
        Assert.Equal("face-1", Assert.Single(faces).Id);
    }

    // ---- cache that cannot be written ---------------------------------------------------------------------------------

    [Fact]
    public void ACachePathThatIsAFileStillGivesTheFacesWithTheReason()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var notAFolder = Path.Combine(dir, "cache");
        File.WriteAllText(notAFolder, "I am a file");
        var encoder = new FaceEncoder(new FaceEncoderOptions
        {
            Model = DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, CacheDirectory = notAFolder,
        });
        var result = encoder.Encode(TestEnvironment.DemoPhoto(2));
        Assert.NotEmpty(result.Faces);
        Assert.Contains(notAFolder, result.CacheWriteError);
        Assert.Equal("I am a file", File.ReadAllText(notAFolder));
    }

    [TmpfsFact]
    public void FullDiskLeavesNoTempFileAndNoStore()
    {
        using var disk = Tmpfs.Mount("256k");
        var path = Path.Combine(disk.Path, "faces.jsonl");
        disk.Fill(leave: 8192);
        var faces = Enumerable.Range(1, 200).Select(i => StoreTestData.Face(i)).ToList();
        Assert.ThrowsAny<IOException>(() => EncodingStoreWriter.WriteAll(path, StoreTestData.Model, faces));
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(disk.Path, AtomicFile.TempPrefix + "*"));

        // The cache reports the failure to its caller, with nothing half-written either.
        var cacheDir = Path.Combine(disk.Path, "cache");
        Directory.CreateDirectory(cacheDir);
        var cache = new EncodingCache(cacheDir);
        Assert.ThrowsAny<IOException>(() => cache.PutByHash(new string('a', 64), "k", StoreTestData.Model, faces, default));
        Assert.Empty(Directory.GetFiles(cacheDir));
    }

    [TmpfsFact]
    public void FullDiskFailsTheFramesOfThatVideoWithNoTempFile()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 100, 640, 480);
        using var disk = Tmpfs.Mount("1m");
        disk.Fill(leave: 40_000);
        var extractor = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(disk.Path, "frames"), FullResolution = false, Format = VideoFrameFormat.Png });
        var error = Assert.Throws<VideoException>(() => extractor.Extract(video).ToList());
        Assert.Equal(VideoErrorCode.FrameWriteFailed, error.Code);
        Assert.Empty(Directory.GetFiles(disk.Path, AtomicFile.TempPrefix + "*", SearchOption.AllDirectories));
    }

    // ---- temp files of a killed run -----------------------------------------------------------------------------------

    [Fact]
    public void TempFilesOfADeadRunAreRemovedOnTheNextWriteAndNothingElse()
    {
        var dir = TestEnvironment.NewTempDirectory();
        // A pid that is no process: run one and wait for it to exit.
        using var gone = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true"))!;
        gone.WaitForExit();
        string dead = Path.Combine(dir, $"{AtomicFile.TempPrefix}{gone.Id}-0123456789ab-faces.jsonl");
        string live = Path.Combine(dir, $"{AtomicFile.TempPrefix}1-0123456789ab-faces.jsonl");           // pid 1 runs
        string mine = Path.Combine(dir, $"{AtomicFile.TempPrefix}{Environment.ProcessId}-0123456789ab-x");
        string old = Path.Combine(dir, $"{AtomicFile.TempPrefix}nopid-faces.jsonl");
        string fresh = Path.Combine(dir, $"{AtomicFile.TempPrefix}nopid-other.jsonl");
        string user = Path.Combine(dir, ".faces.jsonl.0123.tmp");
        foreach (var f in new[] { dead, live, mine, old, fresh, user }) File.WriteAllText(f, "partial");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow - AtomicFile.StaleAfter - TimeSpan.FromMinutes(1));

        EncodingStoreWriter.WriteAll(Path.Combine(dir, "faces.jsonl"), StoreTestData.Model, [StoreTestData.Face(1)]);

        Assert.False(File.Exists(dead));
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(mine));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(user));
    }

    // ---- frames: provenance -------------------------------------------------------------------------------------------

    private static List<ExtractedFrame> Extract(string video, string output, double fps = 1, int maxWidth = 700) =>
        new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = output, FramesPerSecond = fps, MaxWidth = maxWidth })
            .Extract(video).ToList();

    [Fact]
    public void TwoVideosOfTheSameNameNeverShareFrames()
    {
        var dir = TestEnvironment.NewTempDirectory();
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        var first = TestClips.Write(Path.Combine(dir, "a", "clip.mp4"), 25, 75);
        var second = Path.Combine(dir, "b", "clip.mp4");
        using (var writer = new VideoWriter(second, FourCC.FromString("mp4v"), 25, new Size(320, 240)))
        using (var img = new Mat(240, 320, MatType.CV_8UC3))
        {
            for (int i = 0; i < 75; i++)
            {
                img.SetTo(new Scalar(200, 30 + i, 10));
                writer.Write(img);
            }
        }
        var output = Path.Combine(dir, "frames");
        var a = Extract(first, output);
        var b = Extract(second, output);
        Assert.All(b, f => Assert.Equal(FrameAction.Written, f.Action));
        Assert.Empty(a.Select(f => f.Frame.Path).Intersect(b.Select(f => f.Frame.Path)));
        // Each file holds its own video's pixels: b's frames are blue-red, a's are not.
        using var bImage = Cv2.ImRead(b[1].Frame.Path);
        Assert.True(bImage.Mean().Val0 > 150);

        // The same bytes elsewhere are the same video: its frames are reused.
        var copy = Path.Combine(dir, "copy.mp4");
        File.Copy(first, copy);
        Assert.Equal(a.Select(f => Path.GetFileName(f.Frame.Path)[^10..]), Extract(copy, output).Select(f => Path.GetFileName(f.Frame.Path)[^10..]));
    }

    [Fact]
    public void OtherSamplingSettingsNeverReuseOldFrames()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 100);
        var output = Path.Combine(dir, "frames");
        var first = Extract(video, output, fps: 1);
        Assert.All(Extract(video, output, fps: 1), f => Assert.Equal(FrameAction.Reused, f.Action));
        foreach (var rerun in new[] { Extract(video, output, fps: 2), Extract(video, output, fps: 1, maxWidth: 200) })
        {
            Assert.All(rerun, f => Assert.Equal(FrameAction.Written, f.Action));
            Assert.Empty(first.Select(f => f.Frame.Path).Intersect(rerun.Select(f => f.Frame.Path)));
        }
        var small = Extract(video, output, fps: 1, maxWidth: 200);
        using var image = Cv2.ImRead(small[0].Frame.Path);
        Assert.Equal(200, image.Width);
    }

    [Fact]
    public void AnOutputFolderThatIsAFileFailsThatVideoWithFrameWriteFailed()
    {
        var dir = TestEnvironment.NewTempDirectory();
        var video = TestClips.Write(Path.Combine(dir, "clip.mp4"), 25, 50);
        var file = Path.Combine(dir, "frames");
        File.WriteAllText(file, "not a folder");
        var error = Assert.Throws<VideoException>(() => Extract(video, file));
        Assert.Equal(VideoErrorCode.FrameWriteFailed, error.Code);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }
}
