using System.Diagnostics;
using System.Text.Json;
using FaceCluster.Models;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace FaceCluster.Bench;

/// <summary>
/// descriptor [--model-dir <dir>] [--seconds <s>] [--faceapi-backends wasm,cpu]
///   ms/face of the descriptor ResNet at batch 1 and 8: ONNX Runtime, OpenCV DNN (same .onnx), face-api (node);
///   and of HSE FaceRes (224x224 crops) in ONNX Runtime.
/// </summary>
public static class DescriptorBench
{
    public static int Run(string[] args)
    {
        BenchEnv.Header("descriptor");
        var options = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) options[args[i].TrimStart('-')] = args[i + 1];

        var root = BenchEnv.Root;
        var modelDir = options.GetValueOrDefault("model-dir") ?? Path.Combine(root, "artifacts", "FaceCluster", "models");
        double seconds = double.Parse(options.GetValueOrDefault("seconds") ?? "3", System.Globalization.CultureInfo.InvariantCulture);
        var faceApiBackends = (options.GetValueOrDefault("faceapi-backends") ?? "wasm,cpu").Split(',', StringSplitOptions.RemoveEmptyEntries);

        var modelPath = ModelCatalog.GetVerifiedPath(ModelCatalog.Descriptor, modelDir);
        var goldenDir = Path.Combine(root, "tests", "data", "golden");
        var chips = Directory.GetFiles(goldenDir, "chip*.png").Order(StringComparer.Ordinal).Take(8).Select(p => Cv2.ImRead(p, ImreadModes.Color)).ToList();
        Console.WriteLine($"descriptor model: {modelPath}");
        Console.WriteLine($"chips: {chips.Count} from {goldenDir}; {Environment.ProcessorCount} logical cores; {seconds:0.#} s per figure");
        Console.WriteLine();
        // CPU ms/face (this process's processor time) next to wall-clock ms/face: on a shared, loaded machine the wall
        // clock measures the neighbours, while processor time still measures the work.
        Console.WriteLine($"{"engine",-34} {"batch 1 ms/face",16} {"batch 8 ms/face",16} {"CPU ms/face b1/b8",18}");

        var cpu = new List<double>();
        void Row(string engine, double b1, double b8)
        {
            string cpuText = cpu.Count == 2 ? $"{cpu[0]:0.00} / {cpu[1]:0.00}" : "";
            cpu.Clear();
            Console.WriteLine($"{engine,-34} {b1,16:0.00} {b8,16:0.00} {cpuText,18}");
        }

        double Time(Action run, int faces)
        {
            run(); // warm-up
            int n = 0;
            var process = Process.GetCurrentProcess();
            var cpuStart = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            do { run(); n++; } while (sw.Elapsed.TotalSeconds < seconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds / (n * faces));
            return sw.Elapsed.TotalMilliseconds / (n * faces);
        }

        float[][] reference;
        foreach (int threads in new[] { 1, Math.Min(2, Environment.ProcessorCount) }.Distinct())
        {
            using var network = new FaceDescriptorNetwork(modelPath, threads);
            int i = 0;
            double b1 = Time(() => network.Compute(chips[i++ % chips.Count]), 1);
            double b8 = Time(() => network.Compute(chips), chips.Count);
            Row($"ONNX Runtime ({threads} thread{(threads > 1 ? "s" : "")})", b1, b8);
        }
        using (var network = new FaceDescriptorNetwork(modelPath, 1)) reference = network.Compute(chips);

        var faceResPath = ModelCatalog.GetVerifiedPath(ModelCatalog.FaceRes, modelDir);
        var crops = Directory.GetFiles(Path.Combine(goldenDir, "faceres"), "faceres*.png").Order(StringComparer.Ordinal)
            .Select(p => Cv2.ImRead(p, ImreadModes.Color)).ToList();
        while (crops.Count < 8) crops.Add(crops[crops.Count % 7].Clone());
        foreach (int threads in new[] { 1, Math.Min(2, Environment.ProcessorCount) }.Distinct())
        {
            using var network = new FaceResNetwork(faceResPath, threads);
            int i = 0;
            double b1 = Time(() => network.Compute([crops[i++ % crops.Count]]), 1);
            double b8 = Time(() => network.Compute(crops), crops.Count);
            Row($"FaceRes ONNX Runtime ({threads} thread{(threads > 1 ? "s" : "")})", b1, b8);
        }
        crops.ForEach(c => c.Dispose());

        float maxDnnDifference = 0;
        foreach (int threads in new[] { 1, Math.Min(2, Environment.ProcessorCount) }.Distinct())
        {
            Cv2.SetNumThreads(threads);
            using var net = CvDnn.ReadNetFromOnnx(modelPath) ?? throw new InvalidOperationException("OpenCV could not read the model.");
            net.SetPreferableBackend(Backend.OPENCV);
            net.SetPreferableTarget(Target.CPU);
            float[][] Forward(IReadOnlyList<Mat> batch)
            {
                // BGR -> RGB planar float 0..255, the model's input.
                using var blob = CvDnn.BlobFromImages(batch, 1.0, new Size(150, 150), new Scalar(), swapRB: true, crop: false);
                net.SetInput(blob, "chips");
                using var output = net.Forward("descriptors");
                if (!output.GetArray(out float[] all) || all.Length != batch.Count * 128) throw new InvalidOperationException("unexpected OpenCV DNN output");
                return Enumerable.Range(0, batch.Count).Select(r => all.AsSpan(r * 128, 128).ToArray()).ToArray();
            }
            var dnn = Forward(chips);
            for (int r = 0; r < chips.Count; r++) maxDnnDifference = MathF.Max(maxDnnDifference, FaceDistance.Euclidean(dnn[r], reference[r]));
            int i = 0;
            double b1 = Time(() => Forward([chips[i++ % chips.Count]]), 1);
            double b8 = Time(() => Forward(chips), chips.Count);
            Row($"OpenCV DNN ({threads} thread{(threads > 1 ? "s" : "")})", b1, b8);
        }

        var tools = Path.Combine(root, "tools", "golden-descriptors");
        if (!Directory.Exists(Path.Combine(tools, "node_modules")))
        {
            Console.WriteLine($"{"face-api (node)",-34} skipped: run 'npm ci --ignore-scripts' in {tools} first");
        }
        else
        {
            try
            {
                var psi = new ProcessStartInfo("node") { WorkingDirectory = tools, RedirectStandardOutput = true, RedirectStandardError = true };
                psi.ArgumentList.Add("bench-faceapi.mjs");
                foreach (var b in faceApiBackends) psi.ArgumentList.Add(b);
                psi.Environment["BENCH_SECONDS"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                using var node = Process.Start(psi)!;
                var stderr = node.StandardError.ReadToEndAsync();
                string? line;
                while ((line = node.StandardOutput.ReadLine()) is not null)
                {
                    if (!line.StartsWith('{')) continue;
                    using var doc = JsonDocument.Parse(line);
                    var engine = doc.RootElement.GetProperty("engine").GetString();
                    if (doc.RootElement.TryGetProperty("error", out var error)) Console.WriteLine($"{engine,-34} failed: {error.GetString()}");
                    else Row(engine!, doc.RootElement.GetProperty("batch1MsPerFace").GetDouble(), doc.RootElement.GetProperty("batch8MsPerFace").GetDouble());
                }
                node.WaitForExit();
                if (node.ExitCode != 0) Console.WriteLine($"face-api benchmark exited with {node.ExitCode}: {stderr.Result.Trim()}");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Console.WriteLine($"{"face-api (node)",-34} skipped: node is not installed");
            }
        }
        Console.WriteLine();
        Console.WriteLine($"OpenCV DNN vs ONNX Runtime: max L2 difference {maxDnnDifference:E2} over {chips.Count} chips");
        chips.ForEach(c => c.Dispose());
        BenchEnv.Footer();
        return 0;
    }
}
