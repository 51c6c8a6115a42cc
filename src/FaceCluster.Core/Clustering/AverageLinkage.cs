namespace FaceCluster.Clustering;

/// <summary>
/// Average-linkage (UPGMA) agglomerative clustering cut at a threshold: clusters merge while the average
/// distance between them is &lt; threshold. If two faces end up together, they are joined by a chain of pairs
/// each closer than the threshold (an average below t needs a pair below t), so each connected component of the
/// "&lt; t" neighbour graph is clustered on its own, in parallel, with the nearest-neighbour-chain algorithm
/// (exact for average linkage, O(m^2) time and memory per component of m faces).
/// Cannot-link pairs start at an infinite distance; the Lance-Williams average keeps any union that would hold
/// such a pair infinite, so forbidden merges never happen, and the linkage stays reducible, so the chain stays exact.
/// </summary>
internal static class AverageLinkage
{
    /// <summary>A component this large needs a 1 GiB distance matrix; beyond it the threshold is chaining people together.</summary>
    public const int MaxComponentSize = 16_384;

    /// <summary>Labels: each face's label is the smallest canonical index in its cluster.</summary>
    /// <param name="itemOf">
    /// Must-links (tracks): faces with the same item start as one cluster, so the linkage between two tracks is the
    /// average over all their face pairs. Null: every face starts alone.
    /// </param>
    public static int[] Run(DescriptorMatrix m, NeighborGraph graph, double threshold, CannotLink cannotLink,
        int degreeOfParallelism, IProgress<ClusteringProgress>? progress, CancellationToken ct, int[]? itemOf = null)
    {
        int n = m.Count;
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i;
        var components = Components(graph, itemOf).Where(c => c.Length > 1).OrderByDescending(c => c.Length).ToArray();
        if (components.Length > 0 && components[0].Length > MaxComponentSize)
        {
            throw new InvalidOperationException(
                $"{components[0].Length} faces are chained together by distances below {threshold}; average linkage would need a " +
                $"{(long)components[0].Length * components[0].Length * 4 / 1048576} MiB distance matrix (limit {MaxComponentSize} faces). " +
                "Use a lower threshold, or DBSCAN / ChineseWhispers, which scale with the number of close pairs.");
        }
        long total = components.Sum(c => (long)c.Length), done = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        Parallel.ForEach(components, po, component =>
        {
            var local = ClusterComponent(m, component, threshold, cannotLink, ct, itemOf);
            for (int k = 0; k < component.Length; k++) labels[component[k]] = component[local[k]];
            progress?.Report(new ClusteringProgress("Clustering", Interlocked.Add(ref done, component.Length), total));
        });
        return labels;
    }

    /// <summary>Components of the graph with the faces of one item joined (a track whose faces are no neighbours stays whole).</summary>
    internal static List<int[]> Components(NeighborGraph graph, int[]? itemOf)
    {
        if (itemOf is null) return graph.Components();
        var uf = new UnionFind(graph.Count);
        var first = new Dictionary<int, int>();
        for (int i = 0; i < graph.Count; i++)
        {
            foreach (int j in graph.Neighbors(i)) if (j > i) uf.Union(i, j);
            if (first.TryGetValue(itemOf[i], out int f)) uf.Union(f, i);
            else first[itemOf[i]] = i;
        }
        return uf.Groups();
    }

    /// <summary>For each local face, the smallest local index of its cluster.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static int[] ClusterComponent(DescriptorMatrix m, int[] members, double threshold, CannotLink cannotLink, CancellationToken ct, int[]? itemOf = null)
    {
        int size = members.Length;
        // Full symmetric matrix (row scans are contiguous); merged clusters live at the smaller index.
        var d = new float[(long)size * size];
        for (int i = 0; i < size; i++)
        {
            if ((i & 63) == 0) ct.ThrowIfCancellationRequested();
            var row = m.Row(members[i]);
            long ri = (long)i * size;
            for (int j = i + 1; j < size; j++)
            {
                float v = DescriptorMatrix.Distance(row, m.Row(members[j]));
                d[ri + j] = v;
                d[(long)j * size + i] = v;
            }
        }
        if (cannotLink.Any)
        {
            var localOf = new Dictionary<int, int>(size);
            for (int i = 0; i < size; i++) localOf[members[i]] = i;
            for (int i = 0; i < size; i++)
            {
                foreach (int g in cannotLink.GroupsOf(members[i]))
                {
                    foreach (int other in cannotLink.Members(g))
                    {
                        if (other != members[i] && localOf.TryGetValue(other, out int j))
                        {
                            d[(long)i * size + j] = float.PositiveInfinity;
                        }
                    }
                }
            }
        }

        var weight = new int[size];
        Array.Fill(weight, 1);
        return Chain(d, size, weight, threshold, ct, itemOf is null ? null : Enumerable.Range(0, size).Select(i => itemOf[members[i]]).ToArray());
    }

    /// <summary>
    /// The nearest-neighbour chain over a full symmetric matrix <paramref name="d"/> of average distances between
    /// <paramref name="size"/> starting clusters of <paramref name="weight"/> faces each (changed in place; so is d).
    /// With <paramref name="itemOf"/>, clusters of the same item are merged first. For each cluster, the smallest index of its final cluster.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static int[] Chain(float[] d, int size, int[] weight, double threshold, CancellationToken ct, int[]? itemOf = null)
    {
        var active = new bool[size];
        Array.Fill(active, true);
        var parent = new int[size];
        for (int i = 0; i < size; i++) parent[i] = i;
        int remaining = size;
        if (itemOf is not null)
        {
            // Start from the tracks: each face merges into the first face of its item (the smaller index, as merges require).
            var keepOf = new Dictionary<int, int>();
            for (int i = 0; i < size; i++)
            {
                if (!keepOf.TryGetValue(itemOf[i], out int keep))
                {
                    keepOf[itemOf[i]] = i;
                    continue;
                }
                MergeInto(d, size, keep, i, weight, active);
                parent[i] = keep;
                remaining--;
            }
        }
        var chain = new List<int>();
        int scanFrom = 0;
        float t = (float)threshold;

        while (remaining > 1)
        {
            if (chain.Count == 0)
            {
                while (!active[scanFrom]) scanFrom++;
                chain.Add(scanFrom);
            }
            int a = chain[^1];
            int prev = chain.Count > 1 ? chain[^2] : -1;
            // Nearest active cluster to a; ties prefer the previous chain element, then the smallest index.
            long ra = (long)a * size;
            int b = -1;
            float best = float.PositiveInfinity;
            if (prev >= 0) { b = prev; best = d[ra + prev]; }
            for (int c = 0; c < size; c++)
            {
                if (c == a || !active[c]) continue;
                float v = d[ra + c];
                if (v < best) { best = v; b = c; }
            }
            if (b < 0 || !(best < t))
            {
                // a can never merge below the threshold (reducibility): finish it.
                active[a] = false;
                remaining--;
                chain.RemoveAt(chain.Count - 1);
                continue;
            }
            if (b == prev)
            {
                chain.RemoveRange(chain.Count - 2, 2);
                int keep = Math.Min(a, b), drop = Math.Max(a, b);
                MergeInto(d, size, keep, drop, weight, active);
                parent[drop] = keep;
                remaining--;
                if ((remaining & 255) == 0) ct.ThrowIfCancellationRequested();
            }
            else
            {
                chain.Add(b);
            }
        }

        var result = new int[size];
        for (int i = 0; i < size; i++)
        {
            int r = i;
            while (parent[r] != r) r = parent[r];
            result[i] = r;
        }
        return result;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void MergeInto(float[] d, int size, int keep, int drop, int[] weight, bool[] active)
    {
        double wk = weight[keep], wd = weight[drop], sum = wk + wd;
        long rk = (long)keep * size, rd = (long)drop * size;
        for (int c = 0; c < size; c++)
        {
            if (!active[c] || c == keep || c == drop) continue;
            float dk = d[rk + c], dd = d[rd + c];
            float v = float.IsPositiveInfinity(dk) || float.IsPositiveInfinity(dd)
                ? float.PositiveInfinity
                : (float)((wk * dk + wd * dd) / sum);
            d[rk + c] = v;
            d[(long)c * size + keep] = v;
        }
        weight[keep] += weight[drop];
        active[drop] = false;
    }
}
