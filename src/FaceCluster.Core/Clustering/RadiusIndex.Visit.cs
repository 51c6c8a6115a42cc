using System.Runtime.CompilerServices;

namespace FaceCluster.Clustering;

/// <summary>
/// What a neighbour traversal does with what it finds, so that an algorithm can use the exact neighbourhoods without
/// materialising them (a dense cluster of m faces has m^2 neighbour pairs). The traversal applies exactly the tests of
/// <see cref="RadiusIndex.Query"/>, so every face it reports is a neighbour and every neighbour it does not report lies
/// in a node the visitor chose to skip.
/// </summary>
internal interface INeighbourVisitor
{
    /// <summary>Whether node <paramref name="node"/> (an index into the tree) can be left out entirely.</summary>
    bool Skip(int node);

    /// <summary>Every face at positions [start, end) of the tree order lies within the radius (the query face may be among them). Returns true to stop.</summary>
    bool All(int node, int start, int end);

    /// <summary>Face q (not the query face) lies within the radius. Returns true to stop.</summary>
    bool One(int q);

    /// <summary>The traversal has finished scanning leaf <paramref name="node"/> (not called when it stopped early).</summary>
    void LeafDone(int node);
}

internal sealed partial class RadiusIndex
{
    private int[] _positionOf = [];

    /// <summary>Length of the scratch path a traversal needs.</summary>
    internal const int MaxDepthLevels = MaxDepth;

    /// <summary>The tree order: the face at each position (each subtree is a contiguous range).</summary>
    internal ReadOnlySpan<int> Order => _order;

    internal int NodeCount => _nodes.Count;

    /// <summary>Faces in the index.</summary>
    internal int Count => _order.Length;

    /// <summary>Children of a node (empty for a leaf).</summary>
    internal ReadOnlySpan<int> ChildrenOf(int node) => _nodes[node].Children;

    internal (int Start, int End) RangeOf(int node) => (_nodes[node].Start, _nodes[node].End);

    /// <summary>
    /// Visits the neighbours q of p with d(p, q) &lt;= r (inclusive) or &lt; r: all of them, or with
    /// <paramref name="forwardOnly"/> only those with q &gt; p among the individually tested ones (whole nodes are
    /// always reported whole). Not thread-safe per scratch; any number of traversals may run at once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Traverse<TVisitor>(int p, float r, bool inclusive, bool forwardOnly, ref TVisitor visitor, Stack<(int Node, float Dpc)> stack, float[] path)
        where TVisitor : struct, INeighbourVisitor
    {
        if (_nodes.Count == 0) return;
        var row = _m.Row(p);
        float reach = r + Slack;
        stack.Clear();
        int rootIndex = _nodes.Count - 1; // the root is added last
        stack.Push((rootIndex, DescriptorMatrix.DistanceUpTo(row, _nodes[rootIndex].Centre, _nodes[rootIndex].Radius + reach)));
        Span<(float, int)> near = stackalloc (float, int)[Branching];
        while (stack.Count > 0)
        {
            var (nodeIndex, dpc) = stack.Pop();
            var node = _nodes[nodeIndex];
            // dpc was measured when the node was pushed; path[a] is the query's distance to this node's ancestor at level a
            // (depth-first order keeps it valid).
            if (node.Depth < MaxDepth) path[node.Depth] = dpc;
            if (dpc - node.Radius > reach) continue;
            if (visitor.Skip(nodeIndex)) continue;
            if (dpc + node.Radius + Slack < r)
            {
                if (visitor.All(nodeIndex, node.Start, node.End)) return;
                continue;
            }
            if (node.Children is { } children)
            {
                // Nearest child on top: a traversal that stops early (a count that is reached) stops sooner.
                int kept = 0;
                foreach (int c in children)
                {
                    var child = _nodes[c];
                    if (child.ExcludedByAncestors(path, reach)) continue;
                    near[kept++] = (DescriptorMatrix.DistanceUpTo(row, child.Centre, child.Radius + reach), c);
                }
                near[..kept].Sort();
                for (int k = kept - 1; k >= 0; k--) stack.Push((near[k].Item2, near[k].Item1));
                continue;
            }
            int levels = node.AncMin.Length;
            float lo = dpc - reach, hi = dpc + reach;
            for (int k = LowerBound(_leafDist, node.Start, node.End, lo); k < node.End && _leafDist[k] <= hi; k++)
            {
                int q = _order[k];
                if (q == p || forwardOnly && q < p) continue;
                int at = k * MaxDepth;
                bool far = false;
                for (int a = 0; a < levels; a++)
                {
                    if (MathF.Abs(path[a] - _anc[at + a]) > reach) { far = true; break; }
                }
                if (far) continue;
                if (DescriptorMatrix.Within(row, new ReadOnlySpan<float>(_rows, k * _dim, _dim), r, inclusive) && visitor.One(q)) return;
            }
            visitor.LeafDone(nodeIndex);
        }
    }

    /// <summary>
    /// A cut of the tree into at most <paramref name="budget"/> nodes covering every face once (ranges of the tree
    /// order, sorted): from the root, the widest node is replaced by its children (a leaf by its single faces) while
    /// that keeps within the budget; nodes narrower than <paramref name="keepBelow"/> are not split. Deterministic (ties by position).
    /// Each node comes with its centre (the mean of its faces).
    /// </summary>
    internal List<(int Start, int End, float Radius, float[] Centre)> Condense(float keepBelow, int budget)
    {
        var done = new List<(int, int, float, float[])>();
        if (_nodes.Count == 0) return done;
        var queue = new PriorityQueue<int, (float, int)>();
        void Add(int node)
        {
            var x = _nodes[node];
            if (x.Radius < keepBelow || x.End - x.Start == 1) done.Add((x.Start, x.End, x.Radius, x.Centre));
            else queue.Enqueue(node, (-x.Radius, x.Start));
        }
        Add(_nodes.Count - 1);
        while (queue.TryPeek(out int widest, out _))
        {
            var node = _nodes[widest];
            int parts = node.Children?.Length ?? node.End - node.Start;
            if (done.Count + queue.Count - 1 + parts > budget) break;
            queue.Dequeue();
            if (node.Children is { } children)
            {
                foreach (int c in children) Add(c);
                continue;
            }
            for (int k = node.Start; k < node.End; k++) done.Add((k, k + 1, 0, _rows.AsSpan(k * _dim, _dim).ToArray()));
        }
        while (queue.TryDequeue(out int node, out _)) done.Add((_nodes[node].Start, _nodes[node].End, _nodes[node].Radius, _nodes[node].Centre));
        done.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return done;
    }

    /// <summary>Whether face p lies at one of the tree positions [start, end).</summary>
    internal bool Holds(int start, int end, int p)
    {
        int at = _positionOf[p];
        return at >= start && at < end;
    }
}
