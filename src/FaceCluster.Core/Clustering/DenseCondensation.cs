namespace FaceCluster.Clustering;

/// <summary>
/// The approximation for faces too densely packed for the exact neighbour graph (one person seen 100,000 times: every
/// pair is a neighbour, 5 * 10^9 pairs). It is used only where the exact method cannot run, and says so through the
/// progress interface (<see cref="ClusteringProgress.Warning"/>, a warning in Invoke-FaceClustering).
/// <para>
/// Requires: Chinese whispers or average linkage at threshold t; the exact "&lt; t" graph holds more than
/// <see cref="ClusteringOptions.DenseGraphPairBudget"/> pairs (found while building it or its inverted-file subgraph, <see cref="RadiusIndex.CellGraph"/>, or beforehand when sampled
/// degrees say it clearly would, see <see cref="ClearlyOverBudget"/>), or (average linkage) a component larger than
/// <see cref="AverageLinkage.MaxComponentSize"/>; items that are rows of the matrix (loose faces or tracks as mean
/// descriptors, with their face counts as weights; average linkage, which clusters tracks by their members exactly,
/// falls back to the tracks' mean descriptors here).
/// </para>
/// <para>
/// Ensures: (1) the rows are condensed into at most <see cref="ClusteringOptions.DenseItemBudget"/> items, each a node of the radius tree (faces
/// its k-means put together, or single faces of a leaf), split widest first; a node of radius &lt; t/2 is never
/// split, since its faces are pairwise closer than t (a clique of the exact graph). (2) Every row gets its item's
/// label: an item is a must-link, as a track is. (3) The items are clustered by the same algorithm, weighted by their
/// face counts, with the distance between items A and B estimated by D(A, B) = sqrt(|mu_A - mu_B|^2 + var_A + var_B)
/// (var: the mean squared distance of an item's faces to its mean), which is the exact root mean square of the face
/// pair distances; the exact mean of the face pair distances lies between |mu_A - mu_B| and D(A, B) (Jensen, both ways),
/// and for concentrated distances (a person's faces) it is within a few thousandths of D. Chinese whispers joins items
/// with D &lt; t, a neighbour voting with its number of faces; average linkage starts from the items as clusters with
/// D as their average distance and merges while the weighted average (Lance-Williams, as in the exact method) is &lt; t,
/// so it still averages distances, not squared distances. Cannot-links collapse onto items as they do onto tracks.
/// (4) Deterministic: the tree, the split order and both algorithms are. The agreement with the exact result where
/// the exact one still fits (BCubed F1 against it at 10,000-20,000 faces) is measured by the cluster bench
/// (bench/README.md).
/// </para>
/// </summary>
internal static class DenseCondensation
{
    /// <summary>Items at most (<see cref="ClusteringOptions.DenseItemBudget"/>): the average-linkage matrix of 4,096 items is 64 MB, their pairs 8.4 million.</summary>
    internal const int ItemBudget = 4096;

    /// <summary>Faces whose degrees <see cref="ClearlyOverBudget"/> samples.</summary>
    private const int DegreeSamples = 256;

    /// <summary>
    /// Whether the exact graph would clearly not fit <paramref name="budget"/> pairs: the mean degree of 256 evenly
    /// spaced faces (exact neighbour counts, each stopped at 4x the budget's mean degree) is more than twice the mean
    /// degree the budget allows. It saves building half a graph only to drop it (one person seen 100,000 times: 32
    /// million pairs, seconds and 500 MB); when it says no, the graph itself still enforces the budget exactly.
    /// </summary>
    /// <param name="samples">Faces sampled (null: <see cref="DegreeSamples"/>).</param>
    public static bool ClearlyOverBudget(RadiusIndex index, float r, long budget, int degreeOfParallelism, CancellationToken ct, int? samples = null)
    {
        int n = index.Count;
        if (n < 2 || budget >= (long)n * (n - 1) / 2) return false;
        double allowed = 2.0 * budget / n;
        long cap = (long)Math.Min(n, 4 * allowed + 1);
        int count = Math.Min(n, samples ?? DegreeSamples);
        var degrees = new long[count];
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        Parallel.For(0, count, po, () => (new Stack<(int, float)>(), new float[RadiusIndex.MaxDepthLevels]), (s, _, scratch) =>
        {
            int p = (int)((long)s * n / count);
            var visitor = new Dbscan.CountVisitor(index, p, cap, null, null);
            index.Traverse(p, r, false, false, ref visitor, scratch.Item1, scratch.Item2);
            degrees[s] = visitor.Count;
            return scratch;
        }, _ => { });
        return degrees.Average() > 2 * allowed;
    }

    /// <summary>Labels per row (any ints; equal = same cluster).</summary>
    public static int[] Labels(DescriptorMatrix matrix, RadiusIndex index, int[]? weights, CannotLink cannotLink, ClusteringOptions options,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, string why)
    {
        int n = matrix.Count;
        double t = options.EffectiveThreshold;
        int budget = options.DenseItemBudget;
        var ranges = index.Condense((float)(t / 2), budget);
        int items = ranges.Count;
        var itemOf = new int[n];
        var order = index.Order;
        var itemWeights = new int[items];
        var means = new float[items][];
        var variance = new double[items];
        int cliques = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveDegreeOfParallelism, CancellationToken = ct };
        for (int k = 0; k < items; k++)
        {
            var (start, end, _, _) = ranges[k];
            for (int at = start; at < end; at++)
            {
                itemOf[order[at]] = k;
                itemWeights[k] += weights?[order[at]] ?? 1;
            }
        }
        var orderCopy = order.ToArray();
        Parallel.For(0, items, po, k =>
        {
            // A node's centre is the mean of its faces.
            var (start, end, _, mean) = ranges[k];
            double v = 0;
            for (int at = start; at < end; at++)
            {
                double dd = DescriptorMatrix.Distance(matrix.Row(orderCopy[at]), mean);
                v += dd * dd;
            }
            means[k] = mean;
            variance[k] = v / (end - start);
        });
        foreach (var (_, _, radius, _) in ranges) if (radius < t / 2) cliques++;
        progress?.Report(new ClusteringProgress("Condensing", n, n)
        {
            Warning = $"{why}: clustering {n} faces as {items} condensed groups instead ({cliques} of them closer than the threshold " +
                      $"pair by pair; the others are the tightest groups that fit {budget} groups). The result is an approximation; " +
                      "a lower threshold or DBSCAN (exact at any density) avoids it.",
        });

        // D(A, B) for every pair of items, in parallel by rows (each row writes only its own half).
        var dist = new float[(long)items * items];
        Parallel.For(0, items, po, i =>
        {
            for (int j = i + 1; j < items; j++)
            {
                float m = DescriptorMatrix.Distance(means[i], means[j]);
                float v = (float)Math.Sqrt((double)m * m + variance[i] + variance[j]);
                dist[(long)i * items + j] = v;
                dist[(long)j * items + i] = v;
            }
        });
        var itemLinks = cannotLink.Any ? cannotLink.Collapse(itemOf, items) : CannotLink.Empty(items);
        int[] itemLabels;
        if (options.Algorithm == ClusteringAlgorithm.ChineseWhispers)
        {
            var offsets = new int[items + 1];
            var lists = new List<int>[items];
            for (int i = 0; i < items; i++)
            {
                lists[i] = [];
                for (int j = 0; j < items; j++) if (j != i && dist[(long)i * items + j] < t) lists[i].Add(j);
            }
            for (int i = 0; i < items; i++) offsets[i + 1] = offsets[i] + lists[i].Count;
            var targets = new int[offsets[items]];
            for (int i = 0; i < items; i++) lists[i].CopyTo(targets, offsets[i]);
            itemLabels = ChineseWhispers.Run(new NeighborGraph(offsets, targets), options.Iterations, itemLinks, options.EffectiveDegreeOfParallelism, ct, itemWeights);
        }
        else
        {
            if (itemLinks.Any)
            {
                for (int i = 0; i < items; i++)
                    foreach (int g in itemLinks.GroupsOf(i))
                        foreach (int other in itemLinks.Members(g))
                            if (other != i) dist[(long)i * items + other] = float.PositiveInfinity;
            }
            itemLabels = AverageLinkage.Chain(dist, items, (int[])itemWeights.Clone(), t, ct);
        }
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = itemLabels[itemOf[i]];
        return labels;
    }
}
