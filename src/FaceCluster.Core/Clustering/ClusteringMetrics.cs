namespace FaceCluster;

/// <summary>Agreement between a predicted and a true partition.</summary>
public sealed record ClusteringScores(
    int Items,
    int PredictedClusters,
    int TrueClusters,
    double PairwisePrecision,
    double PairwiseRecall,
    double PairwiseF1,
    double BCubedPrecision,
    double BCubedRecall,
    double BCubedF1)
{
    public override string ToString() =>
        $"pairwise P={PairwisePrecision:0.0000} R={PairwiseRecall:0.0000} F1={PairwiseF1:0.0000}; " +
        $"BCubed P={BCubedPrecision:0.0000} R={BCubedRecall:0.0000} F1={BCubedF1:0.0000}; clusters {PredictedClusters} vs {TrueClusters}";
}

/// <summary>Pairwise and BCubed precision/recall/F1. Negative labels (noise) count as singletons, each on its own.</summary>
public static class ClusteringMetrics
{
    public static ClusteringScores Evaluate(IReadOnlyList<int> predicted, IReadOnlyList<int> truth)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(truth);
        if (predicted.Count != truth.Count) throw new ArgumentException($"{predicted.Count} predicted labels but {truth.Count} true labels.");
        int n = predicted.Count;
        var p = Normalise(predicted);
        var t = Normalise(truth);
        var predSize = new Dictionary<int, long>();
        var trueSize = new Dictionary<int, long>();
        var joint = new Dictionary<(int, int), long>();
        for (int i = 0; i < n; i++)
        {
            predSize[p[i]] = predSize.GetValueOrDefault(p[i]) + 1;
            trueSize[t[i]] = trueSize.GetValueOrDefault(t[i]) + 1;
            joint[(p[i], t[i])] = joint.GetValueOrDefault((p[i], t[i])) + 1;
        }
        static double Pairs(long k) => k * (k - 1) / 2.0;
        double tp = joint.Values.Sum(Pairs);
        double predPairs = predSize.Values.Sum(Pairs);
        double truePairs = trueSize.Values.Sum(Pairs);
        double pp = predPairs == 0 ? 1 : tp / predPairs;
        double pr = truePairs == 0 ? 1 : tp / truePairs;

        double bp = 0, br = 0;
        foreach (var ((pl, tl), c) in joint)
        {
            bp += (double)c * c / predSize[pl];
            br += (double)c * c / trueSize[tl];
        }
        bp = n == 0 ? 1 : bp / n;
        br = n == 0 ? 1 : br / n;
        return new ClusteringScores(n, predSize.Count, trueSize.Count, pp, pr, F1(pp, pr), bp, br, F1(bp, br));
    }

    /// <summary>Scores clustering output against true person names (noise faces count as singletons).</summary>
    public static ClusteringScores Evaluate(IReadOnlyList<FaceCluster> clusters, Func<FaceEncoding, string> truth)
    {
        var predicted = new List<int>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var trueLabels = new List<int>();
        foreach (var c in clusters)
        {
            foreach (var f in c.Faces)
            {
                predicted.Add(c.IsNoise ? -1 : c.Id);
                string name = truth(f);
                if (!names.TryGetValue(name, out int id)) names[name] = id = names.Count;
                trueLabels.Add(id);
            }
        }
        return Evaluate(predicted, trueLabels);
    }

    private static double F1(double p, double r) => p + r == 0 ? 0 : 2 * p * r / (p + r);

    private static int[] Normalise(IReadOnlyList<int> labels)
    {
        // Non-negative labels keep their value; each negative label becomes a fresh singleton.
        var result = new int[labels.Count];
        int fresh = -1;
        for (int i = 0; i < labels.Count; i++) result[i] = labels[i] >= 0 ? labels[i] : fresh--;
        return result;
    }
}
