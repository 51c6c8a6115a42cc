using FaceCluster.Clustering;
using static FaceCluster.Tests.Clustering.ClusterTestData;

namespace FaceCluster.Tests.Clustering;

public class AlgorithmTests
{
    /// <summary>Random low-dimensional blobs plus scattered points, embedded in 128-d.</summary>
    private static List<FaceEncoding> LowDimensional(int n, int dims, int seed)
    {
        var rnd = new Random(seed);
        var emb = new Embedding(dims, seed + 1);
        var centres = Enumerable.Range(0, 4).Select(_ => Enumerable.Range(0, dims).Select(_ => rnd.NextDouble() * 3).ToArray()).ToArray();
        var faces = new List<FaceEncoding>();
        for (int i = 0; i < n; i++)
        {
            double[] low = rnd.NextDouble() < 0.75
                ? centres[rnd.Next(centres.Length)].Select(c => c + 0.25 * Gaussian(rnd)).ToArray()
                : Enumerable.Range(0, dims).Select(_ => rnd.NextDouble() * 3).ToArray();
            faces.Add(Face($"p{i:D4}", emb.Embed(low)));
        }
        return faces;
    }

    [Theory]
    [InlineData(2, 0.20, 2, 1)]
    [InlineData(2, 0.25, 4, 2)]
    [InlineData(3, 0.30, 5, 3)]
    [InlineData(3, 0.40, 3, 4)]
    public void DbscanEqualsTheDefinition(int dims, double eps, int minSamples, int seed)
    {
        var faces = LowDimensional(400, dims, seed);
        int n = faces.Count;
        var sorted = faces.OrderBy(f => f.Id, StringComparer.Ordinal).ToArray();
        // The definition, read directly: N(p) = {q : d(p,q) <= eps} (p included); p is core when |N(p)| >= minSamples.
        var nbrs = new List<int>[n];
        for (int p = 0; p < n; p++)
        {
            nbrs[p] = [];
            for (int q = 0; q < n; q++)
                if (Distance(sorted[p].Descriptor, sorted[q].Descriptor) <= eps) nbrs[p].Add(q);
        }
        var core = nbrs.Select(l => l.Count >= minSamples).ToArray();
        // Clusters: core points connected through core points, numbered by their smallest core point;
        // a border point (non-core with a core neighbour) joins the cluster with the smallest such number; the rest is noise.
        var comp = Enumerable.Repeat(-1, n).ToArray();
        int next = 0;
        for (int s = 0; s < n; s++)
        {
            if (!core[s] || comp[s] >= 0) continue;
            var stack = new Stack<int>([s]);
            comp[s] = next;
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                foreach (int q in nbrs[p]) if (core[q] && comp[q] < 0) { comp[q] = next; stack.Push(q); }
            }
            next++;
        }
        var expected = new int[n];
        for (int p = 0; p < n; p++)
        {
            expected[p] = core[p] ? comp[p] : nbrs[p].Where(q => core[q]).Select(q => comp[q]).DefaultIfEmpty(-1).Min();
        }

        var graph = RadiusIndex.BuildGraph(new DescriptorMatrix(sorted), (float)eps, true, 2, null, default);
        Assert.Equal(core, Dbscan.CoreFlags(graph, minSamples));

        var clusters = FaceClusterer.Cluster(Shuffled(faces, 7), new ClusteringOptions
        {
            Algorithm = ClusteringAlgorithm.DBSCAN, Epsilon = eps, MinSamples = minSamples, IncludeNoise = true,
        });
        var got = LabelOf(clusters);
        Assert.Equal(n, got.Count);
        Assert.True(core.Count(c => c) > 0 && expected.Any(e => e < 0), "the data should have both core and noise points");
        // Same partition and same noise.
        var pairs = new Dictionary<int, int>();
        for (int p = 0; p < n; p++)
        {
            int g = got[sorted[p].Id];
            Assert.Equal(expected[p] < 0, g < 0);
            if (expected[p] < 0) continue;
            if (pairs.TryGetValue(expected[p], out int prev)) Assert.Equal(prev, g);
            else pairs[expected[p]] = g;
        }
        Assert.Equal(pairs.Count, pairs.Values.Distinct().Count());
    }

    [Theory]
    [InlineData(0.3, true)]
    [InlineData(0.5, false)]
    [InlineData(0.9, true)]
    public void RadiusGraphEqualsBruteForce(double r, bool inclusive)
    {
        var (faces, _) = GaussianPeople(30, 20, 0.35, 5);
        faces.AddRange(LowDimensional(300, 3, 9));
        AssertRadiusGraphIsBruteForce(new DescriptorMatrix(faces), r, inclusive);
    }

    [Fact]
    public void ChineseWhispersSplitsTwoCliquesJoinedByOneWeakEdge()
    {
        var emb = new Embedding(2, 3);
        double[][] a = [[0, 0], [0, 0.1], [0, -0.1], [0.05, 0], [0.3, 0]];
        double[][] b = [[0.9, 0], [0.9, 0.1], [0.9, -0.1], [0.85, 0], [0.6, 0]];
        var faces = a.Select((p, i) => Face($"a{i}", emb.Embed(p))).Concat(b.Select((p, i) => Face($"b{i}", emb.Embed(p)))).ToList();
        var clusters = FaceClusterer.Cluster(faces, new ClusteringOptions { Algorithm = ClusteringAlgorithm.ChineseWhispers, Threshold = 0.5 });
        Assert.Equal(2, clusters.Count);
        Assert.Equal(["a0", "a1", "a2", "a3", "a4"], clusters.Single(c => c.Faces.Any(f => f.Id == "a0")).Faces.Select(f => f.Id));
        Assert.Equal(["b0", "b1", "b2", "b3", "b4"], clusters.Single(c => c.Faces.Any(f => f.Id == "b0")).Faces.Select(f => f.Id));
        // Same size: the cluster with the smaller first Id comes first.
        Assert.Equal("a0", clusters[0].Faces[0].Id);
        Assert.Equal("Person_1", clusters[0].Label);
    }

    [Theory]
    [InlineData(ClusteringAlgorithm.Agglomerative)]
    [InlineData(ClusteringAlgorithm.ChineseWhispers)]
    [InlineData(ClusteringAlgorithm.DBSCAN)]
    public void SeparatedGaussianPeopleAreRecovered(ClusteringAlgorithm algorithm)
    {
        var (faces, truth) = GaussianPeople(8, 25, 0.3, 11);
        var truthOf = faces.Select((f, i) => (f.Id, truth[i])).ToDictionary(x => x.Id, x => x.Item2.ToString());
        var clusters = FaceClusterer.Cluster(faces, new ClusteringOptions { Algorithm = algorithm, IncludeNoise = true });
        var scores = ClusteringMetrics.Evaluate(clusters, f => truthOf[f.Id]);
        Assert.Equal(8, clusters.Count);
        Assert.Equal(1.0, scores.PairwiseF1);
        Assert.All(clusters, c => Assert.Equal(25, c.Count));
        Assert.All(clusters, c => Assert.InRange(c.MeanDistance, 0.3, 0.5));
    }

    /// <summary>Average linkage read literally: repeatedly merge the allowed pair with the least average distance while it is below t.</summary>
    private static List<HashSet<int>> NaiveAverageLinkage(IReadOnlyList<FaceEncoding> sorted, double t, bool cannotLink)
    {
        int n = sorted.Count;
        var d = new double[n, n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) d[i, j] = Distance(sorted[i].Descriptor, sorted[j].Descriptor);
        var clusters = Enumerable.Range(0, n).Select(i => new HashSet<int> { i }).ToList();
        bool SameImage(int a, int b) => sorted[a].Path == sorted[b].Path;
        while (true)
        {
            double best = double.PositiveInfinity;
            int bi = -1, bj = -1;
            for (int i = 0; i < clusters.Count; i++)
            for (int j = i + 1; j < clusters.Count; j++)
            {
                if (cannotLink && clusters[i].Any(a => clusters[j].Any(b => SameImage(a, b)))) continue;
                double avg = clusters[i].Sum(a => clusters[j].Sum(b => d[a, b])) / (clusters[i].Count * clusters[j].Count);
                if (avg < best) { best = avg; bi = i; bj = j; }
            }
            if (bi < 0 || !(best < t)) return clusters;
            clusters[bi].UnionWith(clusters[bj]);
            clusters.RemoveAt(bj);
        }
    }

    [Theory]
    [InlineData(1, 0.6, false)]
    [InlineData(2, 0.45, false)]
    [InlineData(3, 0.6, true)]
    [InlineData(4, 0.8, true)]
    public void AgglomerativeEqualsNaiveAverageLinkage(int seed, double t, bool cannotLink)
    {
        var rnd = new Random(seed);
        var (people, _) = GaussianPeople(6, 12, 0.45, seed);
        // Put some faces in shared images so that cannot-link matters.
        var faces = people.Select((f, i) => Face(f.Id, f.Descriptor, path: rnd.Next(4) == 0 ? $"/img/shared{rnd.Next(10)}.jpg" : null)).ToList();
        faces.AddRange(LowDimensional(40, 3, seed + 100).Take(40));
        var sorted = faces.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
        var expected = NaiveAverageLinkage(sorted, t, cannotLink)
            .Select(c => string.Join(",", c.OrderBy(i => i).Select(i => sorted[i].Id))).OrderBy(s => s, StringComparer.Ordinal).ToList();
        var clusters = FaceClusterer.Cluster(faces, new ClusteringOptions { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = t, UseCannotLink = cannotLink });
        var got = clusters.Select(c => string.Join(",", c.Faces.Select(f => f.Id))).OrderBy(s => s, StringComparer.Ordinal).ToList();
        Assert.Equal(expected, got);
    }

    [Theory]
    [InlineData(ClusteringAlgorithm.Agglomerative)]
    [InlineData(ClusteringAlgorithm.ChineseWhispers)]
    [InlineData(ClusteringAlgorithm.DBSCAN)]
    public void CannotLinkSplitsTwoFacesOfTheSameImage(ClusteringAlgorithm algorithm)
    {
        var emb = new Embedding(2, 4);
        var faces = new List<FaceEncoding>
        {
            Face("x1", emb.Embed(0, 0), path: "/img/group.jpg"),
            Face("x2", emb.Embed(0.1, 0), path: "/img/group.jpg"),
        };
        var options = new ClusteringOptions { Algorithm = algorithm, IncludeNoise = true, MinSamples = 1, UseCannotLink = false };
        Assert.Single(FaceClusterer.Cluster(faces, options));
        options.UseCannotLink = true;
        var split = FaceClusterer.Cluster(faces, options);
        Assert.Equal(2, split.Count);

        // Frames of one video are one image too, even when the frame files differ.
        var frames = new List<FaceEncoding>
        {
            Face("y1", emb.Embed(0, 0), path: "/f/a.jpg", video: "/v.mp4", frame: 7),
            Face("y2", emb.Embed(0.1, 0), path: "/f/b.jpg", video: "/v.mp4", frame: 7),
            Face("y3", emb.Embed(0.05, 0.05), path: "/f/c.jpg", video: "/v.mp4", frame: 8),
        };
        var byFrame = FaceClusterer.Cluster(frames, options);
        Assert.All(byFrame, c => Assert.False(c.Faces.Any(f => f.Id == "y1") && c.Faces.Any(f => f.Id == "y2")));
    }

    [Fact]
    public void CannotLinkInAGroupPhotoKeepsEveryoneApart()
    {
        // Twenty faces of one photo that all look alike: they must end in twenty clusters, for every algorithm.
        var emb = new Embedding(2, 8);
        var faces = Enumerable.Range(0, 20).Select(i => Face($"g{i:D2}", emb.Embed(i * 0.01, 0), path: "/img/crowd.jpg")).ToList();
        foreach (var algorithm in Enum.GetValues<ClusteringAlgorithm>())
        {
            var clusters = FaceClusterer.Cluster(faces, new ClusteringOptions { Algorithm = algorithm, MinSamples = 1 });
            Assert.Equal(20, clusters.Count);
        }
    }
}
