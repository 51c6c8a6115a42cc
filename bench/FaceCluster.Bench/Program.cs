using FaceCluster.Bench;

// FaceCluster benchmarks: figures to read, not tests. See bench/README.md.
//   dotnet run -c Release --project bench/FaceCluster.Bench -- <command> [options]
var commands = new Dictionary<string, (Func<string[], int> Run, string Help)>(StringComparer.OrdinalIgnoreCase)
{
    ["descriptor"] = (DescriptorBench.Run, "ms/face of the descriptor network: ONNX Runtime vs OpenCV DNN vs face-api (node)"),
    ["video"] = (VideoBench.Run, "1-fps frame extraction vs the decode-every-frame floor on a generated clip"),
    ["encode"] = (EncodeBench.Run, "images/s and faces/s of FaceEncoder on the demo photos, driven like Get-FaceEncoding"),
    ["detect"] = (DetectBench.Run, "which detection passes find which faces and what each costs, on the demo photos, labelled photos and footage frames"),
    ["photos"] = (PhotosBench.Run, "photos/s of the whole encoding against face-api (node) on the same photos at equal threads, one run"),
    ["chain"] = (ChainBench.Run, "frames -> encodings on a 2-minute clip: extraction, decode floor, whole chain, x real time"),
    ["shots"] = (ShotsBench.Run, "cut detectors on every footage with truth: today's HSV histogram vs luma-plane candidates, separation margins"),
    ["memory"] = (MemoryBench.Run, "peak working set and GC heap over 2,000 inputs through the bounded pipeline"),
    ["eval"] = (EvalBench.Run, "accuracy on ../shared/eval/labelled-photos: clusters, pairwise and BCubed scores, pair verification"),
    ["quality"] = (QualityBench.Run, "full-resolution vs capped crops on 1280x720 footage (margins, BCubed); quality gates on each set; planted low-quality faces"),
    ["footage-eval"] = (FootageEvalBench.Run, "clustering accuracy on footage of the labelled and the demo photos (truth by construction): settings grid, with and without tracks"),
    ["cluster"] = (ClusterBench.Run, "clustering time and memory at 1k/10k/100k faces; scikit-learn DBSCAN side by side when available"),
};
commands["all"] = (AllBench, "the cheap version of every command, in sequence");

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine("usage: FaceCluster.Bench <command> [options]   (options: see bench/README.md)");
    foreach (var (name, (_, help)) in commands) Console.Error.WriteLine($"  {name,-11} {help}");
    return 2;
}
return command.Run(args[1..]);

// Short settings for every command: a smoke run of the whole bench project in a few minutes, figures indicative only.
int AllBench(string[] rest)
{
    var cheap = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["descriptor"] = ["--seconds", "1"],
        ["video"] = ["--seconds", "20", "--repeat", "1"],
        ["encode"] = ["--images", "12"],
        ["memory"] = ["--inputs", "300", "--every", "50"],
        ["detect"] = ["--photos", "/nonexistent", "--seconds", "30"],
        ["chain"] = ["--seconds", "30", "--no-h264"],
        ["quality"] = ["--photos", "/nonexistent"],
    };
    int failed = 0;
    foreach (var (name, (run, _)) in commands)
    {
        if (name == "all") continue;
        Console.WriteLine();
        var started = System.Diagnostics.Stopwatch.StartNew();
        int code;
        try
        {
            code = run(cheap.GetValueOrDefault(name, []));
        }
        catch (Exception ex)
        {
            Console.WriteLine($"{name} failed: {ex.GetType().Name}: {ex.Message}");
            code = 1;
        }
        Console.WriteLine($"[{name}: exit {code}, {started.Elapsed.TotalSeconds:0.0} s]");
        if (code != 0) failed++;
    }
    return failed == 0 ? 0 : 1;
}
