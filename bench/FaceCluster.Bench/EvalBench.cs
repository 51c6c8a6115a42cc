using System.Diagnostics;
using System.Globalization;
using FaceCluster.Clustering;
using FaceCluster.Models;
using FaceCluster.Recognition;

namespace FaceCluster.Bench;

/// <summary>
/// Clustering accuracy on a labelled photo set (figures to read, not a test).
///   eval [--photos ../shared/eval/labelled-photos] [--model-dir artifacts/FaceCluster/models] [--dop 2] [--model Dlib|FaceRes]
/// The photo folder holds the photos, labels.csv (file,person) and master.csv (file_x,file_y,Decision: pairs marked
/// Yes/No for same person). Every photo is encoded with the real models and its largest face kept; the faces are
/// clustered with each algorithm at a few settings and scored against the labels (pairwise and BCubed), and the
/// master.csv pairs are verified by descriptor distance (accuracy at 0.6 and at the best threshold). The settings tried
/// are around the model's calibrated thresholds (<see cref="DescriptorModels"/>), whose distance scales differ; the
/// same-person and different-person distance distributions over all labelled pairs are printed to calibrate them.
/// The photos are never copied anywhere; the default folder is ../shared/eval/labelled-photos from the repository root.
/// </summary>
public static class EvalBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "eval") args = args[1..];
        var o = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2) o[args[i].TrimStart('-')] = args[i + 1];
        var root = FindRoot();
        var photoDir = Path.GetFullPath(o.GetValueOrDefault("photos") ?? Path.Combine(root, "..", "shared", "eval", "labelled-photos"));
        var modelDir = o.GetValueOrDefault("model-dir") ?? Path.Combine(root, "artifacts", "FaceCluster", "models");
        int dop = int.Parse(o.GetValueOrDefault("dop") ?? Math.Min(2, Environment.ProcessorCount).ToString(Inv), Inv);
        var model = DescriptorModels.Get(Enum.Parse<DescriptorModelKind>(o.GetValueOrDefault("model") ?? DescriptorModels.DefaultKind.ToString(), ignoreCase: true));
        var grid = Grid.For(model);
        var labelsPath = Path.Combine(photoDir, "labels.csv");
        if (!File.Exists(labelsPath))
        {
            Console.Error.WriteLine($"eval: {labelsPath} not found (pass --photos <dir> with labels.csv and master.csv).");
            return 2;
        }

        var labels = ReadCsv(labelsPath).ToDictionary(r => r["file"], r => r["person"], StringComparer.Ordinal);
        int people = labels.Values.Distinct().Count();
        Console.WriteLine($"photos: {photoDir}: {labels.Count} labelled photos of {people} people; model {model}");

        // Encode: the largest face of every photo.
        var clock = Stopwatch.StartNew();
        var encoder = new FaceEncoder(new FaceEncoderOptions { ModelDirectory = modelDir, DegreeOfParallelism = dop, Model = model.Kind });
        var files = labels.Keys.Order(StringComparer.Ordinal).ToArray();
        var largest = new FaceEncoding?[files.Length];
        var counts = new int[files.Length];
        Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = dop }, i =>
        {
            var result = encoder.Encode(Path.Combine(photoDir, files[i]));
            counts[i] = result.Faces.Count;
            largest[i] = result.Faces.OrderByDescending(f => f.Box.Width * f.Box.Height).ThenBy(f => f.Id, StringComparer.Ordinal).FirstOrDefault();
        });
        var faceOf = new Dictionary<string, FaceEncoding>(StringComparer.Ordinal);
        for (int i = 0; i < files.Length; i++) if (largest[i] is { } f) faceOf[files[i]] = f;
        var personOf = faceOf.ToDictionary(kv => kv.Value.Id, kv => labels[kv.Key], StringComparer.Ordinal);
        var noFace = files.Where((_, i) => largest[i] is null).ToArray();
        Console.WriteLine($"encoded in {clock.Elapsed.TotalSeconds:0.0} s: {faceOf.Count} photos with a face " +
                          $"({counts.Count(c => c > 1)} with more than one face, largest kept); no face in {noFace.Length}" +
                          (noFace.Length > 0 ? ": " + string.Join(", ", noFace) : ""));
        var faces = faceOf.Values.ToArray();
        int peopleWithFaces = personOf.Values.Distinct().Count();
        Console.WriteLine($"{faces.Count()} faces of {peopleWithFaces} people are clustered");
        Console.WriteLine();
        Distributions(faces, personOf);

        // Clustering.
        Console.WriteLine($"{"setting",-50} {"clusters",8} {"noise",6} {"pair P",7} {"pair R",7} {"pair F1",7} {"BCub F1",7}");
        void Row(string name, ClusteringScores s, int clusters, int noise) => Console.WriteLine(
            $"{name,-50} {clusters,4} /{people,2} {noise,6} {s.PairwisePrecision,7:0.000} {s.PairwiseRecall,7:0.000} {s.PairwiseF1,7:0.000} {s.BCubedF1,7:0.000}");
        var settings = new List<ClusteringOptions>();
        foreach (double t in grid.AverageLinkage) settings.Add(new() { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = t });
        foreach (double t in grid.ChineseWhispers) settings.Add(new() { Algorithm = ClusteringAlgorithm.ChineseWhispers, Threshold = t });
        foreach (double e in grid.Epsilon)
        foreach (int m in new[] { 1, 2, 5 }) settings.Add(new() { Algorithm = ClusteringAlgorithm.DBSCAN, Epsilon = e, MinSamples = m });
        foreach (var options in settings)
        {
            options.DegreeOfParallelism = dop;
            var clusters = FaceClusterer.Cluster(faces, options);
            var s = ClusteringMetrics.Evaluate(clusters, f => personOf[f.Id]);
            int real = clusters.Count(c => !c.IsNoise);
            int noise = faces.Length - clusters.Where(c => !c.IsNoise).Sum(c => c.Count);
            string name = options.Algorithm == ClusteringAlgorithm.DBSCAN
                ? $"DBSCAN eps {options.Epsilon:0.00} min_samples {options.MinSamples}"
                : $"{options.Algorithm} {options.EffectiveThreshold:0.00}" +
                  (options.Algorithm == ClusteringAlgorithm.ChineseWhispers ? " (our order)" : "") +
                  (options.EffectiveThreshold == model.ThresholdFor(options.Algorithm) ? " (model default)" : "");
            Row(name, s, real, noise);
        }

        // Chinese whispers with dlib's random visiting order (no cannot-link; one face per photo makes it moot).
        var sorted = FaceClusterer.Canonical(faces);
        var sortedTruth = sorted.Select(f => personOf[f.Id]).ToArray();
        var truthIds = sortedTruth.Distinct().Select((p, i) => (p, i)).ToDictionary(x => x.p, x => x.i);
        var truth = sortedTruth.Select(p => truthIds[p]).ToArray();
        var matrix = new DescriptorMatrix(sorted);
        foreach (double t in grid.ChineseWhispers.Where((_, i) => i % 2 == 0))
        {
            var graph = RadiusIndex.BuildGraph(matrix, (float)t, false, dop, null, default);
            for (int seed = 1; seed <= 3; seed++)
            {
                var labelsCw = ChineseWhispers.RunRandomOrder(graph, ClusteringOptions.DefaultIterations, seed);
                var s = ClusteringMetrics.Evaluate(labelsCw, truth);
                Row($"ChineseWhispers {t:0.00} (dlib random order, seed {seed})", s, s.PredictedClusters, 0);
            }
        }
        Console.WriteLine();

        OpenSet(faces, personOf, dop, grid.Match);

        // Pair verification on master.csv.
        var masterPath = Path.Combine(photoDir, "master.csv");
        if (File.Exists(masterPath))
        {
            var pairs = new List<(double Distance, bool Same)>();
            int skipped = 0, disagree = 0, total = 0;
            foreach (var r in ReadCsv(masterPath))
            {
                total++;
                string x = r["file_x"], y = r["file_y"];
                bool isSame = r["Decision"].Trim().Equals("Yes", StringComparison.OrdinalIgnoreCase);
                if (labels.TryGetValue(x, out var px) && labels.TryGetValue(y, out var py) && (px == py) != isSame) disagree++;
                if (!faceOf.TryGetValue(x, out var fx) || !faceOf.TryGetValue(y, out var fy)) { skipped++; continue; }
                pairs.Add((FaceDistance(fx.Descriptor, fy.Descriptor), isSame));
            }
            int yes = pairs.Count(p => p.Same);
            Console.WriteLine($"master.csv: {total} pairs ({yes} same, {pairs.Count - yes} different scored; {skipped} skipped for a photo without a face; " +
                              $"{disagree} disagree with labels.csv)");
            (double Accuracy, int Tp, int Tn, int Fp, int Fn) At(double threshold)
            {
                int tp = 0, tn = 0, fp = 0, fn = 0;
                foreach (var (d, s) in pairs)
                {
                    bool match = d <= threshold;
                    if (match && s) tp++; else if (match) fp++; else if (s) fn++; else tn++;
                }
                return ((double)(tp + tn) / Math.Max(1, pairs.Count), tp, tn, fp, fn);
            }
            var at06 = At(model.MatchThreshold);
            Console.WriteLine($"verification at distance <= {model.MatchThreshold:0.00} (the model's match threshold): accuracy {at06.Accuracy:0.000} (TP {at06.Tp}, TN {at06.Tn}, FP {at06.Fp}, FN {at06.Fn})");
            // Best threshold: the middle of the widest run of thresholds with the best accuracy, over the model's range.
            var sweep = Enumerable.Range(grid.VerificationFrom, grid.VerificationTo - grid.VerificationFrom + 1).Select(k => k / 100.0).Select(t => (T: t, A: At(t).Accuracy)).ToArray();
            double bestA = sweep.Max(g => g.A);
            var bestTs = sweep.Where(g => g.A == bestA).Select(g => g.T).ToArray();
            var best = At(bestTs[bestTs.Length / 2]);
            Console.WriteLine($"best accuracy {bestA:0.000} at thresholds {bestTs.Min():0.00}..{bestTs.Max():0.00} " +
                              $"(at {bestTs[bestTs.Length / 2]:0.00}: TP {best.Tp}, TN {best.Tn}, FP {best.Fp}, FN {best.Fn})");
            foreach (double t in grid.Match) Console.WriteLine($"  accuracy at {t:0.00}: {At(t).Accuracy:0.000}");
            var same = pairs.Where(p => p.Same).Select(p => p.Distance).Order().ToArray();
            var diff = pairs.Where(p => !p.Same).Select(p => p.Distance).Order().ToArray();
            if (same.Length > 0 && diff.Length > 0)
            {
                Console.WriteLine($"same-person distance: median {same[same.Length / 2]:0.000}, max {same[^1]:0.0000}; " +
                                  $"different-person: min {diff[0]:0.0000}, median {diff[diff.Length / 2]:0.000}");
            }
        }
        return 0;
    }

    /// <summary>
    /// Find-FaceCluster's two outcomes, on labelled faces: a known person's face must be filed under that person
    /// (leave one photo out: every other face is known, grouped by label; only people with 2+ photos are asked), and a
    /// stranger's face must come out Unknown (leave one person out: everybody else is known).
    /// </summary>
    private static void OpenSet(FaceEncoding[] faces, IReadOnlyDictionary<string, string> personOf, int dop, double[] thresholds)
    {
        Console.WriteLine("Find-FaceCluster on the labelled faces (known people = the labels):");
        Console.WriteLine($"{"mode",-16} {"threshold",9} {"known: right",13} {"wrong",6} {"unknown",8} {"strangers: unknown",19}");
        var byPerson = faces.GroupBy(f => personOf[f.Id]).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        foreach (var mode in new[] { MatchMode.NearestNeighbor, MatchMode.Medoid })
        {
            foreach (double threshold in thresholds)
            {
                var options = new MatchOptions { Mode = mode, Threshold = threshold, DegreeOfParallelism = dop };
                int asked = 0, right = 0, wrong = 0, unknown = 0;
                foreach (var face in faces.Where(f => byPerson.First(g => g.Key == personOf[f.Id]).Count() > 1))
                {
                    var known = byPerson.Select(g => new KnownPerson(g.Key, g.Where(f => f.Id != face.Id).ToList()))
                        .Where(k => k.Faces.Count > 0);
                    var m = new FaceMatcher(known, options).Match(face);
                    asked++;
                    if (m.IsUnknown) unknown++;
                    else if (m.Label == personOf[face.Id]) right++;
                    else wrong++;
                }
                int strangers = 0, strangersUnknown = 0;
                foreach (var person in byPerson)
                {
                    var matcher = new FaceMatcher(byPerson.Where(g => g.Key != person.Key).Select(g => new KnownPerson(g.Key, g.ToList())), options);
                    strangers += person.Count();
                    strangersUnknown += matcher.Match(person.ToList()).Count(m => m.IsUnknown);
                }
                Console.WriteLine($"{mode,-16} {threshold,9:0.00} {right,7}/{asked,-5} {wrong,6} {unknown,8} {strangersUnknown,12}/{strangers,-6}");
            }
        }
        Console.WriteLine();
    }

    /// <summary>The settings tried per model: around its calibrated thresholds, on its distance scale.</summary>
    private sealed record Grid(double[] AverageLinkage, double[] ChineseWhispers, double[] Epsilon, double[] Match, int VerificationFrom, int VerificationTo)
    {
        public static Grid For(DescriptorModelInfo model) => model.Kind switch
        {
            DescriptorModelKind.FaceRes => new([0.8, 0.85, 0.9, 1.0, 1.1], [0.8, 0.84, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1], [0.8, 0.84, 0.9, 1.0],
                [0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1], 50, 140),
            _ => new([0.5, 0.55, 0.6, 0.65], [0.5, 0.55, 0.6], [0.5], [0.4, 0.45, 0.5, 0.55, 0.6], 30, 90),
        };
    }

    /// <summary>Distances over every pair of labelled faces: same person against different people, as percentiles.</summary>
    private static void Distributions(FaceEncoding[] faces, IReadOnlyDictionary<string, string> personOf)
    {
        var same = new List<double>();
        var different = new List<double>();
        for (int i = 0; i < faces.Length; i++)
        for (int j = i + 1; j < faces.Length; j++)
            (personOf[faces[i].Id] == personOf[faces[j].Id] ? same : different).Add(FaceDistance(faces[i].Descriptor, faces[j].Descriptor));
        same.Sort();
        different.Sort();
        double P(List<double> v, double p) => v.Count == 0 ? double.NaN : v[(int)Math.Clamp(Math.Round(p / 100 * (v.Count - 1)), 0, v.Count - 1)];
        Console.WriteLine($"all pairs: same person {same.Count}: p50 {P(same, 50):0.000} p90 {P(same, 90):0.000} p95 {P(same, 95):0.000} p99 {P(same, 99):0.000} max {P(same, 100):0.000}");
        Console.WriteLine($"           different people {different.Count}: min {P(different, 0):0.000} p1 {P(different, 1):0.000} p5 {P(different, 5):0.000} p10 {P(different, 10):0.000} p50 {P(different, 50):0.000}");
        Console.WriteLine($"           different people closer than the same-person max: {different.Count(d => d < P(same, 100))}; same person further than the different-people min: {same.Count(d => d > P(different, 0))}");
        Console.WriteLine();
    }

    private static double FaceDistance(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) { double d = a[i] - b[i]; s += d * d; }
        return Math.Sqrt(s);
    }

    internal static IEnumerable<Dictionary<string, string>> ReadCsv(string path)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine()?.Split(',').Select(h => h.Trim().Trim('"').TrimStart('\uFEFF')).ToArray() ?? [];
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim().Length == 0) continue;
            var cells = line.Split(',');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < header.Length && i < cells.Length; i++) row[header[i]] = cells[i].Trim().Trim('"');
            yield return row;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceCluster.PowerShell.sln"))) return dir.FullName;
        }
        return Directory.GetCurrentDirectory();
    }
}
