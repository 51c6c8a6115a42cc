using FaceCluster.Models;

namespace FaceCluster.Tests.Clustering;

public sealed partial class FootageAccuracyTests
{
    /// <summary>
    /// What a user gets with no options: the default model (HSE FaceRes, described from the full-resolution frames)
    /// clustered at that model's calibrated defaults, tracks and quality gate on. The bar for footage: BCubed F1
    /// at least 0.98 and no cluster holding two people (docs/accuracy.md has the grid this default was chosen from).
    /// </summary>
    [Fact]
    public void DefaultModelAtItsDefaultsKeepsPeopleApartAndTogether()
    {
        var model = DescriptorModels.Get(DescriptorModels.DefaultKind);
        Assert.All(fx.FaceResFaces, f => Assert.Equal(model.Name, f.Model));
        Assert.Equal(fx.Faces.Count, fx.FaceResFaces.Count);
        var clusters = FaceClusterer.Cluster(fx.FaceResFaces, new ClusteringOptions { Threshold = model.ClusterThreshold, IncludeNoise = true });
        var s = Score(clusters);
        int mixed = clusters.Count(c => !c.IsNoise && c.Faces.Where(f => fx.PersonOf.ContainsKey(f.Id)).Select(f => fx.PersonOf[f.Id]).Distinct().Count() > 1);
        int unsure = clusters.Where(c => c.IsUnsure).Sum(c => c.Count);
        output.WriteLine($"{model.Kind} Chinese whispers {model.ClusterThreshold}: {clusters.Count(c => !c.IsNoise)} clusters for " +
                         $"{fx.PersonOf.Values.Distinct().Count()} people, {mixed} mixed, {unsure} unsure; {s}");
        Assert.Equal(0, mixed);
        Assert.Equal(0, ClustersWithTwoFacesOfOneFrame(clusters));
        Assert.True(s.BCubedF1 >= 0.98, $"BCubed F1 {s.BCubedF1:0.000} < 0.98");
        Assert.True(s.PairwisePrecision >= 0.999, $"pairwise precision {s.PairwisePrecision:0.000}");
    }
}
