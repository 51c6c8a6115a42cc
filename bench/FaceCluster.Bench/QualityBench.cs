using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceCluster.Clustering;
using FaceCluster.Recognition;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// What full-resolution crops buy, and where the quality gate fires (figures to read, not a test).
///   quality [--width 1280 --height 720] [--photos ../shared/eval/labelled-photos] [--dop 2]
/// 1. Renders the demo-photo sample footage at width x height, extracts 1-fps frames capped at 700x500 with their
///    full-resolution copies (disk cost per minute), encodes every frame twice (chips from the capped frame, and from the
///    full-resolution frame), scores both against the footage truth: same/different-person distance margins,
///    Chinese whispers at the default threshold (gate off, and on), BCubed F1 and pairwise P/R.
/// 2. Per set (demo photos, footage, labelled photos when present): the quality measures' spread and how many faces each
///    default gate drops.
/// 3. Planted low-quality faces (blurred, darkened, downscaled copies of the demo photos): which gates fire, and at which
///    attach margin they are filed under the right person, the wrong one, or left unsure.
/// </summary>
public static class QualityBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static int Run(string[] args)
    {
        var (o, _) = BenchEnv.Parse(args);
        int width = int.Parse(o.GetValueOrDefault("width") ?? "1280", Inv), height = int.Parse(o.GetValueOrDefault("height") ?? "720", Inv);
        int dop = int.Parse(o.GetValueOrDefault("dop") ?? "2", Inv);
        var modelDir = BenchEnv.ModelDirectory(o);
        BenchEnv.Header($"quality: full-resolution crops on {width}x{height} footage, quality gates");
        var photos = BenchEnv.DemoPhotos();
        var annotated = ReadAnnotations();
        var samePerson = new Dictionary<string, string>(StringComparer.Ordinal) { ["3/1"] = "1/2" }; // tests/data/detection/demo-people.json

        var dir = Path.Combine(BenchEnv.WorkDirectory, $"quality-{width}x{height}");
        Directory.CreateDirectory(dir);
        var video = Path.Combine(dir, "demo.mp4");
        var truth = SampleFootage.Create(photos, video, new SampleFootageOptions { Width = width, Height = height, SecondsPerPhoto = 4, Force = true });
        var framesDir = Path.Combine(dir, "frames");
        if (Directory.Exists(framesDir)) Directory.Delete(framesDir, recursive: true);
        var frames = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = framesDir })
            .Extract(video).Select(f => f.Frame).ToList();
        long capped = frames.Sum(f => new FileInfo(f.Path).Length);
        long full = frames.Where(f => f.FullResolutionPath is not null).Sum(f => new FileInfo(f.FullResolutionPath!).Length);
        double minutes = frames.Count / 60.0; // 1 frame per second
        Console.WriteLine($"frames: {frames.Count} at {frames[0].Width}x{frames[0].Height}, {frames.Count(f => f.FullResolutionPath is not null)} full-resolution copies at {width}x{height}");
        Console.WriteLine($"disk per minute of footage at 1 fps: capped {capped / minutes / 1e6:0.0} MB, full-resolution copies {full / minutes / 1e6:0.0} MB (JPEG 95)");

        var photoNumber = photos.Select((p, i) => (Path.GetFullPath(p), i + 1)).ToDictionary(x => x.Item1, x => x.Item2);
        var sets = new List<(string Name, List<FaceEncoding> Faces)>();
        foreach (bool useFull in new[] { false, true })
        {
            var encoder = new FaceEncoder(new FaceEncoderOptions { ModelDirectory = modelDir, DegreeOfParallelism = dop, UseFullResolution = useFull });
            var clock = Stopwatch.StartNew();
            var faces = frames.AsParallel().AsOrdered().WithDegreeOfParallelism(dop)
                .SelectMany(f => encoder.Encode(f.Path, new global::FaceCluster.Recognition.FrameSource(video, f.Index, f.Timestamp, f.FullResolutionPath)).Faces).ToList();
            var personOf = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var face in faces)
            {
                var mapped = truth.MapToPhoto(face.Timestamp!.Value, face.Box, face.ImageWidth, face.ImageHeight);
                if (mapped is null) continue;
                int photo = photoNumber[Path.GetFullPath(mapped.Value.Photo.Path)];
                var boxes = annotated[$"sample{photo}.jpg"];
                int best = -1;
                float bestIoU = 0.3f;
                for (int k = 0; k < boxes.Length; k++)
                {
                    float iou = mapped.Value.Box.IntersectionOverUnion(boxes[k]);
                    if (iou >= bestIoU) (bestIoU, best) = (iou, k);
                }
                if (best < 0) continue;
                string name = $"{photo}/{best}";
                personOf[face.Id] = samePerson.GetValueOrDefault(name, name);
            }
            var scored = faces.Where(f => personOf.ContainsKey(f.Id)).ToList();
            string mode = useFull ? "full-resolution crops" : "capped-frame crops";
            Console.WriteLine();
            Console.WriteLine($"{mode}: {faces.Count} faces, {scored.Count} scored, encoded in {clock.Elapsed.TotalSeconds:0.0} s; " +
                              $"face width in the described image: median {Median(faces.Select(f => (double)f.PixelBox.Width)):0} px");
            Margins(scored, personOf);
            foreach (var gate in new[] { null, FaceQualityThresholds.Default })
            {
                foreach (var (algorithm, threshold) in new (ClusteringAlgorithm, double?)[] { (ClusteringAlgorithm.ChineseWhispers, null), (ClusteringAlgorithm.Agglomerative, null) })
                {
                    var options = new ClusteringOptions { Algorithm = algorithm, Threshold = threshold, DegreeOfParallelism = dop, QualityGate = gate, IncludeNoise = true };
                    var clusters = FaceClusterer.Cluster(scored, options);
                    var s = ClusteringMetrics.Evaluate(clusters, f => personOf[f.Id]);
                    int mixed = clusters.Count(c => !c.IsNoise && c.Faces.Select(f => personOf[f.Id]).Distinct().Count() > 1);
                    int unsure = clusters.Where(c => c.IsUnsure).Sum(c => c.Count);
                    Console.WriteLine($"  {algorithm} {options.EffectiveThreshold} gate {(gate is null ? "off" : "on ")}: {clusters.Count(c => !c.IsNoise)} clusters / {personOf.Values.Distinct().Count()} people, " +
                                      $"{mixed} mixed, {unsure} unsure; pairwise P {s.PairwisePrecision:0.000} R {s.PairwiseRecall:0.000}, BCubed F1 {s.BCubedF1:0.000}");
                }
            }
            sets.Add(($"footage {width}x{height} ({(useFull ? "full" : "capped")})", faces));
        }

        // The demo photos themselves, and the labelled photos when present.
        var stillEncoder = new FaceEncoder(new FaceEncoderOptions { ModelDirectory = modelDir, DegreeOfParallelism = dop });
        List<FaceEncoding> demo = photos.SelectMany(p => stillEncoder.Encode(p).Faces).ToList();
        sets.Insert(0, ("demo photos", demo.ToList()));
        var labelled = Path.GetFullPath(o.GetValueOrDefault("photos") ?? Path.Combine(BenchEnv.Root, "..", "shared", "eval", "labelled-photos"));
        if (Directory.Exists(labelled))
        {
            var files = Directory.EnumerateFiles(labelled).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal).ToList();
            var faces = files.AsParallel().AsOrdered().WithDegreeOfParallelism(dop).SelectMany(f => stillEncoder.Encode(f).Faces).ToList();
            sets.Add(("labelled photos (all faces)", faces));
        }

        Console.WriteLine();
        Console.WriteLine("quality measures per set (min / 5th percentile / median) and faces each default gate drops:");
        foreach (var (name, faces) in sets)
        {
            var q = faces.Select(f => f.Quality!).ToList();
            string Spread(Func<FaceQuality, double> pick) { var v = q.Select(pick).Order().ToArray(); return $"{v[0]:0.#}/{v[(int)(0.05 * (v.Length - 1))]:0.#}/{v[v.Length / 2]:0.#}"; }
            Console.WriteLine($"  {name}: {faces.Count} faces; sharpness {Spread(x => x.Sharpness)}, size {Spread(x => x.FaceSize)} px, brightness {Spread(x => x.Brightness)}, " +
                              $"contrast {Spread(x => x.Contrast)}, |yaw| max {q.Max(x => Math.Abs(x.Yaw)):0}° median {Median(q.Select(x => Math.Abs(x.Yaw))):0}°, " +
                              $"|pitch| max {q.Max(x => Math.Abs(x.Pitch)):0}° median {Median(q.Select(x => Math.Abs(x.Pitch))):0}°");
            var counts = Enum.GetValues<FaceQualityIssue>().Where(i => i != FaceQualityIssue.None)
                .Select(i => $"{i} {q.Count(x => x.Issues().HasFlag(i))}");
            Console.WriteLine($"    dropped by gate: {string.Join(", ", counts)}; any {q.Count(x => x.IsLowQuality)}");
            foreach (var f in faces.Where(f => f.Quality!.IsLowQuality).Take(8))
                Console.WriteLine($"    low: {Path.GetFileName(f.Path)} {f.Box} {f.Quality!.Issues()} (sharp {f.Quality.Sharpness:0}, size {f.Quality.FaceSize:0}, bright {f.Quality.Brightness:0}, yaw {f.Quality.Yaw:0}, pitch {f.Quality.Pitch:0})");
        }

        Planted(photos, annotated, samePerson, demo, stillEncoder, dir);
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>Same-person and different-person distances among the scored faces: max same, min different, the margin, and medians.</summary>
    private static void Margins(List<FaceEncoding> faces, Dictionary<string, string> personOf)
    {
        var same = new List<double>();
        var different = new List<double>();
        for (int i = 0; i < faces.Count; i++)
        for (int j = i + 1; j < faces.Count; j++)
        {
            double d = FaceDistance.Euclidean(faces[i].Descriptor, faces[j].Descriptor);
            (personOf[faces[i].Id] == personOf[faces[j].Id] ? same : different).Add(d);
        }
        same.Sort();
        different.Sort();
        Console.WriteLine($"  same person: median {same[same.Count / 2]:0.000}, 99th pct {same[(int)(0.99 * (same.Count - 1))]:0.000}, max {same[^1]:0.000}; " +
                          $"different: min {different[0]:0.000}, 1st pct {different[(int)(0.01 * (different.Count - 1))]:0.000}, median {different[different.Count / 2]:0.000}; " +
                          $"margin min(different) - max(same) {different[0] - same[^1]:+0.000;-0.000}");
    }

    /// <summary>Blurred, darkened and downscaled copies of the demo photos: gates fired, and attach outcomes by margin.</summary>
    private static void Planted(IReadOnlyList<string> photos, Dictionary<string, FaceBox[]> annotated, Dictionary<string, string> samePerson,
        List<FaceEncoding> demo, FaceEncoder encoder, string dir)
    {
        string? NameOf(int photo, FaceBox box)
        {
            var boxes = annotated[$"sample{photo}.jpg"];
            for (int k = 0; k < boxes.Length; k++) if (box.IntersectionOverUnion(boxes[k]) >= 0.3f) return samePerson.GetValueOrDefault($"{photo}/{k}", $"{photo}/{k}");
            return null;
        }
        var personOf = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int p = 0; p < photos.Count; p++)
            foreach (var f in demo.Where(f => Path.GetFullPath(f.Path) == Path.GetFullPath(photos[p])))
                if (NameOf(p + 1, f.Box) is { } n) personOf[f.Id] = n;
        var planted = new List<(FaceEncoding Face, string Person, string Kind)>();
        var kinds = new (string Name, Func<Mat, Mat> Make, double Scale)[]
        {
            ("blur sigma 4", m => m.GaussianBlur(new Size(0, 0), 4), 1),
            ("dark x0.12", m => { var r = new Mat(); m.ConvertTo(r, -1, 0.12, 0); return r; }, 1),
            ("downscaled to 1/9", m => m.Resize(new Size(m.Width / 9, m.Height / 9), 0, 0, InterpolationFlags.Area), 1.0 / 9),
        };
        for (int p = 0; p < photos.Count; p++)
        {
            using var photo = Cv2.ImRead(photos[p]);
            foreach (var (kind, make, scale) in kinds)
            {
                using var degraded = make(photo);
                var path = Path.Combine(dir, $"planted-{p + 1}-{kind.Split(' ')[0]}.png");
                Cv2.ImWrite(path, degraded);
                foreach (var f in encoder.Encode(path).Faces)
                    if (NameOf(p + 1, f.Box.Scale(1 / scale, 1 / scale)) is { } n) planted.Add((f, n, kind));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"planted low-quality copies of the demo faces: {planted.Count} found");
        foreach (var g in planted.GroupBy(x => x.Kind))
            Console.WriteLine($"  {g.Key}: {g.Count()} faces, flagged {g.Count(x => x.Face.Quality!.IsLowQuality)}: " +
                              string.Join(", ", g.GroupBy(x => x.Face.Quality!.Issues()).Select(h => $"{h.Key} x{h.Count()}")) +
                              $"; sharpness max {g.Max(x => x.Face.Quality!.Sharpness):0.0} median {Median(g.Select(x => x.Face.Quality!.Sharpness)):0.0}, " +
                              $"brightness max {g.Max(x => x.Face.Quality!.Brightness):0}, contrast max {g.Max(x => x.Face.Quality!.Contrast):0}, size max {g.Max(x => x.Face.Quality!.FaceSize):0} px");
        // Clusters of the clean demo faces (each person once), then attach outcomes for the planted faces by margin.
        var clean = demo.Where(f => personOf.ContainsKey(f.Id)).ToList();
        foreach (double margin in new[] { 0.0, 0.1, 0.2, 0.3, 0.4 }) // shares of the clustering distance (0.5)
        {
            int right = 0, wrong = 0, unsure = 0;
            foreach (var (face, person, _) in planted.Where(x => x.Face.Quality!.IsLowQuality))
            {
                var clusters = FaceClusterer.Cluster([.. clean, face], new ClusteringOptions { QualityAttachMargin = margin, IncludeNoise = true, DegreeOfParallelism = 1 });
                var home = clusters.First(c => c.Faces.Any(f => f.Id == face.Id));
                if (home.IsNoise) unsure++;
                else if (home.Faces.Where(f => f.Id != face.Id).All(f => personOf[f.Id] == person)) right++;
                else wrong++;
            }
            Console.WriteLine($"  attach margin {margin:0.00}: right person {right}, wrong person {wrong}, unsure {unsure}");
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v[v.Length / 2];
    }

    private sealed record Entry(string File, int[][] Faces);

    private static Dictionary<string, FaceBox[]> ReadAnnotations()
    {
        var json = File.ReadAllText(Path.Combine(BenchEnv.Root, "tests", "data", "detection", "demo-faces.json"));
        return JsonSerializer.Deserialize<Entry[]>(json, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!
            .ToDictionary(e => e.File, e => e.Faces.Select(f => new FaceBox(f[0], f[1], f[2], f[3])).ToArray());
    }
}
