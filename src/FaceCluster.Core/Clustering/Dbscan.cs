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

    /// <summary>
    /// The labels of <see cref="Run"/> without cannot-link constraints, without building the neighbour graph, whose size
    /// grows with the square of a cluster's: a dense cluster of 100,000 faces has 10^10 neighbour pairs. The
    /// definition read in three passes over the tree, each exact:
    /// 1. core flags: a face's neighbours are counted only until there are minSamples - 1 of them (with weights, until
    ///    their faces and its own reach minSamples, as <see cref="CoreFlags"/> counts them);
    /// 2. clusters: core faces within eps of each other are joined in a union-find whose roots are the smallest
    ///    member. A tree node whose core faces are already all in the query face's set is skipped, which leaves the
    ///    partition unchanged (it only skips unions that would change nothing) and makes a dense cluster cost about
    ///    one traversal per face instead of one distance per pair;
    /// 3. border faces (not core, some neighbour): the cluster with the smallest root among their core neighbours.
    /// Roots are the smallest core index of each cluster, so numbering the clusters by root is the discovery order of
    /// <see cref="Run"/> (and of scikit-learn); a border face joins the first cluster that reaches it there too.
    /// The partition of core faces is the connected components of the core graph, whatever the order of the unions, so
    /// the result depends neither on threads nor timing.
    /// </summary>
    public static int[] RunWithoutGraph(DescriptorMatrix m, float eps, int minSamples, int degreeOfParallelism,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, out bool[] coreFlags, int[]? weights = null) =>
        RunWithoutGraph(new RadiusIndex(m, degreeOfParallelism, ct), eps, minSamples, degreeOfParallelism, progress, ct, out coreFlags, weights);

    /// <summary>
    /// Without cannot-link constraints: the graph algorithm while the neighbour graph has at most
    /// <see cref="GraphPairBudget"/> pairs (it is the faster of the two), the graph-free one beyond. Both are exact, so
    /// which one ran never shows in the labels. <paramref name="weights"/> as in <see cref="Run"/> (tracks collapsed to
    /// their mean descriptor). Cannot-links always take the graph algorithm: a face skipped for a conflict depends on
    /// the breadth-first order in which its cluster reached it, which the graph-free passes do not follow.
    /// </summary>
    public static int[] RunUnconstrained(DescriptorMatrix m, float eps, int minSamples, int degreeOfParallelism,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, int[]? weights = null)
    {
        var index = new RadiusIndex(m, degreeOfParallelism, ct);
        if (m.Count > 0 && index.BlockGraph(eps, true, degreeOfParallelism, progress, ct, GraphPairBudget) is { } graph)
        {
            return Run(graph, minSamples, CannotLink.Empty(m.Count), ct, weights);
        }
        return RunWithoutGraph(index, eps, minSamples, degreeOfParallelism, progress, ct, out _, weights);
    }

    /// <summary>
    /// 16 million neighbour pairs: about 260 MB of graph while it is built. 10,000 near-identical faces (5 * 10^7 pairs)
    /// took 1 GB as a graph; the graph-free run needs a few bytes per face.
    /// </summary>
    public const long GraphPairBudget = 1L << 24;

    /// <inheritdoc cref="RunWithoutGraph(DescriptorMatrix, float, int, int, IProgress{ClusteringProgress}?, CancellationToken, out bool[])"/>
    internal static int[] RunWithoutGraph(RadiusIndex index, float eps, int minSamples, int degreeOfParallelism,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, out bool[] coreFlags, int[]? weights = null)
    {
        int n = index.Count;
        var labels = new int[n];
        Array.Fill(labels, Noise);
        coreFlags = new bool[n];
        if (n == 0) return labels;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        const int chunk = 256;
        int chunks = (n + chunk - 1) / chunk;
        long done = 0;

        // 1. Core flags (and whether a non-core face has any neighbour at all). With weights a node is core when the
        // faces of its neighbourhood, its own included, are at least minSamples, as in CoreFlags.
        var order = index.Order;
        long[]? prefix = null;
        if (weights is not null)
        {
            prefix = new long[n + 1];
            for (int k = 0; k < n; k++) prefix[k + 1] = prefix[k] + weights[order[k]];
        }
        var count = new long[n];
        var core = coreFlags;
        void Report(int c) => progress?.Report(new ClusteringProgress("Neighbours", Interlocked.Add(ref done, Math.Min(n, c * chunk + chunk) - c * chunk), 3L * n));
        Parallel.For(0, chunks, po, () => (new Stack<(int, float)>(), new float[RadiusIndex.MaxDepthLevels]), (c, _, scratch) =>
        {
            for (int p = c * chunk; p < Math.Min(n, c * chunk + chunk); p++)
            {
                long need = minSamples - (weights is null ? 1 : weights[p]);
                if (need <= 0)
                {
                    // Core without looking; the border pass only asks whether a non-core face has neighbours.
                    core[p] = true;
                    continue;
                }
                var counter = new CountVisitor(index, p, need, weights, prefix);
                index.Traverse(p, eps, inclusive: true, forwardOnly: false, ref counter, scratch.Item1, scratch.Item2);
                count[p] = counter.Count;
                core[p] = counter.Count >= need;
            }
            Report(c);
            return scratch;
        }, _ => { });

        // 2. Clusters of core faces.
        var sets = new ConcurrentUnionFind(n);
        var rep = new int[index.NodeCount];       // per node: Unknown, NoCore, or a core face whose set holds all the node's core faces
        Array.Fill(rep, Unknown);
        Parallel.For(0, chunks, po, () => (new Stack<(int, float)>(), new float[RadiusIndex.MaxDepthLevels]), (c, _, scratch) =>
        {
            for (int p = c * chunk; p < Math.Min(n, c * chunk + chunk); p++)
            {
                if (!core[p]) continue;
                var joiner = new JoinVisitor(index, sets, core, rep, p);
                index.Traverse(p, eps, inclusive: true, forwardOnly: true, ref joiner, scratch.Item1, scratch.Item2);
            }
            Report(c);
            return scratch;
        }, _ => { });

        // Cluster numbers: roots in ascending order (the discovery order).
        var number = new int[n];
        int next = 0;
        for (int p = 0; p < n; p++) if (core[p] && sets.Find(p) == p) number[p] = next++;
        for (int p = 0; p < n; p++) if (core[p]) labels[p] = number[sets.Find(p)];

        // 3. Border faces.
        Parallel.For(0, chunks, po, () => (new Stack<(int, float)>(), new float[RadiusIndex.MaxDepthLevels]), (c, _, scratch) =>
        {
            for (int p = c * chunk; p < Math.Min(n, c * chunk + chunk); p++)
            {
                if (core[p] || count[p] == 0) continue;
                var border = new BorderVisitor(index, sets, core, rep, p);
                index.Traverse(p, eps, inclusive: true, forwardOnly: false, ref border, scratch.Item1, scratch.Item2);
                if (border.Best < int.MaxValue) labels[p] = number[border.Best];
            }
            Report(c);
            return scratch;
        }, _ => { });
        return labels;
    }

    private const int Unknown = -2, NoCore = -1;

    /// <summary>Counts neighbours (their weights, when given: prefix sums over the tree order) up to a cap.</summary>
    internal struct CountVisitor(RadiusIndex index, int p, long cap, int[]? weights, long[]? prefix) : INeighbourVisitor
    {
        public long Count;

        public readonly bool Skip(int node) => false;

        public bool All(int node, int start, int end)
        {
            bool self = index.Holds(start, end, p);
            Count += weights is null
                ? end - start - (self ? 1 : 0)
                : prefix![end] - prefix[start] - (self ? weights[p] : 0);
            return Count >= cap;
        }

        public bool One(int q) => (Count += weights is null ? 1 : weights[q]) >= cap;

        public readonly void LeafDone(int node) { }
    }

    /// <summary>Joins core face p with its core neighbours, skipping nodes whose core faces are all in p's set already.</summary>
    private struct JoinVisitor(RadiusIndex index, ConcurrentUnionFind sets, bool[] core, int[] rep, int p) : INeighbourVisitor
    {
        public readonly bool Skip(int node)
        {
            int r = Volatile.Read(ref rep[node]);
            if (r == Unknown) r = TryUnify(node);
            return r == NoCore || r >= 0 && sets.Same(r, p);
        }

        /// <summary>An inner node is unified when its children are and their core faces share a set.</summary>
        private readonly int TryUnify(int node)
        {
            var children = index.ChildrenOf(node);
            if (children.Length == 0) return Unknown;
            int found = NoCore;
            foreach (int c in children)
            {
                int r = Volatile.Read(ref rep[c]);
                if (r == Unknown) return Unknown;
                if (r == NoCore) continue;
                if (found == NoCore) found = r;
                else if (!sets.Same(found, r)) return Unknown;
            }
            Volatile.Write(ref rep[node], found);
            return found;
        }

        public readonly bool All(int node, int start, int end)
        {
            int r = Volatile.Read(ref rep[node]);
            if (r >= 0) { sets.Union(p, r); return false; }
            if (r == NoCore) return false;
            var order = index.Order;
            int any = NoCore;
            for (int k = start; k < end; k++)
            {
                int q = order[k];
                if (!core[q]) continue;
                sets.Union(p, q);
                any = q;
            }
            // Every core face of the node is now in p's set, and sets only grow.
            Volatile.Write(ref rep[node], any);
            return false;
        }

        public readonly bool One(int q)
        {
            if (core[q]) sets.Union(p, q);
            return false;
        }

        public readonly void LeafDone(int node)
        {
            if (Volatile.Read(ref rep[node]) != Unknown) return;
            var (start, end) = index.RangeOf(node);
            var order = index.Order;
            int found = NoCore;
            for (int k = start; k < end; k++)
            {
                int q = order[k];
                if (!core[q]) continue;
                if (found == NoCore) found = q;
                else if (!sets.Same(found, q)) return;
            }
            Volatile.Write(ref rep[node], found);
        }
    }

    /// <summary>The smallest root among the core neighbours of a border face.</summary>
    private struct BorderVisitor(RadiusIndex index, ConcurrentUnionFind sets, bool[] core, int[] rep, int p) : INeighbourVisitor
    {
        public int Best = int.MaxValue;

        public readonly bool Skip(int node) => rep[node] == NoCore;

        public bool All(int node, int start, int end)
        {
            var order = index.Order;
            for (int k = start; k < end; k++)
            {
                int q = order[k];
                if (q != p && core[q]) Best = Math.Min(Best, sets.Find(q));
            }
            return false;
        }

        public bool One(int q)
        {
            if (core[q]) Best = Math.Min(Best, sets.Find(q));
            return false;
        }

        public readonly void LeafDone(int node) { }
    }
}

/// <summary>
/// Union-find that many threads may join at once (compare-and-swap links). A root is always linked under a smaller
/// root, so the root of a set is its smallest member, and the final sets are those of all the unions made, in any order.
/// </summary>
internal sealed class ConcurrentUnionFind
{
    private readonly int[] _parent;

    public ConcurrentUnionFind(int n)
    {
        _parent = new int[n];
        for (int i = 0; i < n; i++) _parent[i] = i;
    }

    public int Find(int x)
    {
        while (true)
        {
            int parent = Volatile.Read(ref _parent[x]);
            if (parent == x) return x;
            int grand = Volatile.Read(ref _parent[parent]);
            // Path halving; losing the race only leaves a longer path (parents only ever move towards the root).
            if (grand != parent) Interlocked.CompareExchange(ref _parent[x], grand, parent);
            x = grand;
        }
    }

    /// <summary>True only when a and b are in one set (sets only merge, so a true answer stays true); a concurrent union may make it miss one.</summary>
    public bool Same(int a, int b) => Find(a) == Find(b);

    public void Union(int a, int b)
    {
        while (true)
        {
            a = Find(a);
            b = Find(b);
            if (a == b) return;
            if (a > b) (a, b) = (b, a);
            // Link the larger root b under a, if b is still a root.
            if (Interlocked.CompareExchange(ref _parent[b], a, b) == b) return;
        }
    }
}
