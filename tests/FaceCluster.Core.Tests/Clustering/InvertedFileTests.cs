using FaceCluster.Clustering;
using static FaceCluster.Tests.Clustering.ClusterTestData;
using static FaceCluster.Tests.Clustering.DimensionTests;

namespace FaceCluster.Tests.Clustering;

/// <summary>The inverted-file graph (RadiusIndex.CellGraph) and the decision that switches to it (FaceClusterer.ExactGraph).</summary>
public class InvertedFileTests
{
    private static (IReadOnlyList<FaceCluster> Clusters, List<string> Warnings) Cluster(IReadOnlyList<FaceEncoding> faces, ClusteringAlgorithm algorithm,
        double threshold, double scanBudget, int dop = 2)
    {
        var options = new ClusteringOptions { Algorithm = algorithm, Threshold = threshold, DegreeOfParallelism = dop, IncludeNoise = true, ExactScanBudget = scanBudget };
        return ClusterCollectingWarnings(faces, options);
    }

    /// <summary>
    /// Every edge of the inverted-file graph is a pair closer than the radius (checked against every pair's canonical
    /// distance), and it really is a search over cells: it measured far fewer pairs than all of them, and it still holds
    /// most of the edges.
    /// </summary>
    [Theory]
    [InlineData(0.84, false)]
    [InlineData(0.8, true)]
    public void InvertedFileGraphHoldsNoPairBeyondTheRadius(double r, bool inclusive)
    {
        var (faces, _) = UnitPeople(1024, 60, 30, 100, 71, "i");
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        var graph = new RadiusIndex(m, 2, default).CellGraph((float)r, inclusive, 2, null, default)!;
        long exactEdges = 0;
        for (int p = 0; p < m.Count; p++)
        {
            var exact = BruteForceNeighbours(m, p, r, inclusive).ToHashSet();
            exactEdges += exact.Count;
            foreach (int q in graph.Neighbors(p)) Assert.Contains(q, exact);
        }
        long all = (long)m.Count * (m.Count - 1) / 2;
        Assert.True(RadiusIndex.CellPairEstimates < all / 4, $"measured {RadiusIndex.CellPairEstimates} of {all} pairs: not a cell search");
        Assert.True(graph.EdgeCount > 0.9 * exactEdges, $"{graph.EdgeCount} of {exactEdges} edges kept");
    }

    /// <summary>Forced onto the inverted file, well-separated planted people give exactly the exact clustering, and it warns.</summary>
    [Theory]
    [InlineData(ClusteringAlgorithm.ChineseWhispers, 0.84)]
    [InlineData(ClusteringAlgorithm.Agglomerative, 0.85)]
    public void InvertedFileEqualsTheExactClusteringOnPlantedPeople(ClusteringAlgorithm algorithm, double threshold)
    {
        var (faces, truth) = UnitPeople(1024, 40, 25, 20, 73, "p");
        var (approximate, warnings) = Cluster(faces, algorithm, threshold, scanBudget: 0);
        var (exact, exactWarnings) = Cluster(faces, algorithm, threshold, scanBudget: double.MaxValue);
        Assert.Equal(Fingerprint(exact), Fingerprint(approximate));
        Assert.Contains(warnings, w => w.Contains("inverted file", StringComparison.Ordinal));
        Assert.Empty(exactWarnings);
        // The planted people themselves (the loners alone), so the comparison is not between two wrong answers.
        var label = LabelOf(exact);
        for (int i = 0; i < faces.Count; i++)
            for (int j = i + 1; j < faces.Count; j++)
                Assert.Equal(truth[i] == truth[j], label[faces[i].Id] == label[faces[j].Id]);
    }

    /// <summary>The same graph and the same clusters with one, two or three threads.</summary>
    [Fact]
    public void InvertedFileIsDeterministicAtAnyParallelism()
    {
        var (faces, _) = UnitPeople(1024, 50, 20, 60, 79, "q");
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        NeighborGraph Graph(int dop) => new RadiusIndex(m, dop, default).CellGraph(0.84f, false, dop, null, default)!;
        var one = Graph(1);
        Assert.True(one.EdgeCount > 1000);
        foreach (int dop in new[] { 2, 3 })
        {
            var other = Graph(dop);
            Assert.Equal(one.Offsets, other.Offsets);
            Assert.Equal(one.Targets, other.Targets);
        }
        var reference = Fingerprint(Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, 0, dop: 1).Clusters);
        Assert.Equal(reference, Fingerprint(Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, 0, dop: 2).Clusters));
        Assert.Equal(reference, Fingerprint(Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, 0, dop: 3).Clusters));
    }

    /// <summary>
    /// At the default budget a small input takes the exact path (no warning, the clusters of an unlimited budget), while
    /// a budget below its sampled cost sends the same faces to the inverted file: the decision is the cost, not the size.
    /// </summary>
    [Fact]
    public void SwitchPicksTheExactGraphForSmallInputs()
    {
        var (faces, _) = UnitPeople(1024, 30, 20, 40, 83, "w");
        var (byDefault, warnings) = Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, FaceClusterer.ExactScanBudget);
        Assert.Empty(warnings);
        Assert.Equal(Fingerprint(Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, double.MaxValue).Clusters), Fingerprint(byDefault));
        var m = new DescriptorMatrix(FaceClusterer.Canonical(faces));
        double cost = new RadiusIndex(m, 2, default).ExactScanCost(0.84f, 64, 2, default);
        Assert.True(cost > 0 && cost < FaceClusterer.ExactScanBudget, $"estimated {cost}");
        var (_, below) = Cluster(faces, ClusteringAlgorithm.ChineseWhispers, 0.84, cost / 2);
        Assert.Contains(below, w => w.Contains("inverted file", StringComparison.Ordinal));
    }
}
