using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceCluster.Clustering;

namespace FaceCluster.Bench;

/// <summary>
/// Clustering scale benchmark (figures to read, not a test).
///   cluster [--sizes 1000,10000,100000] [--algorithms Agglomerative,DBSCAN,ChineseWhispers] [--dop 2]
///           [--sklearn auto|off] [--sklearn-max 100000] [--cw-compare 10000] [--seed 1] [--work dir]
///           [--eps 0.5] [--min-samples 2] [--threshold t] [--spread 0.25,0.35] [--beta 0.1,0.3]
/// Every (size, algorithm) runs in a child process so that the peak working set is its own.
/// Synthetic descriptors: people with a skewed (Zipf-like) number of faces, centres of norm 1.45 that are
/// 0.65-1.1 apart, faces ~0.25-0.35 from their centre, plus 5% one-off faces.
/// </summary>
public static class ClusterBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "cluster") args = args[1..];
        var o = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
        int seed = int.Parse(o.GetValueOrDefault("seed") ?? "1", Inv);
        if (o.TryGetValue("spread", out var spread)) (SpreadLow, SpreadHigh) = Pair(spread);
        if (o.TryGetValue("beta", out var beta)) (BetaLow, BetaHigh) = Pair(beta);
        Dim = int.Parse(o.GetValueOrDefault("dim") ?? "128", Inv);
        Data = o.GetValueOrDefault("data") ?? (Dim == 128 ? "dlib" : "unit");
        int dop = int.Parse(o.GetValueOrDefault("dop") ?? Environment.ProcessorCount.ToString(Inv), Inv);
        // At FaceRes's length the radii default to FaceRes's calibrated ones (Chinese whispers 0.84, average linkage 0.85,
        // DBSCAN 0.8), as Invoke-FaceClustering uses them; elsewhere to dlib's.
        var model = Dim == Models.DescriptorModels.FaceRes.Length ? Models.DescriptorModels.FaceRes : Models.DescriptorModels.Dlib;
        Calibrated = model;
        var tuning = new ClusteringOptions
        {
            Epsilon = double.Parse(o.GetValueOrDefault("eps") ?? model.DbscanEpsilon.ToString("R", Inv), Inv),
            MinSamples = int.Parse(o.GetValueOrDefault("min-samples") ?? ClusteringOptions.DefaultMinSamples.ToString(Inv), Inv),
            Threshold = o.TryGetValue("threshold", out var th) ? double.Parse(th, Inv) : null,
        };
        if (Data.StartsWith("faceres", StringComparison.Ordinal) && Dim != 1024) { Console.Error.WriteLine("--data faceres needs --dim 1024"); return 2; }
        if (o.GetValueOrDefault("real-stats") == "1") return RealStats(seed);
        s_projection = o.GetValueOrDefault("projection") == "on";
        if (o.TryGetValue("projected-dims", out var pdims)) RadiusIndex.ProjectedDims = int.Parse(pdims, Inv);
        if (o.TryGetValue("dense-budget", out var budget)) tuning.DenseGraphPairBudget = long.Parse(budget, Inv);
        if (o.TryGetValue("items", out var itemBudget)) tuning.DenseItemBudget = int.Parse(itemBudget, Inv);
        if (o.TryGetValue("scan-budget", out var scanBudget)) tuning.ExactScanBudget = double.Parse(scanBudget, Inv);
        if (o.TryGetValue("dense-compare", out var dc)) return DenseCompare(int.Parse(dc, Inv), dop, seed, tuning);
        if (o.TryGetValue("ivf-compare", out var ic))
        {
            int failed = 0;
            foreach (var size in ic.Split(',')) failed += IvfCompare(int.Parse(size, Inv), dop, seed, tuning);
            return failed;
        }
        if (o.TryGetValue("graph-check", out var gc))
        {
            float[] radii = o.TryGetValue("radius", out var rs) ? rs.Split(',').Select(x => float.Parse(x, Inv)).ToArray() : [(float)ClusteringOptions.DefaultEpsilon, 0.6f];
            if (o.GetValueOrDefault("projection") != "both") return GraphCheck(int.Parse(gc, Inv), dop, seed, o.GetValueOrDefault("reference") == "1", radii);
            // The screen off and on in one process, alternately, so that both see the same load.
            int failed = 0;
            foreach (bool on in new[] { false, true, false, true })
            {
                s_projection = on;
                Console.WriteLine($"projection screen {(on ? "on" : "off")} ({BenchEnv.Load()}):");
                failed += GraphCheck(int.Parse(gc, Inv), dop, seed, o.GetValueOrDefault("reference") == "1", radii);
            }
            return failed;
        }
        if (o.TryGetValue("child", out var child)) return Child(int.Parse(child, Inv), o["algorithm"], dop, seed, tuning);
        string[] tuningArgs = [.. o.Where(kv => kv.Key is "eps" or "min-samples" or "threshold" or "spread" or "beta" or "dim" or "data" or "projection" or "projected-dims" or "dense-budget" or "items" or "scan-budget").SelectMany(kv => new[] { "--" + kv.Key, kv.Value })];

        var sizes = (o.GetValueOrDefault("sizes") ?? "1000,10000,100000").Split(',').Select(s => int.Parse(s, Inv)).ToArray();
        var algorithms = (o.GetValueOrDefault("algorithms") ?? "Agglomerative,DBSCAN,ChineseWhispers").Split(',')
            .Select(Enum.Parse<ClusteringAlgorithm>).ToArray();
        var sklearn = o.GetValueOrDefault("sklearn") ?? "auto";
        int sklearnMax = int.Parse(o.GetValueOrDefault("sklearn-max") ?? "100000", Inv);
        int cwCompare = int.Parse(o.GetValueOrDefault("cw-compare") ?? "10000", Inv);
        var work = o.GetValueOrDefault("work") ?? Path.Combine(Path.GetTempPath(), "facecluster-bench");
        Directory.CreateDirectory(work);

        BenchEnv.Header("cluster");
        Console.WriteLine($"clustering benchmark: {Environment.ProcessorCount} logical cores, dop {dop}, seed {seed}, .NET {Environment.Version}; " +
            $"{Dim}-d {Data} data; radii {Calibrated.Kind}'s unless given (CW {tuning.Threshold ?? Calibrated.ClusterThreshold}, AL {tuning.Threshold ?? Calibrated.AverageLinkageThreshold}, DBSCAN eps {tuning.Epsilon}); " + (Data == "dlib" ? $"face spread {SpreadLow}-{SpreadHigh}, centre beta^2 {BetaLow}-{BetaHigh}; " : "") + string.Join(" ", tuningArgs));
        if (Data.StartsWith("faceres", StringComparison.Ordinal)) CompareDistances(seed);
        Console.WriteLine($"{"n",8} {"algorithm",-16} {"seconds",8} {"cpu s",8} {"graph s",8} {"peak MB",8} {"clusters",8} {"noise",6} {"pairF1",7} {"B3 P",7} {"B3 R",7} {"B3 F1",7}  load before");
        foreach (int n in sizes)
        {
            foreach (var algorithm in algorithms)
            {
                string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
                var line = RunChild(["--child", n.ToString(Inv), "--algorithm", algorithm.ToString(), "--dop", dop.ToString(Inv), "--seed", seed.ToString(Inv), .. tuningArgs]);
                if (line is null) { Console.WriteLine($"{n,8} {algorithm,-16} failed"); continue; }
                var r = JsonSerializer.Deserialize<ChildResult>(line)!;
                Console.WriteLine($"{n,8} {algorithm,-16} {r.Seconds,8:0.000} {r.CpuSeconds,8:0.000} {r.GraphSeconds,8:0.000} {r.PeakMB,8:0} {r.Clusters,8} {r.Noise,6} {r.PairF1,7:0.0000} {r.BCubedP,7:0.0000} {r.BCubedR,7:0.0000} {r.BCubedF1,7:0.0000}  {load}" +
                    (n >= 100_000 ? $"  issue-10 goal (<= 30 s, <= 2 GB): {(r.Seconds <= 30 && r.PeakMB <= 2048 ? "met" : "missed")}" : ""));
            }
        }

        if (cwCompare > 0) CompareChineseWhispers(cwCompare, seed, dop);
        if (sklearn != "off")
        {
            var python = FindSklearnPython();
            if (python is null) Console.WriteLine("\nscikit-learn not found (apt-get install -y python3-sklearn); DBSCAN comparison skipped.");
            else foreach (int n in sizes.Where(s => s <= sklearnMax)) CompareSklearn(python, n, seed, dop, work, tuning);
        }
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>
    /// cluster --graph-check n [--reference 1]: times the neighbour graph alone (wall and CPU) at the DBSCAN and
    /// threshold radii and prints a hash of it; with --reference 1 also builds it with the per-face queries and
    /// checks that both graphs are identical.
    /// </summary>
    private static int GraphCheck(int n, int dop, int seed, bool reference, float[] radii)
    {
        var (faces, _) = Generate(n, seed);
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        int failures = 0;
        var (_, tWall, tCpu) = Timed(() => new RadiusIndex(m, dop, default));
        Console.WriteLine($"n={n} tree alone: wall {tWall:0.000} s cpu {tCpu:0.000} s");
        foreach (var (r, inclusive) in radii.Select((r, k) => (r, k == 0)))
        {
            var (graph, wall, cpu) = Timed(() => RadiusIndex.BuildGraph(m, r, inclusive, dop, null, default, s_projection));
            Console.WriteLine($"n={n} r={r} {(inclusive ? "<=" : "<")}: edges {graph.EdgeCount} hash {Hash(graph):x16} wall {wall:0.000} s cpu {cpu:0.000} s; " +
                $"centre distances {RadiusIndex.BlockCentreEvaluations}, pair estimates {RadiusIndex.BlockPairEstimates}, projection rejects {RadiusIndex.BlockProjectedRejects}, rechecks {RadiusIndex.BlockRechecks}; " +
                $"screen set-up {RadiusIndex.BlockSeconds[0]:0.00} s, pair search {RadiusIndex.BlockSeconds[1]:0.00} s (wall)");
            RadiusIndex.BlockSeconds[0] = RadiusIndex.BlockSeconds[1] = 0;
            RadiusIndex.BlockCentreEvaluations = RadiusIndex.BlockPairEstimates = RadiusIndex.BlockRechecks = RadiusIndex.BlockProjectedRejects = 0;
            if (!reference) continue;
            var (old, oWall, oCpu) = Timed(() => RadiusIndex.BuildGraphPerPoint(m, r, inclusive, dop, null, default));
            bool same = old.Offsets.AsSpan().SequenceEqual(graph.Offsets) && old.Targets.AsSpan().SequenceEqual(graph.Targets);
            if (!same) failures++;
            Console.WriteLine($"  per-face reference: edges {old.EdgeCount} hash {Hash(old):x16} wall {oWall:0.000} s cpu {oCpu:0.000} s; identical {same}");
        }
        return failures;
    }

    /// <summary>The options both comparison modes cluster with: the tuning, the algorithm's calibrated radius unless given, noise kept.</summary>
    private static ClusteringOptions CompareOptions(ClusteringOptions tuning, ClusteringAlgorithm algorithm, int dop)
    {
        var options = tuning.Clone();
        options.Algorithm = algorithm;
        options.Threshold ??= Calibrated.ThresholdFor(algorithm);
        options.DegreeOfParallelism = dop;
        options.IncludeNoise = true;
        return options;
    }

    /// <summary>
    /// cluster --dense-compare n: Chinese whispers and average linkage on the same n faces exactly (graph budget
    /// unlimited) and through the dense approximation (budget 0), in one process; BCubed of the approximation against
    /// the exact clusters and of both against the generating people.
    /// </summary>
    private static int DenseCompare(int n, int dop, int seed, ClusteringOptions tuning)
    {
        BenchEnv.Header($"cluster --dense-compare {n}");
        var (faces, truth) = Generate(n, seed);
        var truthOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < faces.Count; i++) truthOf[faces[i].Id] = truth[i];
        Console.WriteLine($"{n} faces, {Dim}-d {Data}, item budget {tuning.DenseItemBudget}");
        foreach (var algorithm in new[] { ClusteringAlgorithm.ChineseWhispers, ClusteringAlgorithm.Agglomerative })
        {
            if (algorithm == ClusteringAlgorithm.Agglomerative && n > AverageLinkage.MaxComponentSize)
            {
                Console.WriteLine($"  average linkage: no exact result above {AverageLinkage.MaxComponentSize} faces of one component to compare with");
                continue;
            }
            var options = CompareOptions(tuning, algorithm, dop);
            var result = new Dictionary<bool, IReadOnlyList<FaceCluster>>();
            foreach (bool approximate in new[] { false, true })
            {
                options.DenseGraphPairBudget = approximate ? 0 : long.MaxValue;
                string? warning = null;
                var (clusters, wall, cpu) = Timed(() => FaceClusterer.ClusterValidated(faces, options, new Progress(p => warning ??= p.Warning), CancellationToken.None));
                result[approximate] = clusters;
                var s = ClusteringMetrics.Evaluate(clusters, f => truthOf[f.Id].ToString(Inv));
                Console.WriteLine($"  {algorithm} {options.Threshold} {(approximate ? "approximate" : "exact      ")}: {wall:0.00} s wall, {cpu:0.00} cpu s, " +
                    $"{clusters.Count(c => !c.IsNoise)} clusters; against the people: B3 P {s.BCubedPrecision:0.0000} R {s.BCubedRecall:0.0000} F1 {s.BCubedF1:0.0000}; {BenchEnv.Load()}");
                if (warning is not null) Console.WriteLine($"    warning: {warning}");
            }
            var exactOf = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var c in result[false]) foreach (var f in c.Faces) exactOf[f.Id] = c.IsNoise ? -1 - exactOf.Count : c.Id;
            var agree = ClusteringMetrics.Evaluate(result[true], f => exactOf[f.Id].ToString(Inv));
            Console.WriteLine($"  {algorithm}: approximate against exact: B3 P {agree.BCubedPrecision:0.0000} R {agree.BCubedRecall:0.0000} F1 {agree.BCubedF1:0.0000}, pairwise F1 {agree.PairwiseF1:0.0000}");
        }
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>
    /// cluster --ivf-compare n[,n...]: the exact "&lt; t" graph (block search) against the inverted-file graph
    /// (RadiusIndex.CellGraph) on the same tree, at the Chinese-whispers threshold: time, edges, edge recall, and a check
    /// that the approximate graph holds no pair the exact one lacks; then Chinese whispers and average linkage clustered
    /// exactly (scan budget unlimited) and through the inverted file (budget 0), BCubed of each against the people and of
    /// the approximation against the exact clusters. Also prints the sampled cost estimate that decides between them.
    /// Returns the number of false edges found (0 expected).
    /// </summary>
    private static int IvfCompare(int n, int dop, int seed, ClusteringOptions tuning)
    {
        BenchEnv.Header($"cluster --ivf-compare {n}");
        var (faces, truth) = Generate(n, seed);
        var truthOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < faces.Count; i++) truthOf[faces[i].Id] = truth[i];
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        float t = (float)(tuning.Threshold ?? Calibrated.ThresholdFor(ClusteringAlgorithm.ChineseWhispers));
        var (index, treeWall, treeCpu) = Timed(() => new RadiusIndex(m, dop, default));
        var (cost, costWall, _) = Timed(() => index.ExactScanCost(t, FaceClusterer.ScanCostSamples, dop, default));
        Console.WriteLine($"{n} faces, {Dim}-d {Data}, t {t}: tree {treeWall:0.00} s wall {treeCpu:0.00} cpu s; estimated exact scan {cost:0.00e0} multiply-adds " +
            $"({costWall:0.000} s to estimate), budget {tuning.ExactScanBudget:0.0e0}: {(cost > tuning.ExactScanBudget ? "approximate" : "exact")}; {BenchEnv.Load()}");
        bool withExact = n <= 40_000;
        var (exact, eWall, eCpu) = withExact ? Timed(() => index.BlockGraph(t, false, dop, null, default)!) : (new NeighborGraph(new int[n + 1], []), 0, 0);
        long scanned = RadiusIndex.BlockPairEstimates;
        RadiusIndex.BlockPairEstimates = RadiusIndex.BlockCentreEvaluations = RadiusIndex.BlockRechecks = 0;
        Console.WriteLine($"  exact graph:  {exact.EdgeCount / 2,10} pairs, {eWall,7:0.00} s wall {eCpu,7:0.00} cpu s, {scanned:0} pairs measured (estimated {cost / Dim:0})");
        long extra = 0;
        {
            var (cells, cWall, cCpu) = Timed(() => index.CellGraph(t, false, dop, null, default)!);
            long kept = 0;
            for (int i = 0; i < (withExact ? n : 0); i++)
            {
                var a = cells.Neighbors(i);
                var b = exact.Neighbors(i);
                int x = 0, y = 0;
                while (x < a.Length)
                {
                    while (y < b.Length && b[y] < a[x]) y++;
                    if (y < b.Length && b[y] == a[x]) kept++; else extra++;
                    x++;
                }
            }
            Console.WriteLine($"  inverted file: {cells.EdgeCount / 2,9} pairs, {cWall,7:0.00} s wall {cCpu,7:0.00} cpu s, {RadiusIndex.CellPairEstimates:0} pairs measured, {RadiusIndex.CellCount} cells (k-means and probes {RadiusIndex.CellSeconds[0]:0.00} s, pairs {RadiusIndex.CellSeconds[1]:0.00} s, rows {RadiusIndex.CellSeconds[2]:0.00} s); " +
                $"edge recall {(double)kept / Math.Max(1, exact.EdgeCount):0.0000}, false edges {extra / 2}; {BenchEnv.Load()}");
        }
        foreach (var algorithm in new[] { ClusteringAlgorithm.ChineseWhispers, ClusteringAlgorithm.Agglomerative })
        {
            var options = CompareOptions(tuning, algorithm, dop);
            var result = new Dictionary<bool, IReadOnlyList<FaceCluster>>();
            foreach (bool approximate in withExact ? new[] { false, true } : [true])
            {
                options.ExactScanBudget = approximate ? 0 : double.MaxValue;
                string? warning = null;
                var (clusters, wall, cpu) = Timed(() => FaceClusterer.ClusterValidated(faces, options, new Progress(p => warning ??= p.Warning), CancellationToken.None));
                result[approximate] = clusters;
                var s = ClusteringMetrics.Evaluate(clusters, f => truthOf[f.Id].ToString(Inv));
                Console.WriteLine($"  {algorithm} {options.Threshold} {(approximate ? "inverted file" : "exact        ")}: {wall,7:0.00} s wall, {cpu,7:0.00} cpu s, " +
                    $"{clusters.Count(c => !c.IsNoise)} clusters; against the people: B3 P {s.BCubedPrecision:0.0000} R {s.BCubedRecall:0.0000} F1 {s.BCubedF1:0.0000}; {BenchEnv.Load()}");
                if (warning is not null) Console.WriteLine($"    warning: {warning}");
            }
            if (!withExact) continue;
            var exactOf = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var c in result[false]) foreach (var f in c.Faces) exactOf[f.Id] = c.IsNoise ? -1 - exactOf.Count : c.Id;
            var agree = ClusteringMetrics.Evaluate(result[true], f => exactOf[f.Id].ToString(Inv));
            Console.WriteLine($"  {algorithm}: inverted file against exact: B3 P {agree.BCubedPrecision:0.0000} R {agree.BCubedRecall:0.0000} F1 {agree.BCubedF1:0.0000}, pairwise F1 {agree.PairwiseF1:0.0000}");
        }
        BenchEnv.Footer();
        return extra > 0 ? 1 : 0;
    }

    /// <summary>--projection on: the graph checks screen pairs by projection (RadiusIndex.Projection).</summary>
    private static bool s_projection;

    private static (T, double Wall, double Cpu) Timed<T>(Func<T> f)
    {
        using var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var result = f();
        double wall = sw.Elapsed.TotalSeconds;
        self.Refresh();
        return (result, wall, (self.TotalProcessorTime - cpu).TotalSeconds);
    }

    private static ulong Hash(NeighborGraph g)
    {
        ulong h = 1469598103934665603UL;
        foreach (int x in g.Offsets) h = (h ^ (uint)x) * 1099511628211UL;
        foreach (int x in g.Targets) h = (h ^ (uint)x) * 1099511628211UL;
        return h;
    }

    private sealed record ChildResult(int N, string Algorithm, double Seconds, double CpuSeconds, double GraphSeconds, double PeakMB, int Clusters, int Noise,
        double PairF1, double BCubedP, double BCubedR, double BCubedF1);

    private static string? RunChild(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
        {
            psi.ArgumentList.Add(typeof(ClusterBench).Assembly.Location);
        }
        psi.ArgumentList.Add("cluster");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
    }

    private static int Child(int n, string algorithmName, int dop, int seed, ClusteringOptions tuning)
    {
        var algorithm = Enum.Parse<ClusteringAlgorithm>(algorithmName);
        var (faces, truth) = Generate(n, seed);
        var truthOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < faces.Count; i++) truthOf[faces[i].Id] = truth[i];
        GC.Collect();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        double graphSeconds = 0;
        var sw = Stopwatch.StartNew();
        string? stage = null;
        var progress = new Progress(p =>
        {
            if (p.Stage != "Neighbours" && graphSeconds == 0) graphSeconds = sw.Elapsed.TotalSeconds;
            // Stage changes on stderr: where the time of a run goes.
            if (p.Stage != stage) Console.Error.WriteLine($"  {sw.Elapsed.TotalSeconds,7:0.00} s: {stage = p.Stage}");
        });
        var options = tuning.Clone();
        options.Algorithm = algorithm;
        options.Threshold ??= Calibrated.ThresholdFor(algorithm);
        options.DegreeOfParallelism = dop;
        options.IncludeNoise = true;
        // The engine directly: FaceClusterer.Validate knows only the dlib length.
        var clusters = FaceClusterer.ClusterValidated(faces, options, progress, CancellationToken.None);
        double seconds = sw.Elapsed.TotalSeconds;
        var scores = ClusteringMetrics.Evaluate(clusters, f => truthOf[f.Id].ToString(Inv));
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        var result = new ChildResult(n, algorithmName, seconds, (self.TotalProcessorTime - cpuBefore).TotalSeconds, graphSeconds, self.PeakWorkingSet64 / 1048576.0,
            clusters.Count(c => !c.IsNoise), clusters.Where(c => c.IsNoise).Sum(c => c.Count),
            scores.PairwiseF1, scores.BCubedPrecision, scores.BCubedRecall, scores.BCubedF1);
        Console.WriteLine(JsonSerializer.Serialize(result));
        return 0;
    }

    private sealed class Progress(Action<ClusteringProgress> action) : IProgress<ClusteringProgress>
    {
        public void Report(ClusteringProgress value) => action(value);
    }

    /// <summary>Deterministic CW (ours) against dlib's random visiting order with a few seeds, same graph.</summary>
    private static void CompareChineseWhispers(int n, int seed, int dop)
    {
        var (faces, truth) = Generate(n, seed);
        var order = Enumerable.Range(0, n).OrderBy(i => faces[i].Id, StringComparer.Ordinal).ToArray();
        var sorted = order.Select(i => faces[i]).ToArray();
        var sortedTruth = order.Select(i => truth[i]).ToArray();
        var m = new DescriptorMatrix(sorted);
        Console.WriteLine($"\nChinese whispers at n={n}, threshold {ClusteringOptions.DefaultChineseWhispersThreshold} (no cannot-link), pairwise / BCubed F1:");
        foreach (double t in new[] { 0.5, 0.6 })
        {
            var graph = RadiusIndex.BuildGraph(m, (float)t, false, dop, null, default);
            var sw = Stopwatch.StartNew();
            var det = ChineseWhispers.Run(graph, 100, CannotLink.Empty(n), dop, default);
            double detSeconds = sw.Elapsed.TotalSeconds;
            var s = ClusteringMetrics.Evaluate(det, sortedTruth);
            Console.WriteLine($"  t={t:0.0} deterministic order:      {s.PairwiseF1:0.0000} / {s.BCubedF1:0.0000}  clusters {s.PredictedClusters}  {detSeconds:0.000} s");
            for (int r = 1; r <= 3; r++)
            {
                sw.Restart();
                var rnd = ChineseWhispers.RunRandomOrder(graph, 100, r);
                double rs = sw.Elapsed.TotalSeconds;
                s = ClusteringMetrics.Evaluate(rnd, sortedTruth);
                Console.WriteLine($"  t={t:0.0} dlib random order seed {r}: {s.PairwiseF1:0.0000} / {s.BCubedF1:0.0000}  clusters {s.PredictedClusters}  {rs:0.000} s");
            }
        }
    }

    private static string? FindSklearnPython()
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var psi = new ProcessStartInfo(python, ["-c", "import sklearn"]) { UseShellExecute = false, RedirectStandardError = true };
                using var p = Process.Start(psi)!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return null;
    }

    private static void CompareSklearn(string python, int n, int seed, int dop, string work, ClusteringOptions tuning)
    {
        double eps = tuning.Epsilon;
        int minSamples = tuning.MinSamples;
        var (faces, _) = Generate(n, seed);
        // Rows in canonical (Id) order so that indices agree.
        var sorted = faces.OrderBy(f => f.Id, StringComparer.Ordinal).ToArray();
        var vectors = Path.Combine(work, $"vectors-{Data}-{Dim}-{n}.f32");
        using (var fs = File.Create(vectors))
        {
            foreach (var f in sorted) fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.Descriptor.AsSpan()));
        }
        var outPath = Path.Combine(work, $"sklearn-{Data}-{Dim}-{n}.txt");
        var script = Path.Combine(FindRoot(), "bench", "sklearn_dbscan.py");
        var psi = new ProcessStartInfo(python, [script, vectors, n.ToString(Inv), eps.ToString("R", Inv), minSamples.ToString(Inv), outPath, Dim.ToString(Inv)])
        {
            RedirectStandardOutput = true, UseShellExecute = false,
        };
        var wall = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var json = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double wallSeconds = wall.Elapsed.TotalSeconds;
        if (p.ExitCode != 0) { Console.WriteLine($"sklearn failed at n={n}"); return; }
        using var doc = JsonDocument.Parse(json);
        double skSeconds = doc.RootElement.GetProperty("seconds").GetDouble();
        var lines = File.ReadAllLines(outPath);
        var skLabel = lines.Select(l => int.Parse(l.Split(' ')[0], Inv)).ToArray();
        var skCore = lines.Select(l => l.Split(' ')[1] == "1").ToArray();

        var sw = Stopwatch.StartNew();
        var clusters = FaceClusterer.ClusterValidated(sorted, new ClusteringOptions
        {
            Algorithm = ClusteringAlgorithm.DBSCAN, Epsilon = eps, MinSamples = minSamples, UseCannotLink = false, IncludeNoise = true,
            DegreeOfParallelism = dop,
        }, null, default);
        double ours = sw.Elapsed.TotalSeconds;
        var index = sorted.Select((f, i) => (f.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var label = new int[n];
        foreach (var c in clusters) foreach (var f in c.Faces) label[index[f.Id]] = c.IsNoise ? -1 : c.Id;
        Dbscan.RunWithoutGraph(new DescriptorMatrix(sorted), (float)eps, minSamples, dop, null, default, out var core);

        int coreDiff = Enumerable.Range(0, n).Count(i => core[i] != skCore[i]);
        int noiseDiff = Enumerable.Range(0, n).Count(i => (label[i] < 0) != (skLabel[i] < 0));
        // Same partition: the pairs (ours, sklearn) of non-noise points form a bijection.
        var pairs = Enumerable.Range(0, n).Where(i => label[i] >= 0 && skLabel[i] >= 0).Select(i => (label[i], skLabel[i])).Distinct().ToList();
        bool samePartition = pairs.Select(x => x.Item1).Distinct().Count() == pairs.Count && pairs.Select(x => x.Item2).Distinct().Count() == pairs.Count;
        Console.WriteLine($"\nDBSCAN eps={eps} min_samples={minSamples} n={n}: sklearn {doc.RootElement.GetProperty("sklearn").GetString()} fit {skSeconds:0.000} s " +
            $"(process {wallSeconds:0.0} s), ours {ours:0.000} s; core flags differ {coreDiff}, noise flags differ {noiseDiff}, " +
            $"same partition {samePartition}, clusters ours {clusters.Count(c => !c.IsNoise)} sklearn {doc.RootElement.GetProperty("clusters").GetInt32()}");
    }

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
            }
        }
        throw new InvalidOperationException("FaceCluster.PowerShell.sln not found");
    }

    // Distance of a face from its person's centre, and the share beta^2 of a centre that is person-specific
    // (centres are beta^2 = 0.1..0.3 -> about 0.65..1.1 apart). Larger spread or smaller beta make the data harder.
    private static double SpreadLow = 0.25, SpreadHigh = 0.35, BetaLow = 0.1, BetaHigh = 0.3;

    private static (double, double) Pair(string text)
    {
        var parts = text.Split(',');
        return (double.Parse(parts[0], Inv), double.Parse(parts[1], Inv));
    }

    /// <summary>--dim (128) and --data: dlib (128-d dlib-like people), unit (people as unit vectors), one (a single person).</summary>
    private static int Dim = 128;
    private static string Data = "dlib";

    /// <summary>The model whose calibrated radii are the defaults (FaceRes at its length, else dlib).</summary>
    private static Models.DescriptorModelInfo Calibrated = Models.DescriptorModels.Dlib;

    /// <summary>
    /// cluster --data faceres --real-stats 1: measures the generator's statistics on the real FaceRes descriptors of the
    /// footage-eval cache and prints them (to be copied into FaceResData), then the real and synthetic distance quantiles.
    /// </summary>
    private static int RealStats(int seed)
    {
        BenchEnv.Header("cluster --real-stats");
        var real = FootageEvalBench.CachedFaces(Models.DescriptorModelKind.FaceRes).Where(f => !f.Person.StartsWith('?')).ToList();
        if (real.Count == 0) { Console.WriteLine("no cached FaceRes footage encodings (run footage-eval --model FaceRes first)"); return 1; }
        FaceResData.Measure(real.Select(f => (f.Face.Descriptor, f.Set + "/" + f.Person, $"{f.Set}/{f.Person}/{f.Face.Shot}")).ToList(), Console.Out);
        Console.WriteLine($"  constants: MeanNorm {FaceResData.MeanNorm:0.000}, Person {FaceResData.Person}, Appearance {FaceResData.Appearance}, Frame {FaceResData.Frame}");
        CompareDistances(seed);
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>Real (built-in, measured) against synthetic quantiles of the three kinds of distances, at 20,000 faces.</summary>
    private static void CompareDistances(int seed)
    {
        var (x, truth, track) = FaceResData.GenerateWithTracks(20_000, seed, Data == "faceres-one");
        var (st, sp, df) = FaceResData.DistanceQuantiles(x, truth, track);
        Console.WriteLine($"distance quantiles (p5 p25 p50 p75 p95), real FaceRes (footage-eval cache) against synthetic {Data} (20,000 faces):");
        Console.WriteLine($"  same track      real {FaceResData.Format(FaceResData.RealSameTrack)}  synthetic {FaceResData.Format(st)}");
        Console.WriteLine($"  same person     real {FaceResData.Format(FaceResData.RealSamePerson)}  synthetic {FaceResData.Format(sp)}");
        Console.WriteLine($"  other people    real {FaceResData.Format(FaceResData.RealDifferent)}  synthetic {FaceResData.Format(df)}");
    }

    /// <summary>The synthetic data set: faces (Ids shuffled so people are not contiguous) and the true person of each.</summary>
    public static (List<FaceEncoding> Faces, int[] Truth) Generate(int n, int seed)
    {
        if (Data.StartsWith("faceres", StringComparison.Ordinal))
        {
            var (x, who, _) = FaceResData.GenerateWithTracks(n, seed, Data == "faceres-one");
            return Shuffled(x, who, n, seed, 1024);
        }
        var rnd = new Random(seed);
        int dim = Dim;
        int oneOff = Data == "one" ? 0 : n * 5 / 100, clustered = n - oneOff;
        int people = Data == "one" ? 1 : Math.Max(1, clustered / 40);
        var w = Enumerable.Range(1, people).Select(k => 1.0 / (k + 10)).ToArray();
        double sum = w.Sum();
        var sizes = w.Select(x => Math.Max(1, (int)(clustered * x / sum))).ToArray();
        for (int k = 0, left = clustered - sizes.Sum(); left > 0; k = (k + 1) % people, left--) sizes[k]++;
        var common = Unit(rnd, dim);
        var descriptors = new List<float[]>(n);
        var truth = new List<int>(n);
        void Person(int id, int count)
        {
            if (Data == "dlib" || Data == "one" && dim == 128)
            {
                double beta2 = BetaLow + (BetaHigh - BetaLow) * rnd.NextDouble();
                var u = Unit(rnd, dim);
                var c = new double[dim];
                for (int i = 0; i < dim; i++) c[i] = Math.Sqrt(1 - beta2) * common[i] + Math.Sqrt(beta2) * u[i];
                double norm = Math.Sqrt(c.Sum(x => x * x));
                double sigma = (SpreadLow + (SpreadHigh - SpreadLow) * rnd.NextDouble()) / Math.Sqrt(dim);
                for (int k = 0; k < count && descriptors.Count < n; k++)
                {
                    var d = new float[dim];
                    for (int i = 0; i < dim; i++) d[i] = (float)(c[i] * 1.45 / norm + sigma * Gaussian(rnd));
                    descriptors.Add(d);
                    truth.Add(id);
                }
                return;
            }
            // L2-normalised model (e.g. 1024-d): centres share a common direction (weight 1 - beta^2, beta^2 = 0.55..1), so
            // different people are about 1.17-1.41 apart; faces are the centre plus isotropic noise of norm s = 0.45..0.75,
            // renormalised, so two faces of one person are sqrt(2 s^2 / (1 + s^2)) = 0.58-0.85 apart.
            double b2 = 0.55 + 0.45 * rnd.NextDouble();
            var v = Unit(rnd, dim);
            var centre = new double[dim];
            for (int i = 0; i < dim; i++) centre[i] = Math.Sqrt(1 - b2) * common[i] + Math.Sqrt(b2) * v[i];
            double s = Data == "one" ? 0.6 : 0.45 + 0.3 * rnd.NextDouble();
            for (int k = 0; k < count && descriptors.Count < n; k++)
            {
                var x = new double[dim];
                for (int i = 0; i < dim; i++) x[i] = centre[i] + s / Math.Sqrt(dim) * Gaussian(rnd);
                double norm = Math.Sqrt(x.Sum(t => t * t));
                descriptors.Add(x.Select(t => (float)(t / norm)).ToArray());
                truth.Add(id);
            }
        }
        for (int p = 0; p < people; p++) Person(p, sizes[p]);
        for (int k = 0; descriptors.Count < n; k++) Person(people + k, 1);
        return Shuffled(descriptors, truth, n, rnd, dim);
    }

    private static (List<FaceEncoding> Faces, int[] Truth) Shuffled(List<float[]> descriptors, List<int> truth, int n, int seed, int dim) =>
        Shuffled(descriptors, truth, n, new Random(seed ^ 0x5eed), dim);

    private static (List<FaceEncoding> Faces, int[] Truth) Shuffled(List<float[]> descriptors, List<int> truth, int n, Random rnd, int dim)
    {
        var perm = Enumerable.Range(0, n).ToArray();
        rnd.Shuffle(perm);
        var marks = FaceLandmarks.FromArray(Enumerable.Repeat(new FacePoint(0, 0), 6).ToArray());
        var faces = new List<FaceEncoding>(n);
        var t = new int[n];
        for (int i = 0; i < n; i++)
        {
            int src = perm[i];
            faces.Add(new FaceEncoding
            {
                Id = $"f{i:D7}", Path = $"/frames/{i:D7}.jpg", Box = new FaceBox(0, 0, 100, 100), Landmarks = marks,
                Descriptor = descriptors[src], Model = dim == 128 ? "dlib_face_recognition_resnet_model_v1" : $"synthetic-{dim}",
            });
            t[i] = truth[src];
        }
        return (faces, t);
    }

    private static double[] Unit(Random rnd, int dim)
    {
        var v = new double[dim];
        for (int i = 0; i < dim; i++) v[i] = Gaussian(rnd);
        double n = Math.Sqrt(v.Sum(x => x * x));
        for (int i = 0; i < dim; i++) v[i] /= n;
        return v;
    }

    private static double Gaussian(Random rnd)
    {
        double u1 = 1.0 - rnd.NextDouble(), u2 = rnd.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
