namespace FaceCluster.Clustering;

/// <summary>
/// Keeps low-quality faces (dark, blurred, profile, tiny: <see cref="FaceQuality.Issues"/>) from seeding or bridging
/// clusters. The good faces are clustered alone; then each low-quality face joins the cluster of its nearest good face
/// only when that face is within the clustering distance and every other cluster is at least
/// <see cref="ClusteringOptions.QualityAttachMargin"/> further away; otherwise it is "unsure"
/// (<see cref="FaceCluster.IsUnsure"/>), which is not the same as noise: it may well be a known person, the descriptor
/// just cannot say which. Faces without a measured quality (older stores) count as good.
/// </summary>
internal static class QualityGate
{
    /// <summary>The label of an unsure face in the per-face label array (noise is -1).</summary>
    public const int Unsure = -2;

    /// <summary>Which canonical faces the gate holds back (all false when the gate is off).</summary>
    public static bool[] LowQuality(FaceEncoding[] sorted, FaceQualityThresholds? thresholds)
    {
        var low = new bool[sorted.Length];
        if (thresholds is null) return low;
        for (int i = 0; i < sorted.Length; i++) low[i] = sorted[i].Quality is { } q && q.Issues(thresholds) != FaceQualityIssue.None;
        return low;
    }

    /// <summary>
    /// Per canonical face: the cluster key, -1 for noise, <see cref="Unsure"/> for a low-quality face that could not be
    /// attached. <paramref name="cluster"/> clusters a canonical subset (the good faces).
    /// </summary>
    public static int[] Labels(FaceEncoding[] sorted, bool[] low, ClusteringOptions options, Func<FaceEncoding[], int[]> cluster, CancellationToken ct)
    {
        int n = sorted.Length;
        var good = Enumerable.Range(0, n).Where(i => !low[i]).ToArray();
        var labels = new int[n];
        Array.Fill(labels, Unsure);
        if (good.Length > 0)
        {
            var goodLabels = cluster(good.Select(i => sorted[i]).ToArray());
            for (int j = 0; j < good.Length; j++) labels[good[j]] = goodLabels[j];
        }

        // Members of each cluster and the images they come from (a face never joins a cluster that holds its own image).
        var members = new Dictionary<int, List<int>>();
        var images = new Dictionary<int, HashSet<string>>();
        foreach (int i in good)
        {
            if (labels[i] < 0) continue;
            if (!members.TryGetValue(labels[i], out var list))
            {
                members[labels[i]] = list = [];
                images[labels[i]] = new HashSet<string>(StringComparer.Ordinal);
            }
            list.Add(i);
            foreach (var key in CannotLink.ImageKeys(sorted[i])) images[labels[i]].Add(key);
        }
        double limit = options.Algorithm == ClusteringAlgorithm.DBSCAN ? options.Epsilon : options.EffectiveThreshold;
        var keys = members.Keys.Order().ToArray();
        for (int i = 0; i < n; i++)
        {
            if (!low[i]) continue;
            ct.ThrowIfCancellationRequested();
            var (best, d1, d2) = Nearest(sorted, i, keys, members, images, options.UseCannotLink);
            if (best is { } label && d1 <= limit && d2 - d1 >= options.QualityAttachMargin * limit)
            {
                labels[i] = label;
                foreach (var key in CannotLink.ImageKeys(sorted[i])) images[label].Add(key);
            }
        }
        return labels;
    }

    /// <summary>The nearest cluster (by its nearest member), that distance, and the distance to the nearest other cluster.</summary>
    internal static (int? Label, double Best, double Second) Nearest(FaceEncoding[] sorted, int face, int[] keys,
        Dictionary<int, List<int>> members, Dictionary<int, HashSet<string>> images, bool cannotLink)
    {
        int? bestLabel = null;
        double best = double.PositiveInfinity, second = double.PositiveInfinity;
        var own = CannotLink.ImageKeys(sorted[face]).ToArray();
        var descriptor = sorted[face].Descriptor;
        foreach (int label in keys)
        {
            if (cannotLink && own.Any(images[label].Contains)) continue;
            double d = double.PositiveInfinity;
            foreach (int m in members[label]) d = Math.Min(d, FaceDistance.Euclidean(descriptor, sorted[m].Descriptor));
            if (d < best)
            {
                second = best;
                (best, bestLabel) = (d, label);
            }
            else if (d < second)
            {
                second = d;
            }
        }
        return (bestLabel, best, second);
    }
}
