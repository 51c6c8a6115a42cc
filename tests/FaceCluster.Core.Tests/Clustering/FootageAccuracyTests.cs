using System.Diagnostics;
using FaceCluster.Recognition;
using FaceCluster.Tests.Detection;
using FaceCluster.Video;
using Xunit.Abstractions;

namespace FaceCluster.Tests.Clustering;

/// <summary>
/// Real faces in generated footage, built once per class: the six face-api demo photos, 4 s each, as a 960x540
/// Ken Burns video; 1 fps frames (700x500 max) encoded with the real models; and the six photos encoded directly.
/// Every detected frame face gets its source face (photo, annotated face index) by mapping its box back to the
/// photo through the footage truth and taking the annotated face with the best IoU, and from that its person
/// (tests/data/detection/demo-people.json: one woman appears in two photos).
/// </summary>
public sealed class FootageFixture : IDisposable
{
    public const double SecondsPerPhoto = 4;
    public const double MinIoU = 0.3;

    public string Directory { get; }
    public string VideoPath { get; }
    public SampleFootageTruth Truth { get; }
    public IReadOnlyList<VideoFrame> Frames { get; }
    /// <summary>All faces detected in the frames, in frame order (dlib descriptors).</summary>
    public IReadOnlyList<FaceEncoding> Faces { get; }
    /// <summary>The same frames encoded as Get-FaceEncoding does by default (the default model, full-resolution crops).</summary>
    public IReadOnlyList<FaceEncoding> FaceResFaces { get; }
    /// <summary>Face Id → "photo/face" (e.g. "3/1"); faces that map to no annotated face are absent.</summary>
    public IReadOnlyDictionary<string, string> TruthOf { get; }
    /// <summary>
    /// Face Id → who it is (<see cref="DemoFaces.PersonOf"/>): "photo/face" of the person's first face, so that one
    /// person seen in two photos is one identity; faces that map to no annotated face are absent.
    /// </summary>
    public IReadOnlyDictionary<string, string> PersonOf { get; }
    /// <summary>Face Id → demo photo number 1..6 (all faces).</summary>
    public IReadOnlyDictionary<string, int> PhotoOf { get; }
    /// <summary>The faces of the six demo photos, encoded from the photos themselves, with their "photo/face" names.</summary>
    public IReadOnlyList<(FaceEncoding Face, int Photo, string? Name)> StillFaces { get; }
    /// <summary>The faces of demo photos 5 and 6, encoded from the photos themselves.</summary>
    public IReadOnlyList<FaceEncoding> StillFaces56 => StillFaces.Where(s => s.Photo >= 5).Select(s => s.Face).ToList();
    public TimeSpan BuildTime { get; }
    public TimeSpan FootageTime { get; }
    public TimeSpan ExtractTime { get; }
    public TimeSpan EncodeTime { get; }

    public FootageFixture()
    {
        var clock = Stopwatch.StartNew();
        Directory = TestEnvironment.NewTempDirectory();
        VideoPath = Path.Combine(Directory, "demo.mp4");
        var photos = Enumerable.Range(1, 6).Select(TestEnvironment.DemoPhoto).ToArray();
        Truth = SampleFootage.Create(photos, VideoPath,
            new SampleFootageOptions { Width = 960, Height = 540, FramesPerSecond = 25, SecondsPerPhoto = SecondsPerPhoto });
        FootageTime = clock.Elapsed;

        var lap = Stopwatch.StartNew();
        Frames = new VideoFrameExtractor(new VideoFrameExtractorOptions { OutputDirectory = Path.Combine(Directory, "frames") })
            .Extract(VideoPath).Select(f => f.Frame).ToList();
        ExtractTime = lap.Elapsed;

        lap.Restart();
        var encoder = new FaceEncoder(new FaceEncoderOptions { Model = global::FaceCluster.Models.DescriptorModelKind.Dlib, ModelDirectory = TestEnvironment.ModelDirectory, DegreeOfParallelism = 2 });
        // One frame at a time (the descriptor network still uses 2 threads). 71 faces; before SampleFootage's per-process
        // seed was fixed the footage differed between runs (68-83 faces), and the assertions hold over that range too.
        var results = Frames.Select(f => encoder.Encode(f.Path, new FrameSource(VideoPath, f.Index, f.Timestamp, Shot: f.Shot))).ToArray();
        Faces = results.SelectMany(r => r.Faces).ToList();
        StillFaces = Enumerable.Range(1, 6)
            .SelectMany(p => encoder.Encode(TestEnvironment.DemoPhoto(p)).Faces.Select(f => (f, p, NameOf(p, f.Box))))
            .ToList();
        EncodeTime = lap.Elapsed;
        // The default model, as Get-FaceEncoding runs it: described from the full-resolution copies of the frames.
        var faceRes = new FaceEncoder(new FaceEncoderOptions { Model = global::FaceCluster.Models.DescriptorModels.DefaultKind, ModelDirectory = TestEnvironment.ModelDirectory, DegreeOfParallelism = 2 });
        FaceResFaces = Frames.SelectMany(f => faceRes.Encode(f.Path, new FrameSource(VideoPath, f.Index, f.Timestamp, f.FullResolutionPath, f.Shot)).Faces).ToList();

        var photoNumber = photos.Select((p, i) => (Path.GetFullPath(p), i + 1)).ToDictionary(x => x.Item1, x => x.Item2);
        var truthOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var photoOf = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var face in Faces.Concat(FaceResFaces))
        {
            var mapped = Truth.MapToPhoto(face.Timestamp!.Value, face.Box, face.ImageWidth, face.ImageHeight)
                ?? throw new InvalidOperationException($"{face} is outside the footage.");
            int photo = photoNumber[Path.GetFullPath(mapped.Photo.Path)];
            photoOf[face.Id] = photo;
            if (NameOf(photo, mapped.Box) is { } name) truthOf[face.Id] = name;
        }
        TruthOf = truthOf;
        PersonOf = truthOf.ToDictionary(kv => kv.Key, kv => DemoFaces.PersonOf(kv.Value), StringComparer.Ordinal);
        PhotoOf = photoOf;
        BuildTime = clock.Elapsed;
    }

    /// <summary>"photo/face" of the annotated face that best overlaps a box in photo pixels, or null below <see cref="MinIoU"/>.</summary>
    private static string? NameOf(int photo, FaceBox box)
    {
        var annotated = DemoFaces.For(photo);
        int best = -1;
        float bestIoU = 0;
        for (int k = 0; k < annotated.Length; k++)
        {
            float iou = box.IntersectionOverUnion(annotated[k]);
            if (iou > bestIoU) (bestIoU, best) = (iou, k);
        }
        return best >= 0 && bestIoU >= MinIoU ? DemoFaces.Name(photo, best) : null;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

public sealed partial class FootageAccuracyTests(FootageFixture fx, ITestOutputHelper output) : IClassFixture<FootageFixture>
{
    private static readonly ClusteringOptions[] Algorithms =
    [
        new(), // the defaults: asserted below against the targets
        new() { Algorithm = ClusteringAlgorithm.Agglomerative },
        new() { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = 0.45 },
        new() { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = 0.5 },
        new() { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = 0.55 },
        new() { Algorithm = ClusteringAlgorithm.ChineseWhispers, Threshold = 0.45 },
        new() { Algorithm = ClusteringAlgorithm.DBSCAN },
        new() { Algorithm = ClusteringAlgorithm.DBSCAN, MinSamples = 1 },
        new() { Algorithm = ClusteringAlgorithm.DBSCAN, MinSamples = 3 },
        new() { Algorithm = ClusteringAlgorithm.ChineseWhispers },
    ];

    private void Describe()
    {
        int excluded = fx.Faces.Count - fx.TruthOf.Count;
        output.WriteLine($"footage: {fx.Frames.Count} frames, {fx.Faces.Count} faces detected, {fx.TruthOf.Count} scored, " +
                         $"{excluded} excluded (map to no annotated face), {fx.TruthOf.Values.Distinct().Count()} distinct source faces seen " +
                         $"of {DemoFaces.Total} annotated");
        output.WriteLine($"fixture {fx.BuildTime.TotalSeconds:0.0} s (footage {fx.FootageTime.TotalSeconds:0.0} s, extract {fx.ExtractTime.TotalSeconds:0.0} s, " +
                         $"encode {fx.EncodeTime.TotalSeconds:0.0} s)");
    }

    /// <summary>
    /// Scores only the faces that have a true identity, against <paramref name="truth"/> (who each face is: by default
    /// <see cref="FootageFixture.PersonOf"/>); noise faces are singletons.
    /// </summary>
    private ClusteringScores Score(IReadOnlyList<FaceCluster> clusters, IReadOnlyDictionary<string, string>? truthOf = null)
    {
        truthOf ??= fx.PersonOf;
        var predicted = new List<int>();
        var truth = new List<int>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in clusters)
        {
            foreach (var f in c.Faces)
            {
                if (!truthOf.TryGetValue(f.Id, out var name)) continue;
                predicted.Add(c.IsNoise ? -1 : c.Id);
                if (!names.TryGetValue(name, out int id)) names[name] = id = names.Count;
                truth.Add(id);
            }
        }
        return ClusteringMetrics.Evaluate(predicted, truth);
    }

    private static int ClustersWithTwoFacesOfOneFrame(IReadOnlyList<FaceCluster> clusters) =>
        clusters.Count(c => !c.IsNoise && c.Faces.GroupBy(f => (f.VideoPath, f.FrameIndex)).Any(g => g.Count() > 1));

    private static string Describe(ClusteringOptions o) => o.Algorithm == ClusteringAlgorithm.DBSCAN
        ? $"DBSCAN eps {o.Epsilon} min {o.MinSamples}"
        : $"{o.Algorithm} {o.EffectiveThreshold}";

    [Fact]
    public void The_people_truth_agrees_with_the_descriptor_on_the_photos_themselves()
    {
        // demo-people.json joins 1/2 and 3/1 into one person (by eye and by this distance); everyone else is seen once.
        // Checked here so that the truth the footage is scored against cannot silently drift from the model.
        var named = fx.StillFaces.Where(s => s.Name is not null).ToList();
        Assert.Equal(DemoFaces.Total, named.Select(s => s.Name).Distinct().Count());
        double sameMax = 0, differentMin = double.MaxValue;
        string closestDifferent = "";
        foreach (var (a, b) in named.SelectMany((a, i) => named.Skip(i + 1).Where(b => b.Photo != a.Photo).Select(b => (a, b))))
        {
            double d = FaceDistance.Euclidean(a.Face.Descriptor, b.Face.Descriptor);
            if (DemoFaces.PersonOf(a.Name!) == DemoFaces.PersonOf(b.Name!))
            {
                output.WriteLine($"same person in two photos: {a.Name} and {b.Name} at {d:0.000}");
                sameMax = Math.Max(sameMax, d);
            }
            else if (d < differentMin) (differentMin, closestDifferent) = (d, $"{a.Name} and {b.Name}");
        }
        output.WriteLine($"closest different people in different photos: {closestDifferent} at {differentMin:0.000}");
        Assert.InRange(sameMax, 0.01, 0.5);
        Assert.True(differentMin >= 0.55, $"{closestDifferent} are {differentMin:0.000} apart but listed as different people");
    }

    [Fact]
    public void Default_clustering_finds_each_person_once()
    {
        Describe();
        int people = fx.PersonOf.Values.Distinct().Count();
        int sourceFaces = fx.TruthOf.Values.Distinct().Count();
        output.WriteLine($"{people} people ({sourceFaces} source faces; demo-people.json: 1/2 and 3/1 are one person)");
        Assert.True(fx.TruthOf.Count >= 0.9 * fx.Faces.Count, $"only {fx.TruthOf.Count} of {fx.Faces.Count} faces map to an annotated face");
        ClusteringScores? defaults = null;
        int defaultClusters = 0;
        foreach (var template in Algorithms)
        {
            var options = template.Clone();
            options.DegreeOfParallelism = 2;
            bool isDefault = ReferenceEquals(template, Algorithms[0]);
            var clusters = FaceClusterer.Cluster(fx.Faces, options);
            var s = Score(clusters);
            int real = clusters.Count(c => !c.IsNoise);
            int noise = fx.Faces.Count - clusters.Where(c => !c.IsNoise).Sum(c => c.Count);
            output.WriteLine($"{Describe(options),-28} clusters {real} vs {people} people, noise faces {noise}; {s}");
            output.WriteLine($"{"",-28} scored by (photo, face) instead: {Score(clusters, fx.TruthOf)}");
            foreach (var c in clusters.Where(c => c.Faces.Select(f => fx.PersonOf.GetValueOrDefault(f.Id, "?")).Distinct().Count() > 1))
            {
                output.WriteLine($"  cluster {c.Id} mixes people (photo/face x count): " + string.Join(", ",
                    c.Faces.GroupBy(f => fx.TruthOf.GetValueOrDefault(f.Id, "?")).Select(g => $"{g.Key} x{g.Count()}")) +
                    $"; mean distance to medoid {c.MeanDistance:0.000}");
            }
            if (isDefault)
            {
                defaults = s;
                defaultClusters = real;
            }
            else
            {
                // Not the default: every algorithm must still find everyone and keep precision reasonable.
                Assert.True(s.PairwiseRecall >= 0.9, $"{Describe(options)} pairwise recall {s.PairwiseRecall:0.000}");
                Assert.True(s.PairwisePrecision >= 0.6, $"{Describe(options)} pairwise precision {s.PairwisePrecision:0.000}");
            }
        }
        // The targets, at the defaults (Chinese whispers 0.5): measured 21 clusters for 21 people, P = R = 1.0.
        Assert.InRange(defaultClusters, people - 1, people + 1);
        Assert.True(defaults!.PairwisePrecision >= 0.95, $"pairwise precision {defaults.PairwisePrecision:0.0000}");
        Assert.True(defaults.PairwiseRecall >= 0.95, $"pairwise recall {defaults.PairwiseRecall:0.0000}");
    }

    [Fact]
    public void Clusters_do_not_depend_on_input_order_or_parallelism()
    {
        static string Signature(IReadOnlyList<FaceCluster> clusters) => string.Join("\n",
            clusters.Select(c => $"{c.Id}|{c.Label}|{c.IsNoise}|{c.Medoid.Id}|{string.Join(",", c.Faces.Select(f => f.Id))}"));

        foreach (var template in Algorithms)
        {
            var a = template.Clone();
            a.DegreeOfParallelism = 1;
            a.IncludeNoise = true;
            var b = a.Clone();
            b.DegreeOfParallelism = 2;
            var shuffled = fx.Faces.OrderBy(_ => 0).ToArray();
            new Random(42).Shuffle(shuffled);
            var reversed = fx.Faces.Reverse().ToArray();

            string reference = Signature(FaceClusterer.Cluster(fx.Faces, a));
            Assert.Equal(reference, Signature(FaceClusterer.Cluster(shuffled, a)));
            Assert.Equal(reference, Signature(FaceClusterer.Cluster(shuffled, b)));
            Assert.Equal(reference, Signature(FaceClusterer.Cluster(reversed, b)));
            output.WriteLine($"{template.Algorithm}: identical clusters (ids, labels, medoids, members) for 3 input orders x DOP 1/2");
        }
    }

    [Fact]
    public void Cannot_link_keeps_two_faces_of_one_frame_apart()
    {
        Describe();
        foreach (var template in Algorithms)
        {
            var without = template.Clone();
            without.UseCannotLink = false;
            without.DegreeOfParallelism = 2;
            var with = without.Clone();
            with.UseCannotLink = true;
            var cw = FaceClusterer.Cluster(fx.Faces, with);
            var cwo = FaceClusterer.Cluster(fx.Faces, without);
            int badWith = ClustersWithTwoFacesOfOneFrame(cw), badWithout = ClustersWithTwoFacesOfOneFrame(cwo);
            output.WriteLine($"{Describe(with),-28} cannot-link off: {cwo.Count(c => !c.IsNoise)} clusters, {badWithout} with two faces of one frame; {Score(cwo)}");
            output.WriteLine($"{"",-28} cannot-link on:  {cw.Count(c => !c.IsNoise)} clusters, {badWith} with two faces of one frame; {Score(cw)}");
            Assert.Equal(0, badWith);
        }
    }

    [Fact]
    public void Held_out_frames_are_found_in_the_cluster_of_their_source_face()
    {
        Describe();
        var heldFrames = fx.Frames.Where((_, i) => i % 4 == 3).Select(f => f.Index).ToHashSet();
        var held = fx.Faces.Where(f => heldFrames.Contains(f.FrameIndex!.Value)).ToList();
        var train = fx.Faces.Where(f => !heldFrames.Contains(f.FrameIndex!.Value)).ToList();
        var clusters = FaceClusterer.Cluster(train, new ClusteringOptions { DegreeOfParallelism = 2 });

        // The cluster of a source face: the one holding most of its training faces.
        var clusterOf = clusters.SelectMany(c => c.Faces.Where(f => fx.PersonOf.ContainsKey(f.Id)).Select(f => (Truth: fx.PersonOf[f.Id], c.Id)))
            .GroupBy(x => x.Truth)
            .ToDictionary(g => g.Key, g => g.GroupBy(x => x.Id).OrderByDescending(h => h.Count()).ThenBy(h => h.Key).First().Key);
        var scored = held.Where(f => fx.TruthOf.ContainsKey(f.Id)).ToList();
        output.WriteLine($"{heldFrames.Count} held-out frames, {held.Count} faces ({scored.Count} scored); {train.Count} faces clustered into {clusters.Count} clusters");

        int eligible = scored.Count(f => clusterOf.ContainsKey(fx.PersonOf[f.Id]));
        output.WriteLine($"{eligible} of {scored.Count} held-out faces have a source face that was also seen in a clustered frame");
        var accuracy = new Dictionary<MatchMode, double>();
        var wrongCount = new Dictionary<MatchMode, int>();
        var eligibleAccuracy = new Dictionary<MatchMode, double>();
        foreach (var mode in new[] { MatchMode.NearestNeighbor, MatchMode.Medoid })
        {
            var matcher = new FaceMatcher(clusters, new MatchOptions { Mode = mode, DegreeOfParallelism = 2 });
            var matches = matcher.Match(scored);
            int right = 0, unknown = 0, wrong = 0;
            foreach (var m in matches)
            {
                bool hasCluster = clusterOf.TryGetValue(fx.PersonOf[m.Face.Id], out int expected);
                if (m.IsUnknown) unknown++;
                else if (hasCluster && m.ClusterId == expected) right++;
                else wrong++;
                if (!hasCluster || m.ClusterId != expected)
                {
                    output.WriteLine($"  {mode}: {fx.TruthOf[m.Face.Id]} (frame {m.Face.FrameIndex}) -> {m} nearest {(m.NearestFace is { } nf ? fx.TruthOf.GetValueOrDefault(nf.Id, "?") : "-")}, " +
                                     $"expected cluster {(hasCluster ? expected.ToString() : "none (no training face)")}");
                }
            }
            accuracy[mode] = (double)right / scored.Count;
            wrongCount[mode] = wrong;
            eligibleAccuracy[mode] = (double)right / Math.Max(1, eligible);
            var d = matches.Select(m => m.Distance).Order().ToArray();
            output.WriteLine($"{mode,-16} {right}/{scored.Count} right ({accuracy[mode]:P1}; {eligibleAccuracy[mode]:P1} of the {eligible} findable), {wrong} wrong, {unknown} unknown; " +
                             $"distance median {d[d.Length / 2]:0.000} max {d[^1]:0.000}");
        }
        // Measured at the default threshold 0.5, both modes: 16/18 of all held-out faces, 16/16 of the findable ones, and the
        // two others (4/1 and 4/3 of frame 15, whose source face is in no clustered frame) Unknown rather than misfiled.
        // At dlib's 0.6, nearest neighbour filed 4/1 under the look-alike 6/2 (0.576).
        Assert.True(eligibleAccuracy[MatchMode.NearestNeighbor] >= 0.9, $"nearest-neighbour accuracy {eligibleAccuracy[MatchMode.NearestNeighbor]:P1} of findable faces");
        Assert.Equal(0, wrongCount[MatchMode.NearestNeighbor]);
    }

    [Fact]
    public void Faces_of_photos_not_in_the_footage_are_unknown()
    {
        Describe();
        // Footage of photos 1-4 only: the frames of photos 5 and 6 are left out; their faces come from the photos.
        var known = fx.Faces.Where(f => fx.PhotoOf[f.Id] <= 4).ToList();
        var clusters = FaceClusterer.Cluster(known, new ClusteringOptions { DegreeOfParallelism = 2 });
        var strangers = fx.StillFaces56;
        Assert.NotEmpty(strangers);
        output.WriteLine($"{known.Count} faces of photos 1-4 in {clusters.Count} clusters; {strangers.Count} faces of photos 5-6 queried");

        var rates = new Dictionary<MatchMode, double>();
        foreach (var mode in new[] { MatchMode.NearestNeighbor, MatchMode.Medoid })
        {
            var matches = new FaceMatcher(clusters, new MatchOptions { Mode = mode, DegreeOfParallelism = 2 }).Match(strangers);
            int unknown = matches.Count(m => m.IsUnknown);
            rates[mode] = (double)unknown / matches.Count;
            output.WriteLine($"{mode,-16} Unknown {unknown}/{matches.Count} ({rates[mode]:P1}); nearest distances: " +
                             string.Join(" ", matches.Select(m => m.Distance).Order().Select(d => d.ToString("0.000"))));
            foreach (var m in matches.Where(m => !m.IsUnknown))
            {
                output.WriteLine($"  matched: {m.Face} -> {m.Label} at {m.Distance:0.000}, nearest frame face {fx.TruthOf.GetValueOrDefault(m.NearestFace!.Id, "?")}");
            }
            Assert.True(matches.Min(m => m.Distance) >= 0.5, $"a face of photos 5-6 is {matches.Min(m => m.Distance):0.000} from a face of photos 1-4");
        }
        // Measured at the default threshold 0.5: 9/9 with both modes (nearest distances 0.575-0.686). At dlib's 0.6 it was
        // 6/9: the three look-alikes at 0.575-0.590 were filed under people of photos 1-4 (docs/accuracy.md).
        Assert.All(rates, r => Assert.True(r.Value == 1, $"{r.Key}: Unknown rate {r.Value:P1}"));
    }
}
