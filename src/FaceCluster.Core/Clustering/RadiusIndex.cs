namespace FaceCluster.Clustering;

/// <summary>
/// Exact fixed-radius neighbour search over a k-means tree (a ball tree whose nodes are split by a few Lloyd
/// iterations from deterministic seeds). Every node knows its centre c and radius R (largest member distance to c);
/// a query p skips a node when d(p,c) - R &gt; r and takes all of it when d(p,c) + R &lt; r. A leaf keeps its members
/// sorted by distance to its centre, and since |d(p,c) - d(q,c)| &lt;= d(p,q) only the members whose distance lies
/// within r of d(p,c) are tested. Every tested candidate is decided by the canonical
/// <see cref="DescriptorMatrix.Distance(int,int)"/>, and the bounds carry a slack far larger than float rounding, so the
/// neighbour sets are exactly the brute-force ones: they depend neither on the tree, nor on threads or timing.
/// </summary>
internal sealed partial class RadiusIndex
{
    private const float Slack = 1e-3f;
    private const int LeafSize = 16;
    private const int Branching = 8;
    private const int LloydIterations = 4;

    private readonly DescriptorMatrix _m;
    private readonly int _dim;           // values per descriptor (the matrix's)
    private readonly List<Node> _nodes = [];
    private readonly int[] _order;       // points, each subtree contiguous
    private readonly float[] _leafDist;  // distance of _order[k] to its leaf centre, ascending within a leaf
    private float[] _rows = [];          // descriptors in _order, so that a leaf scan reads memory sequentially

    private sealed class Node
    {
        public required float[] Centre;
        public float Radius;
        public int Start, End;           // range in _order
        public int[]? Children;          // node indices; null for a leaf
        public int Depth;
        public float[] AncMin = [], AncMax = []; // per ancestor level: range of member distances to that ancestor's centre

        /// <summary>
        /// Whether no member can lie within <paramref name="reach"/> of a query whose distance to this node's ancestor
        /// at level a is path[a]: by the triangle inequality a member at distance m from that centre is at least
        /// |path[a] - m| from the query, and m lies in [AncMin[a], AncMax[a]].
        /// </summary>
        public bool ExcludedByAncestors(float[] path, float reach)
        {
            for (int a = 0; a < AncMin.Length; a++)
            {
                if (path[a] - AncMax[a] > reach || AncMin[a] - path[a] > reach) return true;
            }
            return false;
        }
    }

    private const int MaxDepth = 12;
    /// <summary>Diagnostics: exact distance evaluations (centres and candidates) since start.</summary>
    internal static long Evaluations;
    private float[] _ancByPoint = [];    // point * MaxDepth + level: distance to the centre of its ancestor at that level
    private float[] _anc = [];           // the same, by position in _order

    public RadiusIndex(DescriptorMatrix m, int degreeOfParallelism, CancellationToken ct)
    {
        _m = m;
        _dim = m.Dim;
        _order = new int[m.Count];
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _leafDist = new float[m.Count];
        if (m.Count == 0) return;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        _ancByPoint = new float[(long)m.Count * MaxDepth];
        Build(0, m.Count, 0, po, ct);
        _rows = new float[(long)m.Count * _dim];
        _anc = new float[(long)m.Count * MaxDepth];
        for (int k = 0; k < _order.Length; k++)
        {
            m.Row(_order[k]).CopyTo(_rows.AsSpan(k * _dim, _dim));
            _ancByPoint.AsSpan(_order[k] * MaxDepth, MaxDepth).CopyTo(_anc.AsSpan(k * MaxDepth, MaxDepth));
        }
        _ancByPoint = [];
        _positionOf = new int[m.Count];
        for (int k = 0; k < _order.Length; k++) _positionOf[_order[k]] = k;
    }

    private int AddNode(Node node)
    {
        lock (_nodes)
        {
            _nodes.Add(node);
            return _nodes.Count - 1;
        }
    }

    /// <summary>Builds the subtree over _order[start..end) (kept in ascending point order) and returns its node index.</summary>
    private int Build(int start, int end, int depth, ParallelOptions po, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        int count = end - start;
        var centre = Mean(start, end);
        int levels = Math.Min(depth, MaxDepth);
        var ancMin = new float[levels];
        var ancMax = new float[levels];
        Array.Fill(ancMin, float.PositiveInfinity);
        float radius = 0;
        for (int k = start; k < end; k++)
        {
            int q = _order[k];
            float d = DescriptorMatrix.Distance(_m.Row(q), centre);
            radius = Math.Max(radius, d);
            if (depth < MaxDepth) _ancByPoint[q * MaxDepth + depth] = d;
            for (int a = 0; a < levels; a++)
            {
                float v = _ancByPoint[q * MaxDepth + a];
                if (v < ancMin[a]) ancMin[a] = v;
                if (v > ancMax[a]) ancMax[a] = v;
            }
        }
        var node = new Node { Centre = centre, Radius = radius, Start = start, End = end, Depth = depth, AncMin = ancMin, AncMax = ancMax };
        int groups = Math.Min(Branching, count / LeafSize);
        if (groups >= 2 && radius > 0)
        {
            var assign = Partition(start, end, groups, po);
            if (assign is not null)
            {
                // Stable regrouping keeps each child in ascending point order.
                var sizes = new int[groups];
                foreach (int a in assign) sizes[a]++;
                var bounds = new int[groups + 1];
                bounds[0] = start;
                for (int g = 0; g < groups; g++) bounds[g + 1] = bounds[g] + sizes[g];
                var fill = (int[])bounds.Clone();
                var copy = _order.AsSpan(start, count).ToArray();
                for (int k = 0; k < count; k++) _order[fill[assign[k]]++] = copy[k];
                var children = new int[groups];
                bool parallel = count > 4096;
                if (parallel) Parallel.For(0, groups, po, g => children[g] = Build(bounds[g], bounds[g + 1], depth + 1, po, ct));
                else for (int g = 0; g < groups; g++) children[g] = Build(bounds[g], bounds[g + 1], depth + 1, po, ct);
                node.Children = children;
                return AddNode(node);
            }
        }
        // Leaf: members sorted by distance to the centre (ties by point index).
        var dist = new float[count];
        for (int k = 0; k < count; k++) dist[k] = DescriptorMatrix.Distance(_m.Row(_order[start + k]), centre);
        var idx = _order.AsSpan(start, count).ToArray();
        var keys = Enumerable.Range(0, count).ToArray();
        Array.Sort(keys, (x, y) => dist[x] != dist[y] ? dist[x].CompareTo(dist[y]) : idx[x].CompareTo(idx[y]));
        for (int k = 0; k < count; k++)
        {
            _order[start + k] = idx[keys[k]];
            _leafDist[start + k] = dist[keys[k]];
        }
        return AddNode(node);
    }

    private float[] Mean(int start, int end)
    {
        var sum = new double[_dim];
        for (int k = start; k < end; k++)
        {
            var row = _m.Row(_order[k]);
            for (int d = 0; d < _dim; d++) sum[d] += row[d];
        }
        var mean = new float[_dim];
        for (int d = 0; d < _dim; d++) mean[d] = (float)(sum[d] / (end - start));
        return mean;
    }

    /// <summary>Lloyd iterations from evenly spaced seeds; null when everything lands in one group.</summary>
    private int[]? Partition(int start, int end, int groups, ParallelOptions po)
    {
        int count = end - start;
        var centres = new float[groups][];
        for (int g = 0; g < groups; g++) centres[g] = _m.Row(_order[start + (int)((long)g * count / groups)]).ToArray();
        var assign = new int[count];
        for (int iter = 0; ; iter++)
        {
            void Assign(int k)
            {
                var row = _m.Row(_order[start + k]);
                int best = 0;
                float bestD = float.PositiveInfinity;
                for (int g = 0; g < groups; g++)
                {
                    float d = DescriptorMatrix.Distance(row, centres[g]);
                    if (d < bestD) { bestD = d; best = g; }
                }
                assign[k] = best;
            }
            if (count > 8192) Parallel.For(0, count, po, Assign);
            else for (int k = 0; k < count; k++) Assign(k);
            if (iter == LloydIterations) break;
            var sums = new double[groups, _dim];
            var counts = new int[groups];
            for (int k = 0; k < count; k++)
            {
                int g = assign[k];
                counts[g]++;
                var row = _m.Row(_order[start + k]);
                for (int d = 0; d < _dim; d++) sums[g, d] += row[d];
            }
            for (int g = 0; g < groups; g++)
            {
                if (counts[g] == 0) continue;
                for (int d = 0; d < _dim; d++) centres[g][d] = (float)(sums[g, d] / counts[g]);
            }
        }
        int first = assign[0];
        return assign.All(a => a == first) ? null : assign;
    }

    /// <summary>Appends to <paramref name="output"/> every j &gt; p with d(p, j) &lt;= r (inclusive) or &lt; r, unsorted.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Query(int p, float r, bool inclusive, List<int> output, Stack<int> stack, float[] path)
    {
        if (_nodes.Count == 0) return;
        var row = _m.Row(p);
        float reach = r + Slack;
        long evaluations = 0;
        stack.Clear();
        stack.Push(_nodes.Count - 1); // the root is added last
        while (stack.Count > 0)
        {
            var node = _nodes[stack.Pop()];
            // path[a] is the query's distance to this node's ancestor at level a (depth-first order keeps it valid).
            if (node.ExcludedByAncestors(path, reach)) continue;
            // Nodes beyond reach only need a partial distance (exact early exit, see DescriptorMatrix.Within).
            float dpc = DescriptorMatrix.DistanceUpTo(row, node.Centre, node.Radius + reach);
            evaluations++;
            if (node.Depth < MaxDepth) path[node.Depth] = dpc;
            if (dpc - node.Radius > reach) continue;
            if (dpc + node.Radius + Slack < r)
            {
                for (int k = node.Start; k < node.End; k++) if (_order[k] > p) output.Add(_order[k]);
                continue;
            }
            if (node.Children is { } children)
            {
                foreach (int c in children) stack.Push(c);
                continue;
            }
            int levels = node.AncMin.Length;
            float lo = dpc - reach, hi = dpc + reach;
            for (int k = LowerBound(_leafDist, node.Start, node.End, lo); k < node.End && _leafDist[k] <= hi; k++)
            {
                int q = _order[k];
                if (q <= p) continue;
                int at = k * MaxDepth;
                bool far = false;
                for (int a = 0; a < levels; a++)
                {
                    if (MathF.Abs(path[a] - _anc[at + a]) > reach) { far = true; break; }
                }
                if (far) continue;
                evaluations++;
                if (DescriptorMatrix.Within(row, new ReadOnlySpan<float>(_rows, k * _dim, _dim), r, inclusive)) output.Add(q);
            }
        }
        Interlocked.Add(ref Evaluations, evaluations);
    }

    private static bool IsSorted(List<int> list)
    {
        for (int k = 1; k < list.Count; k++) if (list[k - 1] > list[k]) return false;
        return true;
    }

    private static int LowerBound(float[] a, int s, int e, float value)
    {
        while (s < e)
        {
            int mid = (s + e) >>> 1;
            if (a[mid] < value) s = mid + 1; else e = mid;
        }
        return s;
    }

    /// <summary>The neighbour graph at radius r (d &lt;= r when inclusive, else d &lt; r), built in parallel, rows sorted.</summary>
    /// <param name="projection">Screens pairs by a principal-subspace projection first (RadiusIndex.Projection: the same graph).</param>
    public static NeighborGraph BuildGraph(DescriptorMatrix m, float r, bool inclusive, int degreeOfParallelism,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, bool projection = false)
    {
        int n = m.Count;
        if (n == 0) return new NeighborGraph([0], []);
        var index = new RadiusIndex(m, degreeOfParallelism, ct);
        return index.BlockGraph(r, inclusive, degreeOfParallelism, progress, ct, projection: projection) ?? throw TooManyEdges();
    }

    /// <summary>The same graph from one tree query per face (the former method; kept as a reference for checks).</summary>
    internal static NeighborGraph BuildGraphPerPoint(DescriptorMatrix m, float r, bool inclusive, int degreeOfParallelism,
        IProgress<ClusteringProgress>? progress, CancellationToken ct)
    {
        int n = m.Count;
        if (n == 0) return new NeighborGraph([0], []);
        var index = new RadiusIndex(m, degreeOfParallelism, ct);
        const int chunkSize = 256;
        int chunks = (n + chunkSize - 1) / chunkSize;
        var chunkTargets = new int[chunks][];
        var degrees = new int[n];
        long done = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        Parallel.For(0, chunks, po, () => (new List<int>(), new Stack<int>(), new float[MaxDepth]), (chunk, _, scratch) =>
        {
            var (row, stack, path) = scratch;
            var all = new List<int>();
            int end = Math.Min(n, (chunk + 1) * chunkSize);
            for (int p = chunk * chunkSize; p < end; p++)
            {
                row.Clear();
                index.Query(p, r, inclusive, row, stack, path);
                if (!IsSorted(row)) row.Sort();
                degrees[p] = row.Count;
                all.AddRange(row);
            }
            chunkTargets[chunk] = all.ToArray();
            long now = Interlocked.Add(ref done, end - chunk * chunkSize);
            progress?.Report(new ClusteringProgress("Neighbours", now, n));
            return scratch;
        }, _ => { });

        // Symmetric rows from the forward (j > i) lists: row q gets its smaller neighbours while p < q is
        // processed, then its own forward list, so every row comes out sorted.
        var degree = new long[n];
        for (int c = 0; c < chunks; c++)
        {
            int p = c * chunkSize, k = 0;
            var list = chunkTargets[c];
            for (; p < Math.Min(n, (c + 1) * chunkSize); p++)
            {
                degree[p] += degrees[p];
                for (int e = 0; e < degrees[p]; e++) degree[list[k++]]++;
            }
        }
        var offsets = RowOffsets(degree, out long total);
        var targets = new int[total];
        var fill = new int[n];
        Array.Copy(offsets, fill, n);
        for (int c = 0; c < chunks; c++)
        {
            int p = c * chunkSize, k = 0;
            var list = chunkTargets[c];
            for (; p < Math.Min(n, (c + 1) * chunkSize); p++)
            {
                for (int e = 0; e < degrees[p]; e++)
                {
                    int q = list[k++];
                    targets[fill[p]++] = q;
                    targets[fill[q]++] = p;
                }
            }
            chunkTargets[c] = null!;
        }
        return new NeighborGraph(offsets, targets);
    }

    private static InvalidOperationException TooManyEdges() => new(
        $"The neighbour graph has more than {Array.MaxLength} edges; use a smaller threshold or fewer faces " +
        "(DBSCAN without cannot-link constraints needs no graph).");

    /// <summary>CSR row offsets from per-face degrees; refuses a graph larger than one array can hold.</summary>
    private static int[] RowOffsets(long[] degree, out long total)
    {
        var offsets = new int[degree.Length + 1];
        total = 0;
        for (int i = 0; i < degree.Length; i++)
        {
            total += degree[i];
            if (total > Array.MaxLength) throw TooManyEdges();
            offsets[i + 1] = (int)total;
        }
        return offsets;
    }
}
