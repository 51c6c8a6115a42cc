namespace FaceCluster.Clustering;

/// <summary>
/// DBSCAN with scikit-learn semantics: p is core when |{q : d(p,q) &lt;= eps}| &gt;= minSamples (p counts itself).
/// Clusters are grown breadth-first from the unlabelled core faces in canonical order; a border face joins the
/// first cluster that reaches it. With cannot-link constraints a face that shares an image with a face already
/// in the growing cluster is skipped (neither added nor expanded through); it stays available to a later
/// cluster, where a core face can seed its own cluster, or ends as noise.
/// </summary>
internal static class Dbscan
{
    public const int Noise = -1;

    /// <param name="weights">Faces each node stands for (tracks), null for one each: a node is core when the faces of its neighbourhood, itself included, are at least minSamples.</param>
    public static bool[] CoreFlags(NeighborGraph graph, int minSamples, int[]? weights = null)
    {
        var core = new bool[graph.Count];
        for (int i = 0; i < core.Length; i++)
        {
            if (weights is null)
            {
                core[i] = graph.Degree(i) + 1 >= minSamples;
                continue;
            }
            long total = weights[i];
            foreach (int q in graph.Neighbors(i)) total += weights[q];
            core[i] = total >= minSamples;
        }
        return core;
    }

    /// <summary>Labels 0..k-1 in discovery order, or <see cref="Noise"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public static int[] Run(NeighborGraph graph, int minSamples, CannotLink cannotLink, CancellationToken ct, int[]? weights = null)
    {
        int n = graph.Count;
        var core = CoreFlags(graph, minSamples, weights);
        var labels = new int[n];
        Array.Fill(labels, Noise);
        var queue = new Queue<int>();
        var clusterGroups = new HashSet<int>();
        int next = 0;
        for (int seed = 0; seed < n; seed++)
        {
            if (labels[seed] != Noise || !core[seed]) continue;
            if ((seed & 1023) == 0) ct.ThrowIfCancellationRequested();
            int c = next++;
            clusterGroups.Clear();
            labels[seed] = c;
            foreach (int g in cannotLink.GroupsOf(seed)) clusterGroups.Add(g);
            queue.Enqueue(seed);
            while (queue.Count > 0)
            {
                int p = queue.Dequeue();
                foreach (int q in graph.Neighbors(p))
                {
                    if (labels[q] != Noise) continue;
                    var groups = cannotLink.GroupsOf(q);
                    if (groups.Length > 0)
                    {
                        bool conflict = false;
                        foreach (int g in groups) conflict |= clusterGroups.Contains(g);
                        if (conflict) continue;
                        foreach (int g in groups) clusterGroups.Add(g);
                    }
                    labels[q] = c;
                    if (core[q]) queue.Enqueue(q);
                }
            }
        }
        return labels;
    }
}
