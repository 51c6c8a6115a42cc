using FaceCluster.Clustering;
using static FaceCluster.Tests.Clustering.ClusterTestData;
using static FaceCluster.Tests.Clustering.DimensionTests;

namespace FaceCluster.Tests.Clustering;

/// <summary>The projection screen (exact) and the dense-component approximation (DenseCondensation) at 1024-d.</summary>
public class DenseTests
{
    /// <summary>With the screen, the graph at the FaceRes radius is still the brute-force one, and the screen did reject pairs.</summary>
    [Theory]
    [InlineData(0.84, false)]
    [InlineData(0.8, true)]
    public void ProjectionScreenLeavesTheGraphTheBruteForceOne(double r, bool inclusive)
    {
        var (faces, _) = UnitPeople(1024, 12, 40, 30, 41, "s");
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        long before = Interlocked.Read(ref RadiusIndex.BlockProjectedRejects);
        Assert.True(AssertRadiusGraphIsBruteForce(m, r, inclusive, projection: true) > 1000);
        Assert.True(Interlocked.Read(ref RadiusIndex.BlockProjectedRejects) > before, "the screen rejected no pair: the test did not exercise it");
    }

    private static (IReadOnlyList<FaceCluster> Clusters, List<string> Warnings) Cluster(IReadOnlyList<FaceEncoding> faces, ClusteringAlgorithm algorithm,
        double threshold, long budget)
    {
        var options = new ClusteringOptions { Algorithm = algorithm, Threshold = threshold, DegreeOfParallelism = 2, IncludeNoise = true, DenseGraphPairBudget = budget };
        return ClusterCollectingWarnings(faces, options);
    }

    /// <summary>Forced onto the approximation, both algorithms still recover planted people exactly, and say that they approximated.</summary>
    [Theory]
    [InlineData(ClusteringAlgorithm.ChineseWhispers, 0.84)]
    [InlineData(ClusteringAlgorithm.Agglomerative, 0.85)]
    public void ApproximationRecoversPlantedPeopleAndWarns(ClusteringAlgorithm algorithm, double threshold)
    {
        var (faces, truth) = UnitPeople(1024, 8, 60, 0, 43, "d");
        var (clusters, warnings) = Cluster(faces, algorithm, threshold, budget: 0);
        var label = LabelOf(clusters);
        for (int i = 0; i < faces.Count; i++)
        {
            for (int j = i + 1; j < faces.Count; j++)
            {
                Assert.Equal(truth[i] == truth[j], label[faces[i].Id] == label[faces[j].Id]);
            }
        }
        Assert.Contains(warnings, w => w.Contains("approximation", StringComparison.Ordinal));
        var (_, exactWarnings) = Cluster(faces, algorithm, threshold, budget: long.MaxValue);
        Assert.Empty(exactWarnings);
    }

    /// <summary>
    /// Average linkage with video tracks (clustered by their members exactly) falls back to the tracks' mean descriptors
    /// when over budget: the tracks stay whole, the planted people are recovered, and it warns.
    /// </summary>
    [Fact]
    public void AverageLinkageWithTracksFallsBackToTrackMeans()
    {
        var rnd = new Random(61);
        var faces = new List<FaceEncoding>();
        var truth = new Dictionary<string, (int Person, int Track)>();
        for (int p = 0; p < 5; p++)
        {
            var centre = Unit(rnd, 1024, null, 0);
            for (int k = 0; k < 4; k++)
            {
                var look = Unit(rnd, 1024, centre, 0.5);
                for (int f = 0; f < 8; f++)
                {
                    string id = $"t{p}_{k}_{f}";
                    faces.Add(Face(id, Unit(rnd, 1024, look, 0.02), video: $"/v/p{p}t{k}.mp4", frame: f));
                    truth[id] = (p, k);
                }
            }
        }
        var options = new ClusteringOptions { Algorithm = ClusteringAlgorithm.Agglomerative, Threshold = 0.85, DegreeOfParallelism = 2, DenseGraphPairBudget = 0 };
        var (clusters, warnings) = ClusterCollectingWarnings(faces, options);
        Assert.Single(warnings);
        Assert.Equal(5, clusters.Count);
        foreach (var c in clusters) Assert.Single(c.Faces.Select(f => truth[f.Id].Person).Distinct());
        Assert.All(clusters, c => Assert.Equal(32, c.Count));
    }

    /// <summary>One person seen 3,000 times with the graph over budget: one cluster, through the approximation.</summary>
    [Theory]
    [InlineData(ClusteringAlgorithm.ChineseWhispers, 0.84)]
    [InlineData(ClusteringAlgorithm.Agglomerative, 0.85)]
    public void OneDensePersonIsOneClusterThroughTheApproximation(ClusteringAlgorithm algorithm, double threshold)
    {
        var (faces, _) = UnitPeople(1024, 1, 3000, 0, 47, "o");
        var (clusters, warnings) = Cluster(faces, algorithm, threshold, budget: 1000);
        Assert.Single(clusters);
        Assert.Equal(3000, clusters[0].Count);
        Assert.Single(warnings);
    }

    /// <summary>
    /// The cut covers every face once within the budget, and every node narrower than t/2 it keeps whole is a clique of
    /// the "&lt; t" graph (the contract's premise for treating it as a must-link).
    /// </summary>
    [Fact]
    public void CondensedNodesCoverEveryFaceAndNarrowOnesAreCliques()
    {
        var (faces, _) = UnitPeople(1024, 10, 80, 20, 53, "c");
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var index = new RadiusIndex(m, 2, default);
        const float t = 0.84f;
        foreach (int budget in new[] { 1, 7, 40, 4096 })
        {
            var cut = index.Condense(t / 2, budget);
            Assert.InRange(cut.Count, 1, Math.Max(1, budget));
            Assert.Equal(0, cut[0].Start);
            for (int k = 1; k < cut.Count; k++) Assert.Equal(cut[k - 1].End, cut[k].Start);
            Assert.Equal(m.Count, cut[^1].End);
            foreach (var (start, end, _, _) in cut.Where(c => c.Radius < t / 2))
            {
                for (int a = start; a < end; a++)
                    for (int b = a + 1; b < end; b++)
                        Assert.True(m.Distance(index.Order[a], index.Order[b]) < t);
            }
        }
    }

    /// <summary>
    /// The documented sandwich: the exact mean of the face pair distances of two groups lies between the distance of their
    /// means and D = sqrt(|mu_A - mu_B|^2 + var_A + var_B).
    /// </summary>
    [Fact]
    public void MeanPairDistanceLiesBetweenTheMeanDistanceAndTheRootMeanSquare()
    {
        var (faces, truth) = UnitPeople(1024, 2, 50, 0, 59, "m");
        var one = faces.Where((_, i) => truth[i] == 0).Select(f => f.Descriptor).ToList();
        var other = faces.Where((_, i) => truth[i] == 1).Select(f => f.Descriptor).ToList();
        double[] Mean(List<float[]> g) => Enumerable.Range(0, 1024).Select(d => g.Average(x => (double)x[d])).ToArray();
        double Var(List<float[]> g, double[] mu) => g.Average(x => x.Select((v, d) => (v - mu[d]) * (v - mu[d])).Sum());
        (double Between, double Mean, double Rms) Sandwich(List<float[]> a, List<float[]> b)
        {
            var ma = Mean(a);
            var mb = Mean(b);
            double between = Math.Sqrt(ma.Select((v, d) => (v - mb[d]) * (v - mb[d])).Sum());
            return (between, a.SelectMany(x => b.Select(y => Distance(x, y))).Average(), Math.Sqrt(between * between + Var(a, ma) + Var(b, mb)));
        }
        // Two halves of one person (concentrated distances): D is within a few thousandths of the mean.
        var half = Sandwich(one.Take(25).ToList(), one.Skip(25).ToList());
        Assert.InRange(half.Mean, half.Between, half.Rms);
        Assert.True(half.Rms - half.Mean < 0.005, $"D {half.Rms} against the mean {half.Mean}");
        // A group mixing two people against one of them: the bounds still hold, however spread the distances.
        var mixed = Sandwich(one, other.Concat(one.Take(10)).ToList());
        Assert.InRange(mixed.Mean, mixed.Between, mixed.Rms);
    }
}
