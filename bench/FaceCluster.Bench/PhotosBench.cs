using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceCluster.Concurrency;
using FaceCluster.Recognition;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// photos [--photos ../shared/eval/labelled-photos] [--threads 1] [--model-dir dir]
///   Photos/s of the whole encoding (decode, detect, align, describe; models loaded inside the timing, as a fresh
///   Get-FaceEncoding process does) against face-api 1.7.15 (SSD MobileNet v1 + 68 landmarks + dlib ResNet, tfjs-wasm)
///   as a whole node process, on the same photos, at the same thread count, in one run. FaceCluster runs --threads
///   workers with one ONNX Runtime and one OpenCV thread each, with the dlib descriptor (face-api's). face-api needs tools/golden-descriptors/node_modules
///   ('npm ci --ignore-scripts' there); without it only FaceCluster is timed.
/// </summary>
public static class PhotosBench
{
    public static int Run(string[] args)
    {
        var (o, _) = BenchEnv.Parse(args);
        var root = BenchEnv.Root;
        var photoDir = Path.GetFullPath(o.GetValueOrDefault("photos") ?? Path.Combine(root, "..", "shared", "eval", "labelled-photos"));
        int threads = BenchEnv.Int(o, "threads", 1);
        var modelDir = BenchEnv.ModelDirectory(o);
        if (!Directory.Exists(photoDir))
        {
            Console.WriteLine($"photos: {photoDir} not found");
            return 1;
        }
        var photos = Directory.GetFiles(photoDir).Where(p => p.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || p.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        BenchEnv.Header("photos");
        Console.WriteLine($"{photos.Count} photos in {photoDir}, {threads} thread(s) each");
        Console.WriteLine();
        Console.WriteLine($"{"engine",-58} {"wall s",8} {"photos/s",9} {"faces",6}   load");

        Cv2.SetNumThreads(threads);
        var clock = Stopwatch.StartNew();
        var encoder = new FaceEncoder(Options(modelDir, threads));
        var processor = new OrderedParallelProcessor<string, ImageEncodingResult>((p, ct) => encoder.Encode(p, null, ct), threads, 2 * threads, CancellationToken.None);
        int faces = 0, errors = 0;
        void Take(IEnumerable<WorkResult<string, ImageEncodingResult>> results)
        {
            foreach (var r in results)
            {
                if (r.Error is not null) errors++;
                else faces += r.Output!.Faces.Count;
            }
        }
        foreach (var p in photos) Take(processor.Post(p));
        Take(processor.Complete());
        double ours = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{"FaceCluster (BlazeFace + dlib ResNet, ONNX Runtime)",-58} {ours,8:0.00} {photos.Count / ours,9:0.00} {faces,6}   {BenchEnv.Load()}");
        if (errors > 0) Console.WriteLine($"  {errors} photos failed");

        var tools = Path.Combine(root, "tools", "golden-descriptors");
        if (!Directory.Exists(Path.Combine(tools, "node_modules")))
        {
            Console.WriteLine($"{"face-api (node)",-58} skipped: run 'npm ci --ignore-scripts' in {tools} first");
        }
        else
        {
            var psi = new ProcessStartInfo("node") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("bench-faceapi-photos.mjs");
            psi.ArgumentList.Add(photoDir);
            psi.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
            var started = Stopwatch.StartNew();
            using var node = Process.Start(psi)!;
            var stderr = node.StandardError.ReadToEndAsync();
            string? last = null, line;
            while ((line = node.StandardOutput.ReadLine()) is not null) last = line;
            node.WaitForExit();
            double theirs = started.Elapsed.TotalSeconds;
            if (node.ExitCode != 0 || last is null)
            {
                Console.WriteLine($"face-api exited with {node.ExitCode}: {stderr.Result.Trim()}");
                return 1;
            }
            using var summary = JsonDocument.Parse(last);
            int theirFaces = summary.RootElement.GetProperty("faces").GetInt32();
            int theirThreads = summary.RootElement.GetProperty("threads").GetInt32();
            int theirImages = summary.RootElement.GetProperty("images").GetInt32();
            var skipped = summary.RootElement.GetProperty("skipped").EnumerateArray().Select(e => e.GetString()).ToList();
            Console.WriteLine($"{$"face-api 1.7.15 (SSD + landmarks + dlib, tfjs-wasm, {theirThreads} thr)",-58} {theirs,8:0.00} {theirImages / theirs,9:0.00} {theirFaces,6}   {BenchEnv.Load()}");
            if (skipped.Count > 0) Console.WriteLine($"  face-api could not decode {string.Join(", ", skipped)} (jpeg-js reads JPEG only); its photos/s is over the {theirImages} it read");
            Console.WriteLine();
            Console.WriteLine($"FaceCluster / face-api: {photos.Count / ours / (theirImages / theirs):0.00}x the photos/s");
        }

        BenchEnv.Footer();
        return 0;
    }

    private static FaceEncoderOptions Options(string modelDir, int threads) =>
        new() { DegreeOfParallelism = threads, IntraOpThreads = 1, ModelDirectory = modelDir, Model = Models.DescriptorModelKind.Dlib };
}
