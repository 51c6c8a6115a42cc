using FaceCluster.Models;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FaceCluster.Clustering;
using FaceCluster.Recognition;
using FaceCluster.Store;
using FaceCluster.Video;
using OpenCvSharp;

namespace FaceCluster.Bench;

/// <summary>
/// Clustering accuracy on generated footage whose truth is known by construction (figures to read, not a test).
///   footage-eval [--set both|labelled|demo] [--photos ../shared/eval/labelled-photos] [--model Dlib|FaceRes] [--model-dir dir] [--cw t1,t2,...]
///                [--seconds-per-photo 3] [--dop 2] [--force]
/// Each set of photos becomes a Ken Burns video (SampleFootage, 960x540, 25 fps, one shot per photo); frames are
/// extracted at 1 fps with shot numbers, encoded with the real models, and clustered over a grid of settings, with and
/// without tracks. Every frame face is mapped back through the footage truth to its photo and to the annotated face it
/// overlaps best (IoU >= 0.3): for the labelled photos the photo's largest face, whose person labels.csv gives; for the
/// demo photos tests/data/detection/demo-faces.json and demo-people.json. Faces that map to no annotated face
/// (background faces) are scored as singletons of their own and counted.
/// Videos, frames and the encodings of a run are kept in obj/bench/footage-eval/ (encodings as a store per set and
/// model), so reruns go straight to the grid; --force rebuilds them.
/// </summary>
public static class FootageEvalBench
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const float MinIoU = 0.3f;

    /// <summary>One set: the photos in shot order, and who the annotated faces of each photo are.</summary>
    private sealed record FootageSet(string Name, IReadOnlyList<string> Photos, Func<string, IReadOnlyList<(FaceBox Box, string Person)>> Annotated, double SecondsPerPhoto);

    public static int Run(string[] args)
    {
        var (o, flags) = BenchEnv.Parse(args, "force", "detail", "time-shots");
        string which = o.GetValueOrDefault("set") ?? "both";
        int dop = BenchEnv.Int(o, "dop", Math.Min(2, Environment.ProcessorCount));
        if (!Enum.TryParse<DescriptorModelKind>(o.GetValueOrDefault("model") ?? DescriptorModels.DefaultKind.ToString(), ignoreCase: true, out var kind))
        {
            Console.Error.WriteLine($"footage-eval: unknown --model '{o["model"]}' (Dlib or FaceRes).");
            return 2;
        }
        string model = kind.ToString();
        var encoderOptions = new FaceEncoderOptions { ModelDirectory = BenchEnv.ModelDirectory(o), DegreeOfParallelism = dop, Model = kind };
        var workDir = Path.Combine(BenchEnv.WorkDirectory, "footage-eval");
        Directory.CreateDirectory(workDir);
        BenchEnv.Header($"footage-eval ({model})");

        var sets = new List<FootageSet>();
        if (which is "both" or "labelled")
        {
            var photoDir = Path.GetFullPath(o.GetValueOrDefault("photos") ?? Path.Combine(BenchEnv.Root, "..", "shared", "eval", "labelled-photos"));
            if (!File.Exists(Path.Combine(photoDir, "labels.csv")))
            {
                Console.Error.WriteLine($"footage-eval: {photoDir}/labels.csv not found (pass --photos <dir>).");
                return 2;
            }
            sets.Add(LabelledSet(photoDir, encoderOptions, workDir, model, BenchEnv.Double(o, "seconds-per-photo", 3)));
        }
        if (which is "both" or "demo") sets.Add(DemoSet(BenchEnv.Double(o, "seconds-per-photo", 4)));

        foreach (var set in sets)
        {
            Console.WriteLine();
            Console.WriteLine($"=== {set.Name}: {set.Photos.Count} shots, {set.SecondsPerPhoto} s each ===");
            var video = Path.Combine(workDir, $"{set.Name}.mp4");
            var truth = File.Exists(video) && File.Exists(SampleFootage.TruthPath(video)) && !flags.Contains("force")
                ? SampleFootageTruth.Load(SampleFootage.TruthPath(video))
                : SampleFootage.Create(set.Photos, video, new SampleFootageOptions { SecondsPerPhoto = set.SecondsPerPhoto, Force = true });
            var clock = Stopwatch.StartNew();
            var frames = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(workDir, set.Name + "-frames") })
                .Extract(video).Select(f => f.Frame).ToList();
            Console.WriteLine($"frames: {frames.Count} at 1 fps in {clock.Elapsed.TotalSeconds:0.0} s (shot detection on)");
            ReportCuts(video, truth, frames);
            if (flags.Contains("time-shots")) TimeShots(video, workDir);

            var store = Path.Combine(workDir, $"{set.Name}-{model.ToLowerInvariant()}.jsonl");
            var faces = Encodings(store, frames, video, encoderOptions, flags.Contains("force"));
            var personOf = Truth(faces, truth, set);
            int unannotated = faces.Count(f => personOf[f.Id].StartsWith('?'));
            int people = personOf.Values.Where(p => !p.StartsWith('?')).Distinct().Count();
            Console.WriteLine($"faces: {faces.Count} in {faces.Select(f => f.FrameIndex).Distinct().Count()} frames; {people} people; " +
                              $"{unannotated} faces map to no annotated face (scored as singletons)");
            ReportLinks(faces, personOf);
            ReportTracks(faces, personOf);
            Grid(faces, personOf, people, dop, flags.Contains("detail"), o.GetValueOrDefault("cw"));
        }
        BenchEnv.Footer();
        return 0;
    }

    /// <summary>
    /// The cached encodings of both footage sets with their true person ("?id" when a face maps to no annotated face), or
    /// an empty list when a set has not been encoded yet (run footage-eval first). For summary statistics only.
    /// </summary>
    internal static List<(FaceEncoding Face, string Person, string Set)> CachedFaces(DescriptorModelKind kind, string? photos = null)
    {
        var result = new List<(FaceEncoding, string, string)>();
        var workDir = Path.Combine(BenchEnv.WorkDirectory, "footage-eval");
        var photoDir = Path.GetFullPath(photos ?? Path.Combine(BenchEnv.Root, "..", "shared", "eval", "labelled-photos"));
        string model = kind.ToString();
        var sets = new List<FootageSet>();
        if (File.Exists(Path.Combine(photoDir, "labels.csv")) && File.Exists(Path.Combine(workDir, $"labelled-photos-{model.ToLowerInvariant()}.jsonl")))
            sets.Add(LabelledSet(photoDir, new FaceEncoderOptions { Model = kind }, workDir, model, 3));
        sets.Add(DemoSet(4));
        foreach (var set in sets)
        {
            var video = Path.Combine(workDir, $"{set.Name}.mp4");
            var store = Path.Combine(workDir, $"{set.Name}-{model.ToLowerInvariant()}.jsonl");
            if (!File.Exists(store) || !File.Exists(SampleFootage.TruthPath(video))) continue;
            var faces = EncodingStoreReader.ReadAll(store);
            var personOf = Truth(faces, SampleFootageTruth.Load(SampleFootage.TruthPath(video)), set);
            foreach (var f in faces) result.Add((f, personOf[f.Id], set.Name));
        }
        return result;
    }

    /// <summary>
    /// The labelled photos in an order that tests tracks: people interleaved round-robin (sorted by name, photos by
    /// file name), and a person's first two photos back to back in the first round when they have three or more, so
    /// some cuts join two photos of the same person.
    /// </summary>
    private static FootageSet LabelledSet(string photoDir, FaceEncoderOptions encoderOptions, string workDir, string model, double secondsPerPhoto)
    {
        var labels = EvalBench.ReadCsv(Path.Combine(photoDir, "labels.csv")).ToDictionary(r => r["file"], r => r["person"], StringComparer.Ordinal);
        var queues = labels.GroupBy(kv => kv.Value).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Queue<string>(g.Select(kv => kv.Key).Order(StringComparer.Ordinal))).ToList();
        var order = new List<string>();
        for (int round = 0; queues.Any(q => q.Count > 0); round++)
        {
            foreach (var q in queues.Where(q => q.Count > 0))
            {
                order.Add(q.Dequeue());
                if (round == 0 && q.Count >= 2) order.Add(q.Dequeue());
            }
        }
        var photos = order.Select(f => Path.Combine(photoDir, f)).ToList();

        // The annotated face of a labelled photo: its largest detected face (cached next to the footage).
        var cache = Path.Combine(workDir, $"labelled-photos-{model.ToLowerInvariant()}.jsonl");
        var largest = new Dictionary<string, FaceBox>(StringComparer.Ordinal);
        if (File.Exists(cache))
        {
            foreach (var f in EncodingStoreReader.ReadAll(cache)) largest[Path.GetFileName(f.Path)] = f.Box;
        }
        else
        {
            var encoder = new FaceEncoder(encoderOptions);
            using var writer = EncodingStoreWriter.Create(cache, encoder.ModelName, StoreWriteMode.Overwrite);
            foreach (var photo in photos)
            {
                var face = encoder.Encode(photo).Faces.OrderByDescending(f => f.Box.Width * f.Box.Height).ThenBy(f => f.Id, StringComparer.Ordinal).FirstOrDefault();
                if (face is null) continue;
                largest[Path.GetFileName(photo)] = face.Box;
                writer.Write(face);
            }
            writer.Commit();
        }
        return new FootageSet("labelled", photos,
            photo => largest.TryGetValue(Path.GetFileName(photo), out var box) ? [(box, labels[Path.GetFileName(photo)])] : [],
            secondsPerPhoto);
    }

    /// <summary>The six demo photos in order, as the footage tests build them, annotated by tests/data/detection.</summary>
    private static FootageSet DemoSet(double secondsPerPhoto)
    {
        var data = Path.Combine(BenchEnv.Root, "tests", "data", "detection");
        using var facesDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "demo-faces.json")));
        var boxes = facesDoc.RootElement.EnumerateArray().ToDictionary(
            e => e.GetProperty("file").GetString()!,
            e => e.GetProperty("faces").EnumerateArray().Select(b => new FaceBox(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle())).ToArray());
        using var peopleDoc = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "demo-people.json")));
        var same = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var g in peopleDoc.RootElement.GetProperty("samePerson").EnumerateArray())
        {
            var names = g.GetProperty("faces").EnumerateArray().Select(n => n.GetString()!).ToArray();
            foreach (var n in names) same[n] = names[0];
        }
        return new FootageSet("demo", BenchEnv.DemoPhotos(), photo =>
        {
            var file = Path.GetFileName(photo);
            int number = int.Parse(file["sample".Length..^".jpg".Length], Inv);
            return boxes[file].Select((b, k) => (b, same.GetValueOrDefault($"{number}/{k}", $"{number}/{k}"))).ToArray();
        }, secondsPerPhoto);
    }

    /// <summary>
    /// The shot numbers against the truth (one shot per photo), and the histogram differences between consecutive
    /// decoded frames inside shots and at cuts, which the threshold must separate.
    /// </summary>
    private static void ReportCuts(string video, SampleFootageTruth truth, IReadOnlyList<VideoFrame> frames)
    {
        var photoOf = frames.Select(f => truth.FrameAt(f.Timestamp)!.Photo).ToArray();
        int trueCuts = 0, found = 0, falseCuts = 0;
        for (int i = 1; i < frames.Count; i++)
        {
            bool isCut = photoOf[i] != photoOf[i - 1], saw = frames[i].Shot != frames[i - 1].Shot;
            if (isCut) trueCuts++;
            if (isCut && saw) found++;
            if (!isCut && saw) falseCuts++;
        }
        var within = new List<double>();
        var atCuts = new List<double>();
        using (var capture = new VideoCapture(video))
        using (var detector = new ShotDetector(VideoFrameExtractorOptions.DefaultShotThreshold))
        using (var frame = new Mat())
        {
            for (int i = 0; capture.Read(frame) && !frame.Empty(); i++)
            {
                detector.IsCut(frame);
                if (i == 0 || i >= truth.Frames.Count) continue;
                (truth.Frames[i].Photo != truth.Frames[i - 1].Photo ? atCuts : within).Add(detector.LastDifference);
            }
        }
        within.Sort();
        atCuts.Sort();
        Console.WriteLine($"cuts between sampled frames: {found}/{trueCuts} found, {falseCuts} false (threshold {VideoFrameExtractorOptions.DefaultShotThreshold}); " +
                          $"histogram difference of consecutive decoded frames: inside shots max {within[^1]:0.000} (99th pct {within[(int)(within.Count * 0.99)]:0.000}), " +
                          $"at the {atCuts.Count} cuts lowest {string.Join(" ", atCuts.Take(4).Select(d => d.ToString("0.000", Inv)))}, median {atCuts[atCuts.Count / 2]:0.000}");
    }

    /// <summary>What numbering the shots costs: extraction (frames rewritten) with and without, alternately, best of two.</summary>
    private static void TimeShots(string video, string workDir)
    {
        var best = new Dictionary<bool, double> { [true] = double.MaxValue, [false] = double.MaxValue };
        for (int round = 0; round < 2; round++)
        {
            foreach (bool shots in new[] { false, true })
            {
                var clock = Stopwatch.StartNew();
                int n = new VideoFrameExtractor(new VideoFrameExtractorOptions
                {
                    OutputDirectory = Path.Combine(workDir, "timing-frames"),
                    Force = true,
                    DetectShots = shots,
                }).Extract(video).Count();
                best[shots] = Math.Min(best[shots], clock.Elapsed.TotalSeconds);
            }
        }
        Console.WriteLine($"extraction (frames rewritten), best of 2: {best[false]:0.00} s without shot numbering, {best[true]:0.00} s with " +
                          $"(+{(best[true] / best[false] - 1) * 100:0}%); {BenchEnv.Load()}");
    }

    private static List<FaceEncoding> Encodings(string store, IReadOnlyList<VideoFrame> frames, string video, FaceEncoderOptions options, bool force)
    {
        if (File.Exists(store) && !force && File.GetLastWriteTimeUtc(store) > File.GetLastWriteTimeUtc(video))
        {
            var cached = EncodingStoreReader.ReadAll(store);
            Console.WriteLine($"encodings: {cached.Count} faces from {store}");
            return cached;
        }
        var clock = Stopwatch.StartNew();
        var encoder = new FaceEncoder(options);
        var results = new ImageEncodingResult[frames.Count];
        Parallel.For(0, frames.Count, new ParallelOptions { MaxDegreeOfParallelism = options.DegreeOfParallelism }, i =>
            results[i] = encoder.Encode(frames[i].Path, new Recognition.FrameSource(video, frames[i].Index, frames[i].Timestamp, frames[i].FullResolutionPath, frames[i].Shot)));
        var faces = results.SelectMany(r => r.Faces).ToList();
        using (var writer = EncodingStoreWriter.Create(store, encoder.ModelName, StoreWriteMode.Overwrite))
        {
            foreach (var f in faces) writer.Write(f);
            writer.Commit();
        }
        Console.WriteLine($"encodings: {faces.Count} faces in {clock.Elapsed.TotalSeconds:0.0} s, kept in {store}");
        return faces;
    }

    /// <summary>Face Id → person, or "?id" for a face that maps to no annotated face.</summary>
    private static Dictionary<string, string> Truth(IReadOnlyList<FaceEncoding> faces, SampleFootageTruth truth, FootageSet set)
    {
        var annotated = truth.Photos.Select(p => set.Annotated(p.Path)).ToArray();
        var byPath = truth.Photos.Select((p, i) => (p.Path, i)).ToDictionary(x => x.Path, x => x.i, StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var f in faces)
        {
            var mapped = truth.MapToPhoto(f.Timestamp!.Value, f.Box, f.ImageWidth, f.ImageHeight);
            string person = "?" + f.Id;
            if (mapped is { } m)
            {
                float best = 0;
                foreach (var (box, name) in annotated[byPath[m.Photo.Path]])
                {
                    float iou = m.Box.IntersectionOverUnion(box);
                    if (iou >= MinIoU && iou > best) (best, person) = (iou, name);
                }
            }
            result[f.Id] = person;
        }
        return result;
    }

    /// <summary>
    /// What the track gates see: every pair of faces in consecutive sampled frames of one shot, by whether they are the
    /// same person, with the IoU of their boxes (raw and grown as Tracks grows them) and their descriptor distance.
    /// </summary>
    private static void ReportLinks(IReadOnlyList<FaceEncoding> faces, IReadOnlyDictionary<string, string> personOf)
    {
        var byFrame = faces.GroupBy(f => (f.VideoPath, f.Shot, f.FrameIndex)).ToDictionary(g => g.Key, g => g.ToList());
        var same = new List<(float IoU, float Grown, float D)>();
        var different = new List<(float IoU, float Grown, float D)>();
        foreach (var ((video, shot, frame), here) in byFrame)
        {
            if (!byFrame.TryGetValue((video, shot, frame + 1), out var next)) continue;
            foreach (var a in here)
            {
                foreach (var b in next)
                {
                    var pair = (a.Box.IntersectionOverUnion(b.Box), Tracks.Grown(a.Box).IntersectionOverUnion(Tracks.Grown(b.Box)), FaceDistance.Euclidean(a.Descriptor, b.Descriptor));
                    string pa = personOf[a.Id], pb = personOf[b.Id];
                    if (pa == pb && !pa.StartsWith('?')) same.Add(((float)pair.Item1, (float)pair.Item2, (float)pair.Item3));
                    else if (pa != pb) different.Add(((float)pair.Item1, (float)pair.Item2, (float)pair.Item3));
                }
            }
        }
        string Stats(IEnumerable<float> values)
        {
            var v = values.Order().ToArray();
            return v.Length == 0 ? "-" : $"min {v[0]:0.000} p5 {v[(int)(v.Length * 0.05)]:0.000} median {v[v.Length / 2]:0.000} p95 {v[(int)(v.Length * 0.95)]:0.000} max {v[^1]:0.000}";
        }
        Console.WriteLine($"face pairs in consecutive frames of one shot: {same.Count} same person, {different.Count} different");
        Console.WriteLine($"  same person:  IoU {Stats(same.Select(p => p.IoU))}");
        Console.WriteLine($"                grown x{Tracks.BoxGrowth} IoU {Stats(same.Select(p => p.Grown))}");
        Console.WriteLine($"                distance {Stats(same.Select(p => p.D))}");
        Console.WriteLine($"  different:    grown x{Tracks.BoxGrowth} IoU {Stats(different.Select(p => p.Grown))}");
        Console.WriteLine($"                distance {Stats(different.Select(p => p.D))}");
        int passDifferent = different.Count(p => p.Grown >= Tracks.MinIoU && p.D < Tracks.MaxDistanceFor(faces.Count > 0 ? faces[0].Model : null));
        int passSame = same.Count(p => p.Grown >= Tracks.MinIoU && p.D < Tracks.MaxDistanceFor(faces.Count > 0 ? faces[0].Model : null));
        Console.WriteLine($"  pass both gates (grown IoU >= {Tracks.MinIoU}, distance < {Tracks.MaxDistanceFor(faces.Count > 0 ? faces[0].Model : null):0.00}): same {passSame}/{same.Count}, different {passDifferent}/{different.Count}");
    }

    private static void ReportTracks(IReadOnlyList<FaceEncoding> faces, IReadOnlyDictionary<string, string> personOf)
    {
        var sorted = FaceClusterer.Canonical(faces);
        var tracks = Tracks.Build(sorted, new DescriptorMatrix(sorted));
        var multi = tracks.Items.Where(t => t.Length > 1).ToArray();
        int mixed = multi.Count(t => t.Select(i => personOf[sorted[i].Id]).Distinct().Count() > 1);
        int inTracks = multi.Sum(t => t.Length);
        int shots = faces.Select(f => (f.VideoPath, f.Shot)).Distinct().Count();
        Console.WriteLine($"tracks: {multi.Length} of 2+ faces holding {inTracks}/{faces.Count} faces (mean length {(multi.Length == 0 ? 0 : (double)inTracks / multi.Length):0.0}), " +
                          $"{tracks.Items.Length} items to cluster; {mixed} tracks mix two people; faces in {shots} shots");
    }

    private static void Grid(IReadOnlyList<FaceEncoding> faces, IReadOnlyDictionary<string, string> personOf, int people, int dop, bool detail, string? chineseWhispers)
    {
        var settings = new List<ClusteringOptions>();
        // Around the model's calibrated values, on its own distance scale (dlib's grid: CW 0.45-0.6, AL 0.5-0.65, DBSCAN 0.45/0.5).
        var calibrated = DescriptorModels.ForName(faces.Count > 0 ? faces[0].Model : null);
        double scale = calibrated.ClusterThreshold / DescriptorModels.Dlib.ClusterThreshold;
        // --cw 0.76,0.78,...: a finer Chinese-whispers grid, on the model's own scale, in place of the whole grid.
        if (chineseWhispers is not null)
        {
            foreach (var t in chineseWhispers.Split(',')) settings.Add(new() { Algorithm = ClusteringAlgorithm.ChineseWhispers, Threshold = double.Parse(t, System.Globalization.CultureInfo.InvariantCulture) });
        }
        else foreach (double t in new[] { 0.45, 0.5, 0.55, 0.6, 0.65 }) settings.Add(new() { Algorithm = ClusteringAlgorithm.ChineseWhispers, Threshold = Math.Round(t * scale, 3) });
        if (chineseWhispers is null) foreach (double t in new[] { 0.5, 0.55, 0.6, 0.65, 0.7 }) settings.Add(new() { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = Math.Round(t * scale, 3) });
        if (chineseWhispers is null) foreach (double e in new[] { 0.45, 0.5, 0.55 }) settings.Add(new() { Algorithm = ClusteringAlgorithm.DBSCAN, Epsilon = Math.Round(e * scale, 3), MinSamples = 2 });
        Console.WriteLine();
        Console.WriteLine($"{"setting",-26} {"tracks",-9} {"clusters",9} {"BCub F1",7} {"pair P",7} {"pair R",7} {"mixed",5} {"noise",5}");
        foreach (var template in settings)
        {
            foreach (var (mode, useTracks, collapse) in new (string, bool, TrackCollapse?)[] { ("off", false, null), ("default", true, null), ("mean", true, TrackCollapse.Mean), ("members", true, TrackCollapse.Members) })
            {
                var options = template.Clone();
                options.UseTracks = useTracks;
                options.TrackCollapse = collapse;
                options.IncludeNoise = true;
                options.DegreeOfParallelism = dop;
                var clusters = FaceClusterer.Cluster(faces, options);
                var s = ClusteringMetrics.Evaluate(clusters, f => personOf[f.Id]);
                var real = clusters.Where(c => !c.IsNoise).ToArray();
                int mixed = real.Count(c => c.Faces.Select(f => personOf[f.Id]).Where(p => !p.StartsWith('?')).Distinct().Count() > 1);
                int noise = faces.Count - real.Sum(c => c.Count);
                string name = options.Algorithm == ClusteringAlgorithm.DBSCAN
                    ? $"DBSCAN {options.Epsilon:0.00}/{options.MinSamples}"
                    : $"{options.Algorithm} {options.EffectiveThreshold:0.00}";
                Console.WriteLine($"{name,-26} {mode,-9} {real.Length,4} /{people,3} {s.BCubedF1,7:0.000} {s.PairwisePrecision,7:0.000} {s.PairwiseRecall,7:0.000} {mixed,5} {noise,5}");
                if (detail && options.Algorithm == ClusteringAlgorithm.ChineseWhispers && options.EffectiveThreshold == calibrated.ClusterThreshold)
                {
                    foreach (var c in real.Where(c => c.Faces.Select(f => personOf[f.Id]).Distinct().Count() > 1))
                    {
                        Console.WriteLine("    cluster mixes: " + string.Join(", ", c.Faces.GroupBy(f => personOf[f.Id])
                            .Select(g => $"{g.Key} x{g.Count()} ({string.Join(" ", g.Select(f => $"{Path.GetFileNameWithoutExtension(f.Path)}"))})")));
                    }
                }
            }
        }
    }
}
