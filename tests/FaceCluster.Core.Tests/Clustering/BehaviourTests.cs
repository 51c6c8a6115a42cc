using FaceCluster.Clustering;
using static FaceCluster.Tests.Clustering.ClusterTestData;

namespace FaceCluster.Tests.Clustering;

public class BehaviourTests
{
    /// <summary>People with varied spread, some faces sharing frames, some stray faces: enough ties and conflicts to matter.</summary>
    private static List<FaceEncoding> MessyData()
    {
        var rnd = new Random(42);
        var (people, _) = GaussianPeople(15, 20, 0.4, 21);
        var faces = people.Select(f => Face(f.Id, f.Descriptor,
            path: rnd.Next(5) == 0 ? $"/frames/{rnd.Next(30):D3}.jpg" : null,
            video: "/v.mp4", frame: rnd.Next(3) == 0 ? rnd.Next(30) : null)).ToList();
        var (strays, _) = GaussianPeople(40, 1, 0.4, 22, prefix: "s");
        faces.AddRange(strays);
        // Exact duplicates and a bridge face between two people make ties.
        faces.Add(Face("dup1", faces[0].Descriptor));
        faces.Add(Face("dup2", faces[0].Descriptor));
        faces.Add(Face("bridge", faces[20].Descriptor.Zip(faces[40].Descriptor, (a, b) => (a + b) / 2).ToArray()));
        return faces;
    }

    [Theory]
    [InlineData(ClusteringAlgorithm.Agglomerative)]
    [InlineData(ClusteringAlgorithm.ChineseWhispers)]
    [InlineData(ClusteringAlgorithm.DBSCAN)]
    public void InputOrderAndParallelismDoNotChangeTheResult(ClusteringAlgorithm algorithm)
    {
        var faces = MessyData();
        string Run(IReadOnlyList<FaceEncoding> input, int dop) => Fingerprint(FaceClusterer.Cluster(input, new ClusteringOptions
        {
            Algorithm = algorithm, DegreeOfParallelism = dop, IncludeNoise = true, MinSamples = 3,
        }));
        var reference = Run(faces, 1);
        Assert.Equal(reference, Run(faces, 4));
        for (int seed = 1; seed <= 3; seed++) Assert.Equal(reference, Run(Shuffled(faces, seed), seed == 2 ? 1 : 4));
        var ids = FaceClusterer.Cluster(faces, new ClusteringOptions { Algorithm = algorithm }).Select(c => c.Id).ToList();
        Assert.Equal(Enumerable.Range(1, ids.Count), ids);
    }

    [Fact]
    public void ClustersAreOrderedLargestFirstWithFacesInIdOrder()
    {
        var faces = MessyData();
        var clusters = FaceClusterer.Cluster(Shuffled(faces, 3), new ClusteringOptions { IncludeNoise = true, MinClusterSize = 2 });
        Assert.True(clusters[0].IsNoise);
        Assert.Equal(0, clusters[0].Id);
        Assert.Equal(FaceCluster.NoiseLabel, clusters[0].Label);
        var people = clusters.Skip(1).ToList();
        for (int k = 0; k < people.Count; k++)
        {
            Assert.Equal(k + 1, people[k].Id);
            Assert.Equal($"Person_{k + 1}", people[k].Label);
            Assert.False(people[k].IsNoise);
            Assert.True(people[k].Count >= 2);
            Assert.Equal(people[k].Faces.Select(f => f.Id).Order(StringComparer.Ordinal), people[k].Faces.Select(f => f.Id));
            if (k > 0)
            {
                Assert.True(people[k - 1].Count > people[k].Count || people[k - 1].Count == people[k].Count
                    && string.CompareOrdinal(people[k - 1].Faces[0].Id, people[k].Faces[0].Id) < 0);
            }
        }
        Assert.Equal(faces.Count, clusters.Sum(c => c.Count));
        Assert.DoesNotContain(clusters, c => c.IsNoise && c.Count == 0);
        Assert.DoesNotContain(FaceClusterer.Cluster(faces, new ClusteringOptions { MinClusterSize = 2 }), c => c.IsNoise || c.Count < 2);
    }

    [Fact]
    public void EmptyAndSingleFace()
    {
        foreach (var algorithm in Enum.GetValues<ClusteringAlgorithm>())
        {
            Assert.Empty(FaceClusterer.Cluster([], new ClusteringOptions { Algorithm = algorithm }));
            var one = Face("only", GaussianPeople(1, 1, 0.3, 1).Faces[0].Descriptor);
            var clusters = FaceClusterer.Cluster([one], new ClusteringOptions { Algorithm = algorithm, IncludeNoise = true });
            var c = Assert.Single(clusters);
            Assert.Same(one, c.Medoid);
            Assert.Equal(0, c.MeanDistance);
            Assert.Equal(0, c.MaxDistance);
            // DBSCAN with MinSamples 2: a lone face is noise.
            Assert.Equal(algorithm == ClusteringAlgorithm.DBSCAN, c.IsNoise);
        }
    }

    [Fact]
    public void TenThousandIdenticalFaces()
    {
        var d = GaussianPeople(1, 1, 0.3, 2).Faces[0].Descriptor;
        var faces = Enumerable.Range(0, 10_000).Select(i => Face($"same{i:D5}", d)).ToList();
        // Every pair is an edge, so the work is quadratic by nature (10^8 pairs for DBSCAN, a 3000^2 matrix for
        // average linkage); how long it takes is measured in bench/ (ClusterBench), not here.
        foreach (var (algorithm, count) in new[] { (ClusteringAlgorithm.DBSCAN, 10_000), (ClusteringAlgorithm.Agglomerative, 3_000) })
        {
            var c = Assert.Single(FaceClusterer.Cluster(faces.Take(count).ToList(), new ClusteringOptions { Algorithm = algorithm }));
            Assert.Equal(count, c.Count);
            Assert.Equal("same00000", c.Medoid.Id);
            Assert.Equal(0, c.MaxDistance);
        }
        var cw = FaceClusterer.Cluster(faces.Take(2000).ToList(), new ClusteringOptions { Algorithm = ClusteringAlgorithm.ChineseWhispers });
        Assert.Equal(2000, Assert.Single(cw).Count);
    }

    [Fact]
    public void ValidationNamesTheOffendingFace()
    {
        var good = GaussianPeople(1, 3, 0.3, 3).Faces;
        var nan = (float[])good[0].Descriptor.Clone();
        nan[17] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => FaceClusterer.Cluster([.. good, Face("bad-nan", nan)]));
        Assert.Contains("bad-nan", ex.Message);
        var inf = (float[])good[0].Descriptor.Clone();
        inf[3] = float.PositiveInfinity;
        Assert.Contains("bad-inf", Assert.Throws<ArgumentException>(() => FaceClusterer.Validate([.. good, Face("bad-inf", inf)])).Message);
        Assert.Contains("short", Assert.Throws<ArgumentException>(() => FaceClusterer.Validate([Face("short", new float[64])])).Message);
        ex = Assert.Throws<ArgumentException>(() => FaceClusterer.Cluster([.. good, Face("other-model", good[0].Descriptor, model: "arcface")]));
        Assert.Contains("other-model", ex.Message);
        Assert.Contains("arcface", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => FaceClusterer.Validate([good[0], Face(good[0].Id, good[1].Descriptor)]));
        Assert.Contains(good[0].Id, ex.Message);
        Assert.Contains("more than once", ex.Message);
        Assert.Throws<ArgumentException>(() => FaceClusterer.Cluster(good, new ClusteringOptions { Epsilon = double.NaN }));
        Assert.Throws<ArgumentException>(() => FaceClusterer.Cluster(good, new ClusteringOptions { MinSamples = 0 }));
        Assert.Throws<ArgumentException>(() => FaceClusterer.Cluster(good, new ClusteringOptions { Threshold = -1 }));
    }

    [Fact]
    public void MedoidHasTheLeastTotalDistance()
    {
        var emb = new Embedding(1, 5);
        // On a line at 0, 0.1, 0.2, 0.45: totals 0.75, 0.55, 0.55, 1.2 -> tie between b and c, smallest Id wins.
        var faces = new[] { 0.0, 0.1, 0.2, 0.45 }.Select((x, i) => Face(((char)('a' + i)).ToString(), emb.Embed(x))).ToList();
        var c = Assert.Single(FaceClusterer.Cluster(Shuffled(faces, 1), new ClusteringOptions { Threshold = 1.0 }));
        Assert.Equal("b", c.Medoid.Id);
        Assert.Equal((0.1 + 0.1 + 0.35) / 3, c.MeanDistance, 4);
        Assert.Equal(0.35, c.MaxDistance, 4);

        var (people, _) = GaussianPeople(1, 60, 0.4, 6);
        var cluster = Assert.Single(FaceClusterer.Cluster(people, new ClusteringOptions { Threshold = 2 }));
        var totals = people.ToDictionary(f => f.Id, f => people.Sum(g => Distance(f.Descriptor, g.Descriptor)));
        Assert.Equal(totals.MinBy(kv => kv.Value).Key, cluster.Medoid.Id);
    }

    [Fact]
    public void MetricsOnKnownExamples()
    {
        var perfect = ClusteringMetrics.Evaluate([0, 0, 1, 1, -1], [5, 5, 7, 7, 9]);
        Assert.Equal(1, perfect.PairwiseF1);
        Assert.Equal(1, perfect.BCubedF1);
        Assert.Equal(3, perfect.PredictedClusters);

        // All in one cluster vs truth {a,a,b,b}: 2 true pairs of 6 predicted pairs.
        var merged = ClusteringMetrics.Evaluate([0, 0, 0, 0], [1, 1, 2, 2]);
        Assert.Equal(2.0 / 6, merged.PairwisePrecision, 10);
        Assert.Equal(1, merged.PairwiseRecall);
        Assert.Equal(0.5, merged.BCubedPrecision, 10);
        Assert.Equal(1, merged.BCubedRecall);
        Assert.Equal(2 * 0.5 / 1.5, merged.BCubedF1, 10);

        // Noise labels are singletons: truth {a,a,a}, predicted {0, noise, noise}.
        var noisy = ClusteringMetrics.Evaluate([0, -1, -1], [3, 3, 3]);
        Assert.Equal(1, noisy.PairwisePrecision);
        Assert.Equal(0, noisy.PairwiseRecall);
        Assert.Equal(0, noisy.PairwiseF1);
        Assert.Equal(1, noisy.BCubedPrecision);
        Assert.Equal(1.0 / 3, noisy.BCubedRecall, 10);

        // Classic example: predicted {0,0,0,1,1,1}, truth {0,0,1,1,1,1}.
        var mixed = ClusteringMetrics.Evaluate([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]);
        Assert.Equal(4.0 / 6, mixed.PairwisePrecision, 10);   // tp = 1 + 3 = 4 of 3 + 3 predicted pairs
        Assert.Equal(4.0 / 7, mixed.PairwiseRecall, 10);      // true pairs 1 + 6 = 7
        Assert.Equal((2 * 2.0 / 3 + 1.0 / 3 + 3 * 1.0) / 6, mixed.BCubedPrecision, 10);
        Assert.Equal((2 * 1.0 + 1.0 / 4 + 3 * 3.0 / 4) / 6, mixed.BCubedRecall, 10);
    }

    [Theory]
    [InlineData(MatchMode.NearestNeighbor)]
    [InlineData(MatchMode.Medoid)]
    public void MatcherAssignsKnownPeopleAndReportsUnknown(MatchMode mode)
    {
        var (faces, truth) = GaussianPeople(5, 21, 0.3, 31);
        var reference = faces.Where((_, i) => i % 21 != 0).ToList();
        var queries = faces.Where((_, i) => i % 21 == 0).ToList();
        var clusters = FaceClusterer.Cluster(reference, new ClusteringOptions());
        Assert.Equal(5, clusters.Count);
        clusters[0].Label = "Alice";
        var matcher = new FaceMatcher(clusters, new MatchOptions { Mode = mode });
        var results = matcher.Match(queries);
        for (int k = 0; k < queries.Count; k++)
        {
            var r = results[k];
            Assert.False(r.IsUnknown);
            Assert.Same(queries[k], r.Face);
            var expected = clusters.Single(c => c.Faces.Any(f => truth[faces.IndexOf(f)] == truth[faces.IndexOf(queries[k])]));
            Assert.Equal(expected.Label, r.Label);
            Assert.Equal(expected.Id, r.ClusterId);
            Assert.InRange(r.Distance, 0, 0.6);
            // The runner-up is the nearest face of anybody else, found by brute force here.
            var (runnerUp, runnerUpDistance) = clusters.Where(c => c.Label != r.Label)
                .SelectMany(c => c.Faces.Select(f => (c.Label, D: (double)FaceDistance.Euclidean(queries[k].Descriptor, f.Descriptor))))
                .MinBy(x => x.D);
            if (mode == MatchMode.NearestNeighbor)
            {
                Assert.Equal(runnerUp, r.RunnerUpLabel);
                Assert.Equal(runnerUpDistance, r.RunnerUpDistance, 5);
            }
            Assert.NotEqual(r.Label, r.RunnerUpLabel);
            Assert.True(r.Margin > 0, $"margin {r.Margin}");
        }
        Assert.Contains(results, r => r.Label == "Alice");

        var stranger = GaussianPeople(1, 1, 0.3, 99, prefix: "stranger").Faces[0];
        var unknown = matcher.Match(stranger);
        Assert.True(unknown.IsUnknown);
        Assert.Equal(FaceMatch.UnknownLabel, unknown.Label);
        Assert.Null(unknown.ClusterId);
        Assert.True(unknown.Distance > 0.6);
        Assert.NotNull(unknown.NearestLabel);

        // A strict threshold makes everyone unknown; a model mismatch is refused.
        Assert.All(new FaceMatcher(clusters, new MatchOptions { Threshold = 0.05, Mode = mode }).Match(queries), r => Assert.True(r.IsUnknown));
        Assert.Throws<ArgumentException>(() => matcher.Match(Face("m", stranger.Descriptor, model: "other")));
        Assert.True(new FaceMatcher(Array.Empty<KnownPerson>()).Match(stranger).IsUnknown);
    }

    [Fact]
    public void CancellationIsHonoured()
    {
        var (faces, _) = GaussianPeople(20, 50, 0.3, 41);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => FaceClusterer.Cluster(faces, new ClusteringOptions(), null, cts.Token));
    }

    [Fact]
    public void ProgressIsReported()
    {
        var (faces, _) = GaussianPeople(4, 30, 0.3, 51);
        var stages = new List<string>();
        FaceClusterer.Cluster(faces, new ClusteringOptions(), new SyncProgress(p => { lock (stages) stages.Add(p.Stage); }));
        Assert.Contains("Neighbours", stages);
        Assert.Contains("Medoids", stages);
    }

    private sealed class SyncProgress(Action<ClusteringProgress> action) : IProgress<ClusteringProgress>
    {
        public void Report(ClusteringProgress value) => action(value);
    }
}
