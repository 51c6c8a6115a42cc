using FaceCluster.Clustering;
using static FaceCluster.Tests.Clustering.ClusterTestData;

namespace FaceCluster.Tests.Clustering;

/// <summary>The engine at other descriptor lengths (1024-d unit vectors as a larger model gives) and without the neighbour graph.</summary>
public class DimensionTests
{
    /// <summary>
    /// People as random unit directions in <paramref name="dim"/>-d, faces the direction plus isotropic noise, renormalised:
    /// same-person distances about 0.6-0.8, different people about 1.4 (as a 1024-d L2-normalised model).
    /// </summary>
    internal static (List<FaceEncoding> Faces, int[] Truth) UnitPeople(int dim, int people, int perPerson, int loners, int seed, string prefix = "u")
    {
        var rnd = new Random(seed);
        var faces = new List<FaceEncoding>();
        var truth = new List<int>();
        void Person(int id, int count)
        {
            var centre = Unit(rnd, dim, null, 0);
            for (int k = 0; k < count; k++)
            {
                faces.Add(Face($"{prefix}{id:D4}_{k:D3}", Unit(rnd, dim, centre, 0.5)));
                truth.Add(id);
            }
        }
        for (int p = 0; p < people; p++) Person(p, perPerson);
        for (int l = 0; l < loners; l++) Person(people + l, 1);
        return (faces, truth.ToArray());
    }

    internal static float[] Unit(Random rnd, int dim, float[]? centre, double noise)
    {
        var v = new double[dim];
        for (int i = 0; i < dim; i++) v[i] = (centre?[i] ?? 0) + (centre is null ? 1 : noise / Math.Sqrt(dim)) * Gaussian(rnd);
        double n = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => (float)(x / n)).ToArray();
    }

    private static int[] Labels(IReadOnlyList<FaceEncoding> faces, ClusteringOptions options)
    {
        var sorted = FaceClusterer.Canonical(faces);
        return FaceClusterer.Labels(new DescriptorMatrix(sorted), sorted, options, null, default);
    }

    /// <summary>Whether two labelings are the same partition with the same noise.</summary>
    private static void AssertSamePartition(int[] expected, int[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var forward = new Dictionary<int, int>();
        var backward = new Dictionary<int, int>();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i] < 0, actual[i] < 0);
            if (expected[i] < 0) continue;
            Assert.Equal(forward.TryAdd(expected[i], actual[i]) ? actual[i] : forward[expected[i]], actual[i]);
            Assert.Equal(backward.TryAdd(actual[i], expected[i]) ? expected[i] : backward[actual[i]], expected[i]);
        }
    }

    [Theory]
    [InlineData(ClusteringAlgorithm.ChineseWhispers)]
    [InlineData(ClusteringAlgorithm.DBSCAN)]
    [InlineData(ClusteringAlgorithm.Agglomerative)]
    public void PlantedPeopleAreRecoveredExactlyAt1024Dimensions(ClusteringAlgorithm algorithm)
    {
        var (faces, truth) = UnitPeople(1024, 40, 12, 30, 3);
        var byId = faces.Select((f, i) => (f.Id, truth[i])).ToDictionary(x => x.Id, x => x.Item2, StringComparer.Ordinal);
        var labels = Labels(Shuffled(faces, 5), new ClusteringOptions { Algorithm = algorithm, Threshold = 1.0, Epsilon = 1.0 });
        var sorted = FaceClusterer.Canonical(faces);
        // The loners are noise for DBSCAN (min_samples 2) and singletons otherwise.
        var expected = sorted.Select(f => byId[f.Id] >= 40 ? (algorithm == ClusteringAlgorithm.DBSCAN ? -1 : 1000 + byId[f.Id]) : byId[f.Id]).ToArray();
        AssertSamePartition(expected, labels);
    }

    [Theory]
    [InlineData(1024, 1.0, true)]
    [InlineData(1024, 1.1, false)]
    [InlineData(37, 0.9, true)]
    [InlineData(1001, 1.0, false)]
    public void RadiusGraphEqualsBruteForceAtAnyLength(int dim, double r, bool inclusive)
    {
        var (faces, _) = UnitPeople(dim, 15, 10, 40, dim);
        var m = new DescriptorMatrix(faces);
        Assert.Equal(dim, m.Dim);
        Assert.True(AssertRadiusGraphIsBruteForce(m, r, inclusive) > 0);
    }

    /// <summary>DBSCAN without the graph gives exactly the labels of the graph algorithm (the former implementation).</summary>
    [Theory]
    [InlineData(128, 0.5, 2, 1)]
    [InlineData(128, 0.44, 4, 2)]
    [InlineData(1024, 1.0, 2, 1)]
    [InlineData(1024, 0.95, 5, 1)]
    public void DbscanWithoutTheGraphEqualsTheGraphAlgorithm(int dim, double eps, int minSamples, int threads)
    {
        var faces = dim == 128
            ? [.. GaussianPeople(25, 30, 0.32, 11).Faces, .. GaussianPeople(60, 1, 0.32, 13, "loner").Faces]
            : UnitPeople(dim, 25, 20, 60, 12).Faces;
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var graph = RadiusIndex.BuildGraph(m, (float)eps, true, threads, null, default);
        var expected = Dbscan.Run(graph, minSamples, CannotLink.Empty(m.Count), default);
        var got = Dbscan.RunWithoutGraph(m, (float)eps, minSamples, threads, null, default, out var core);
        Assert.Equal(Dbscan.CoreFlags(graph, minSamples), core);
        Assert.Equal(expected, got);
        Assert.Contains(expected, l => l < 0);
        Assert.True(expected.Max() > 5, $"{expected.Max() + 1} clusters");
    }

    /// <summary>
    /// Items that stand for several faces (tracks collapsed to their mean descriptor): the graph-free DBSCAN counts their
    /// faces towards min_samples exactly as the graph algorithm does, so both give the same core flags and labels, and
    /// the weights change who is core.
    /// </summary>
    [Theory]
    [InlineData(128, 0.44, 4, 1)]
    [InlineData(128, 0.5, 6, 2)]
    [InlineData(1024, 0.95, 5, 2)]
    [InlineData(1024, 0.84, 4, 1)]
    public void DbscanWithoutTheGraphCountsTrackWeightsAsTheGraphAlgorithm(int dim, double eps, int minSamples, int threads)
    {
        // Small people (pairs) and loners are where weights decide: 2 faces are never 4, 2 tracks of 2-4 faces may be.
        List<FaceEncoding> faces = dim == 128
            ? [.. GaussianPeople(25, 12, 0.32, 17).Faces, .. GaussianPeople(30, 2, 0.32, 18, "pair").Faces, .. GaussianPeople(60, 1, 0.32, 19, "loner").Faces]
            : [.. UnitPeople(dim, 25, 8, 60, 23).Faces, .. UnitPeople(dim, 30, 2, 0, 24, "pair").Faces];
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var rnd = new Random(dim + minSamples);
        var weights = Enumerable.Range(0, m.Count).Select(_ => rnd.Next(1, 5)).ToArray();
        var graph = RadiusIndex.BuildGraph(m, (float)eps, true, threads, null, default);
        var expected = Dbscan.Run(graph, minSamples, CannotLink.Empty(m.Count), default, weights);
        var got = Dbscan.RunWithoutGraph(m, (float)eps, minSamples, threads, null, default, out var core, weights);
        Assert.Equal(Dbscan.CoreFlags(graph, minSamples, weights), core);
        Assert.NotEqual(Dbscan.CoreFlags(graph, minSamples), core);
        Assert.Equal(expected, got);
        Assert.Contains(expected, l => l < 0);
        Assert.True(expected.Max() > 5, $"{expected.Max() + 1} clusters");
    }

    /// <summary>
    /// The FaceRes radius (0.84, strict) at 1024-d over more than one leaf per block, so that the two-query kernel
    /// (Dot2x4) and its per-query candidate ranges decide most pairs: the graph is still the brute-force one.
    /// </summary>
    [Fact]
    public void RadiusGraphEqualsBruteForceAtTheFaceResRadius()
    {
        var (faces, _) = UnitPeople(1024, 12, 40, 30, 31);
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        Assert.True(AssertRadiusGraphIsBruteForce(m, 0.84, false) > 1000);
    }

    /// <summary>One person seen 4,000 times: 8 million neighbour pairs the graph-free DBSCAN never lists.</summary>
    [Fact]
    public void OneDensePersonIsOneCluster()
    {
        var (faces, _) = UnitPeople(1024, 1, 4000, 3, 21);
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var labels = Dbscan.RunWithoutGraph(m, 1.0f, 2, 2, null, default, out var core);
        Assert.Equal(4000, labels.Count(l => l == 0));
        Assert.Equal(3, labels.Count(l => l == Noise));
        Assert.Equal(4000, core.Count(c => c));
    }

    private const int Noise = Dbscan.Noise;

    /// <summary>Above the exact limit the medoid is sampled: its own statistics are exact and its summed distance is within 0.1 % of the least.</summary>
    [Fact]
    public void SampledMedoidOfALargeClusterIsNearlyTheLeastTotalDistance()
    {
        var (faces, _) = GaussianPeople(1, FaceClusterer.ExactMedoidLimit + 300, 0.3, 77);
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var all = Enumerable.Range(0, m.Count).ToArray();
        var (medoid, mean, max) = FaceClusterer.Medoid(m, all, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        var totals = new double[m.Count];
        Parallel.For(0, m.Count, i => { for (int j = 0; j < m.Count; j++) totals[i] += m.Distance(i, j); });
        Assert.Equal(totals[medoid] / (m.Count - 1), mean, 9);
        Assert.Equal(all.Max(j => m.Distance(medoid, j)), max, 6);
        Assert.True(totals[medoid] <= totals.Min() * 1.001, $"sampled medoid total {totals[medoid]} against the least {totals.Min()}");
    }

    [Fact]
    public void DescriptorsOfDifferentLengthsAreRefused()
    {
        var faces = new List<FaceEncoding> { Face("a", new float[1024]), Face("b", new float[1024]), Face("c", new float[128]) };
        var e = Assert.Throws<ArgumentException>(() => new DescriptorMatrix(faces));
        Assert.Contains("'c'", e.Message);
    }
}
