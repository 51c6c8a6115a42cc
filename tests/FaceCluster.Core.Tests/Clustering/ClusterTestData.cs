using FaceCluster.Clustering;

namespace FaceCluster.Tests.Clustering;

/// <summary>Synthetic faces for the clustering tests.</summary>
internal static class ClusterTestData
{
    /// <summary>Clusters the faces (already valid) and returns the warnings the engine reported on the way.</summary>
    public static (IReadOnlyList<FaceCluster> Clusters, List<string> Warnings) ClusterCollectingWarnings(IReadOnlyList<FaceEncoding> faces, ClusteringOptions options)
    {
        var warnings = new List<string>();
        var clusters = FaceClusterer.ClusterValidated(faces, options, new WarningCollector(warnings), default);
        return (clusters, warnings);
    }

    private sealed class WarningCollector(List<string> warnings) : IProgress<ClusteringProgress>
    {
        public void Report(ClusteringProgress value)
        {
            if (value.Warning is { } w) lock (warnings) warnings.Add(w);
        }
    }

    public const string Model = "test-model";
    private static readonly FaceLandmarks Marks = FaceLandmarks.FromArray(Enumerable.Repeat(new FacePoint(0, 0), 6).ToArray());

    public static FaceEncoding Face(string id, float[] descriptor, string? path = null, string model = Model,
        string? video = null, int? frame = null) => new()
    {
        Id = id,
        Path = path ?? $"/img/{id}.jpg",
        VideoPath = video,
        FrameIndex = frame,
        Box = new FaceBox(0, 0, 10, 10),
        Landmarks = Marks,
        Descriptor = descriptor,
        Model = model,
    };

    /// <summary>An orthonormal basis of <paramref name="dims"/> random directions in 128-d, plus an offset of norm ~1.45.</summary>
    public sealed class Embedding
    {
        private readonly double[][] _basis;
        private readonly double[] _offset;

        public Embedding(int dims, int seed)
        {
            var rnd = new Random(seed);
            _basis = new double[dims][];
            for (int k = 0; k < dims; k++)
            {
                var v = Enumerable.Range(0, 128).Select(_ => Gaussian(rnd)).ToArray();
                for (int j = 0; j < k; j++)
                {
                    double dot = 0;
                    for (int i = 0; i < 128; i++) dot += v[i] * _basis[j][i];
                    for (int i = 0; i < 128; i++) v[i] -= dot * _basis[j][i];
                }
                double norm = Math.Sqrt(v.Sum(x => x * x));
                _basis[k] = v.Select(x => x / norm).ToArray();
            }
            // An offset orthogonal to the basis, so that low-d distances are exactly the 128-d distances (up to float rounding).
            var o = Enumerable.Range(0, 128).Select(_ => Gaussian(rnd)).ToArray();
            foreach (var b in _basis)
            {
                double dot = 0;
                for (int i = 0; i < 128; i++) dot += o[i] * b[i];
                for (int i = 0; i < 128; i++) o[i] -= dot * b[i];
            }
            double on = Math.Sqrt(o.Sum(x => x * x));
            _offset = o.Select(x => x / on * 1.45).ToArray();
        }

        public float[] Embed(params double[] low)
        {
            var v = (double[])_offset.Clone();
            for (int k = 0; k < low.Length; k++)
            {
                for (int i = 0; i < 128; i++) v[i] += low[k] * _basis[k][i];
            }
            return v.Select(x => (float)x).ToArray();
        }
    }

    public static double Gaussian(Random rnd)
    {
        double u1 = 1.0 - rnd.NextDouble(), u2 = rnd.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Realistic descriptor clusters: centres of norm 1.45 about 0.95 apart, faces ~<paramref name="radius"/>
    /// from their centre. Returns faces and the true person index of each.
    /// </summary>
    public static (List<FaceEncoding> Faces, List<int> Truth) GaussianPeople(int people, int perPerson, double radius, int seed, string prefix = "f")
    {
        var rnd = new Random(seed);
        var common = RandomUnit(rnd);
        var faces = new List<FaceEncoding>();
        var truth = new List<int>();
        for (int p = 0; p < people; p++)
        {
            var u = RandomUnit(rnd);
            var c = new double[128];
            for (int i = 0; i < 128; i++) c[i] = Math.Sqrt(0.785) * common[i] + Math.Sqrt(0.215) * u[i];
            double cn = Math.Sqrt(c.Sum(x => x * x));
            for (int i = 0; i < 128; i++) c[i] *= 1.45 / cn;
            for (int k = 0; k < perPerson; k++)
            {
                var d = new float[128];
                double sigma = radius / Math.Sqrt(128);
                for (int i = 0; i < 128; i++) d[i] = (float)(c[i] + sigma * Gaussian(rnd));
                faces.Add(Face($"{prefix}{p:D3}_{k:D3}", d));
                truth.Add(p);
            }
        }
        return (faces, truth);
    }

    public static double[] RandomUnit(Random rnd)
    {
        var v = Enumerable.Range(0, 128).Select(_ => Gaussian(rnd)).ToArray();
        double n = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / n).ToArray();
    }

    public static double Distance(float[] a, float[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
        return Math.Sqrt(s);
    }

    public static List<T> Shuffled<T>(IEnumerable<T> items, int seed)
    {
        var list = items.ToList();
        var rnd = new Random(seed);
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rnd.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    /// <summary>A readable fingerprint of a clustering result: ids, labels, faces, medoids, stats.</summary>
    public static string Fingerprint(IReadOnlyList<FaceCluster> clusters) => string.Join("\n", clusters.Select(c =>
        $"{c.Id}|{c.Label}|{c.IsNoise}|{c.Count}|{c.Medoid.Id}|{c.MeanDistance:R}|{c.MaxDistance:R}|{string.Join(",", c.Faces.Select(f => f.Id))}"));

    /// <summary>Every face within <paramref name="r"/> of face <paramref name="p"/> by the canonical distance (itself excluded), in index order.</summary>
    public static List<int> BruteForceNeighbours(DescriptorMatrix m, int p, double r, bool inclusive)
    {
        var neighbours = new List<int>();
        for (int q = 0; q < m.Count; q++)
        {
            if (q == p) continue;
            float d = m.Distance(p, q);
            if (inclusive ? d <= r : d < r) neighbours.Add(q);
        }
        return neighbours;
    }

    /// <summary>Checks the radius graph (2 threads) row by row against every pair's canonical distance; returns its edge count.</summary>
    public static long AssertRadiusGraphIsBruteForce(DescriptorMatrix m, double r, bool inclusive, bool projection = false)
    {
        var graph = RadiusIndex.BuildGraph(m, (float)r, inclusive, 2, null, default, projection);
        for (int p = 0; p < m.Count; p++)
        {
            var expected = BruteForceNeighbours(m, p, r, inclusive);
            Assert.Equal(expected, graph.Neighbors(p).ToArray());
        }
        return graph.EdgeCount;
    }

    /// <summary>Cluster index of each face id (noise = -1).</summary>
    public static Dictionary<string, int> LabelOf(IReadOnlyList<FaceCluster> clusters)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in clusters) foreach (var f in c.Faces) map[f.Id] = c.IsNoise ? -1 : c.Id;
        return map;
    }
}
