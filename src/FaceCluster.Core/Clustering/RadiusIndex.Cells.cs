using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceCluster.Clustering;

/// <summary>
/// The inverted-file graph (as FAISS IVF for large-scale face clustering): the approximation of the "&lt; r" graph for
/// inputs whose exact graph costs too much to build (<see cref="FaceClusterer"/> decides, from <see cref="ExactScanCost"/>).
/// At 1024 values and a threshold close to the distances between different people no ball bound separates the
/// leaves, so the exact search measures most of the n^2 / 2 pairs; here a face is only compared with the faces of the
/// few cells nearest to it.
/// <para>
/// Requires: r &gt; 0; the graph of Chinese whispers or average linkage ("&lt; r", or "&lt;= r" when inclusive).
/// Ensures: (1) no false edge: every candidate pair is decided as <see cref="BlockGraph"/> decides it (the float
/// estimate outside its error margin, else the canonical <see cref="DescriptorMatrix.Within"/>), so the graph is a
/// subgraph of the exact one. (2) It holds every exact edge (p, q) where q's cell is among p's probed cells or p's
/// among q's. The cells are a flat k-means of the faces: <see cref="CellsPerRootN"/> * sqrt(n) centres seeded by evenly
/// spaced faces, a few Lloyd iterations on evenly spaced sample faces, every face in the cell of its nearest centre;
/// a face probes the <see cref="ProbeCells"/> cells whose centres are nearest to it, its own first. Edges lost are
/// those between faces of cells whose centres are not among either face's nearest: the edge recall and the agreement
/// of the clusters with the exact ones are measured by <c>bench cluster --ivf-compare</c> (bench/README.md).
/// (3) Deterministic: cells, probes and decisions depend only on the matrix, never on threads; every pair is
/// examined once and rows come out sorted.
/// </para>
/// </summary>
internal sealed partial class RadiusIndex
{
    /// <summary>Cells of the inverted file per square root of the faces (506 at 100,000: about 200 faces, five people, each).</summary>
    internal const double CellsPerRootN = 1.6;

    /// <summary>Cells a face is compared with, its own (the nearest) included.</summary>
    internal const int ProbeCells = 3;

    /// <summary>Sample faces per cell for the k-means iterations, and iterations.</summary>
    private const int SamplePerCell = 32, CellLloydIterations = 3;

    /// <summary>Diagnostics of the last cell graph: cells, pairs measured.</summary>
    internal static long CellCount, CellPairEstimates;

    /// <summary>Diagnostics: wall seconds of the last cell graph's k-means and probes, pair search, and rows.</summary>
    internal static readonly double[] CellSeconds = new double[3];

    /// <summary>
    /// The cost of <see cref="BlockGraph"/> at radius r, in multiply-adds, estimated from the traversal of
    /// <paramref name="samples"/> evenly spaced faces: the centre distances each measures and the leaf candidates it
    /// would scan (positions within reach of its distance to the leaf centre), halved since each pair is examined once.
    /// It measures no pair, so it costs a small share of one face's search per sample.
    /// </summary>
    internal double ExactScanCost(float r, int samples, int degreeOfParallelism, CancellationToken ct)
    {
        int n = Count;
        if (n < 2) return 0;
        samples = Math.Min(n, samples);
        var work = new long[samples];
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        Parallel.For(0, samples, po, () => (new Stack<(int, float)>(), new float[MaxDepth]), (s, _, scratch) =>
        {
            work[s] = ScanWork((int)((long)s * n / samples), r, scratch.Item1, scratch.Item2);
            return scratch;
        }, _ => { });
        return work.Average() * n / 2.0 * _dim;
    }

    /// <summary>Centre distances plus leaf candidates of the block search for face p (the tests of <see cref="Traverse"/>).</summary>
    private long ScanWork(int p, float r, Stack<(int Node, float Dpc)> stack, float[] path)
    {
        var row = _m.Row(p);
        float reach = r + Slack;
        long work = 1;
        stack.Clear();
        int rootIndex = _nodes.Count - 1;
        stack.Push((rootIndex, DescriptorMatrix.DistanceUpTo(row, _nodes[rootIndex].Centre, _nodes[rootIndex].Radius + reach)));
        while (stack.Count > 0)
        {
            var (nodeIndex, dpc) = stack.Pop();
            var node = _nodes[nodeIndex];
            if (node.Depth < MaxDepth) path[node.Depth] = dpc;
            if (dpc - node.Radius > reach || dpc + node.Radius + Slack < r) continue;
            if (node.Children is { } children)
            {
                foreach (int c in children)
                {
                    var child = _nodes[c];
                    if (child.ExcludedByAncestors(path, reach)) continue;
                    work++;
                    stack.Push((c, DescriptorMatrix.DistanceUpTo(row, child.Centre, child.Radius + reach)));
                }
                continue;
            }
            int lo = LowerBound(_leafDist, node.Start, node.End, dpc - reach);
            int hi = LowerBound(_leafDist, lo, node.End, dpc + reach + 1e-6f);
            work += hi - lo;
        }
        return work;
    }

    /// <summary>The inverted-file graph (see the class contract), or null as soon as it has more than <paramref name="maxPairs"/> pairs.</summary>
    internal NeighborGraph? CellGraph(float r, bool inclusive, int degreeOfParallelism, IProgress<ClusteringProgress>? progress, CancellationToken ct,
        long maxPairs = MaxPairs)
    {
        int n = _m.Count;
        if (n == 0) return new NeighborGraph([0], []);
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int dim = _dim;
        var norms = new float[n];
        for (int k = 0; k < n; k++) norms[k] = Dot(ref _rows[k * dim], ref _rows[k * dim], dim);

        // Cells: flat k-means (the tree's top levels split hundreds of people eight ways, which in 1024 dimensions is
        // decided by noise, not by who is who). Centres from evenly spaced faces, Lloyd iterations on evenly spaced
        // sample faces, then every face assigned; positions are tree positions, so everything depends on the matrix only.
        int cellCount = Math.Clamp((int)Math.Round(CellsPerRootN * Math.Sqrt(n)), 1, n);
        int probes = Math.Min(ProbeCells, cellCount);
        int sampleCount = Math.Min(n, SamplePerCell * cellCount);
        var sample = new int[sampleCount];
        for (int i = 0; i < sampleCount; i++) sample[i] = (int)((long)i * n / sampleCount);
        var centres = new float[(long)cellCount * dim];
        for (int c = 0; c < cellCount; c++) _rows.AsSpan((int)((long)c * n / cellCount) * dim, dim).CopyTo(centres.AsSpan(c * dim, dim));
        var sampleBest = new int[sampleCount * 1];
        var dummy = new float[sampleCount];
        for (int iter = 0; iter < CellLloydIterations; iter++)
        {
            Nearest(sample, norms, centres, cellCount, 1, sampleBest, po);
            var sums = new double[(long)cellCount * dim];
            var counts = new int[cellCount];
            for (int i = 0; i < sampleCount; i++)
            {
                int c = sampleBest[i];
                counts[c]++;
                var row = new ReadOnlySpan<float>(_rows, sample[i] * dim, dim);
                for (int d = 0; d < dim; d++) sums[(long)c * dim + d] += row[d];
            }
            for (int c = 0; c < cellCount; c++)
            {
                if (counts[c] == 0) continue; // an empty cell keeps its centre
                for (int d = 0; d < dim; d++) centres[(long)c * dim + d] = (float)(sums[(long)c * dim + d] / counts[c]);
            }
        }
        var all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        var probe = new int[(long)n * probes];
        Nearest(all, norms, centres, cellCount, probes, probe, po);
        var cellOf = new int[n];
        var sizes = new int[cellCount];
        for (int p = 0; p < n; p++)
        {
            long at = (long)p * probes;
            cellOf[p] = probe[at];
            sizes[cellOf[p]]++;
            probe.AsSpan((int)at, probes).Sort();
        }
        var members = new int[cellCount][];
        for (int c = 0; c < cellCount; c++) members[c] = new int[sizes[c]];
        var fill = new int[cellCount];
        for (int p = 0; p < n; p++) members[cellOf[p]][fill[cellOf[p]]++] = p;
        CellCount = cellCount;
        CellSeconds[0] = clock.Elapsed.TotalSeconds;
        clock.Restart();

        var ctx = new BlockContext(this, norms, r, inclusive, MarginFor(dim), null);
        var cellPairs = new int[cellCount][];
        long pairCount = 0, done = 0;
        bool tooMany = false;
        CellPairEstimates = 0;
        Parallel.For(0, cellCount, po, () => (new List<int>(), new SortedDictionary<int, List<int>>(), new List<int>()), (a, state, scratch) =>
        {
            var (pairs, byCell, qs) = scratch;
            pairs.Clear();
            byCell.Clear();
            foreach (int p in members[a])
            {
                for (int j = 0; j < probes; j++)
                {
                    int b = probe[(long)p * probes + j];
                    if (b == a) continue;
                    if (!byCell.TryGetValue(b, out var list)) byCell[b] = list = [];
                    list.Add(p);
                }
            }
            long estimates = ctx.WithinCell(members[a], pairs);
            foreach (var (b, ps) in byCell)
            {
                // A pair probed from both sides is examined from the side of the smaller cell only.
                qs.Clear();
                foreach (int q in members[b])
                {
                    if (b > a || !Probes(probe, probes, q, a)) qs.Add(q);
                }
                estimates += ctx.Across(ps, qs, pairs);
            }
            Interlocked.Add(ref CellPairEstimates, estimates);
            if (Interlocked.Add(ref pairCount, pairs.Count / 2) > maxPairs)
            {
                tooMany = true;
                state.Stop();
                return scratch;
            }
            cellPairs[a] = pairs.ToArray();
            progress?.Report(new ClusteringProgress("Neighbours", Interlocked.Add(ref done, members[a].Length), n));
            return scratch;
        }, _ => { });
        if (tooMany) return null;
        CellSeconds[1] = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var graph = SymmetricGraph(n, cellPairs, po);
        CellSeconds[2] = clock.Elapsed.TotalSeconds;
        return graph;
    }

    /// <summary>
    /// For each position in <paramref name="positions"/>, its <paramref name="keep"/> nearest centres (ascending distance,
    /// ties by centre) into best[i * keep ..]: ranked by ||c||^2 - 2 x.c, which orders centres as the distance does up
    /// to float rounding (the ranking only has to be deterministic, not exact).
    /// </summary>
    private void Nearest(int[] positions, float[] norms, float[] centres, int cellCount, int keep, int[] best, ParallelOptions po)
    {
        int dim = _dim;
        var centreNorms = new float[cellCount];
        for (int c = 0; c < cellCount; c++) centreNorms[c] = Dot(ref centres[(long)c * dim], ref centres[(long)c * dim], dim);
        Parallel.For(0, (positions.Length + 63) / 64, po, () => (new float[2 * cellCount], new (float, int)[keep + 1]), (chunk, _, scratch) =>
        {
            var (score, top) = scratch;
            int end = Math.Min(positions.Length, chunk * 64 + 64);
            for (int i = chunk * 64; i < end; i += 2)
            {
                int i2 = Math.Min(i + 1, end - 1);
                ref float a1 = ref _rows[positions[i] * dim];
                ref float a2 = ref _rows[positions[i2] * dim];
                int c = 0;
                if (Pairwise)
                {
                    for (; c + 4 <= cellCount; c += 4)
                    {
                        Dot2x4(ref a1, ref a2, ref centres[(long)c * dim], dim, out var d1, out var d2);
                        for (int j = 0; j < 4; j++)
                        {
                            score[c + j] = centreNorms[c + j] - 2 * d1[j];
                            score[cellCount + c + j] = centreNorms[c + j] - 2 * d2[j];
                        }
                    }
                }
                for (; c < cellCount; c++)
                {
                    score[c] = centreNorms[c] - 2 * Dot(ref a1, ref centres[(long)c * dim], dim);
                    score[cellCount + c] = centreNorms[c] - 2 * Dot(ref a2, ref centres[(long)c * dim], dim);
                }
                for (int w = 0; w < (i2 > i ? 2 : 1); w++)
                {
                    // Insertion into the kept best (ascending score, ties by centre).
                    int kept = 0;
                    for (c = 0; c < cellCount; c++)
                    {
                        float v = score[w * cellCount + c];
                        if (kept == keep && v >= top[kept - 1].Item1) continue;
                        int at = kept < keep ? kept++ : keep - 1;
                        while (at > 0 && top[at - 1].Item1 > v) { top[at] = top[at - 1]; at--; }
                        top[at] = (v, c);
                    }
                    int row = i + w;
                    for (int j = 0; j < keep; j++) best[(long)row * keep + j] = top[j].Item2;
                }
            }
            return scratch;
        }, _ => { });
    }

    private static bool Probes(int[] probe, int probes, int q, int cell)
    {
        for (int j = 0; j < probes; j++)
        {
            int b = probe[(long)q * probes + j];
            if (b == cell) return true;
            if (b < 0 || b > cell) return false;
        }
        return false;
    }

    private sealed partial class BlockContext
    {
        /// <summary>Every pair of the positions <paramref name="cell"/> holds; returns the pairs measured.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long WithinCell(int[] cell, List<int> output)
        {
            var rows = index._rows;
            var order = index._order;
            int dim = _dim;
            int size = cell.Length;
            for (int i = 0; i + 1 < size; i += 2)
            {
                int p1 = cell[i], p2 = cell[i + 1];
                ref float a1 = ref rows[p1 * dim];
                ref float a2 = ref rows[p2 * dim];
                int id1 = order[p1], id2 = order[p2];
                float n1 = norms[p1], n2 = norms[p2];
                Decide(id1, p1, n1, p2, Dot(ref a1, ref a2, dim), output);
                int k = i + 2;
                if (Pairwise)
                {
                    for (; k + 4 <= size; k += 4)
                    {
                        Dot2x4(ref a1, ref a2, ref rows[cell[k] * dim], ref rows[cell[k + 1] * dim], ref rows[cell[k + 2] * dim], ref rows[cell[k + 3] * dim],
                            dim, out var d1, out var d2);
                        for (int j = 0; j < 4; j++)
                        {
                            Decide(id1, p1, n1, cell[k + j], d1[j], output);
                            Decide(id2, p2, n2, cell[k + j], d2[j], output);
                        }
                    }
                }
                for (; k < size; k++)
                {
                    Decide(id1, p1, n1, cell[k], Dot(ref a1, ref rows[cell[k] * dim], dim), output);
                    Decide(id2, p2, n2, cell[k], Dot(ref a2, ref rows[cell[k] * dim], dim), output);
                }
            }
            return (long)size * (size - 1) / 2;
        }

        /// <summary>Every pair (p, q) of p in <paramref name="ps"/>, q in <paramref name="qs"/> (positions of two different cells); returns the pairs measured.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long Across(List<int> ps, List<int> qs, List<int> output)
        {
            var rows = index._rows;
            var order = index._order;
            int dim = _dim;
            int i = 0;
            for (; i + 2 <= ps.Count; i += 2)
            {
                int p1 = ps[i], p2 = ps[i + 1];
                ref float a1 = ref rows[p1 * dim];
                ref float a2 = ref rows[p2 * dim];
                int id1 = order[p1], id2 = order[p2];
                float n1 = norms[p1], n2 = norms[p2];
                int k = 0;
                if (Pairwise)
                {
                    for (; k + 4 <= qs.Count; k += 4)
                    {
                        Dot2x4(ref a1, ref a2, ref rows[qs[k] * dim], ref rows[qs[k + 1] * dim], ref rows[qs[k + 2] * dim], ref rows[qs[k + 3] * dim],
                            dim, out var d1, out var d2);
                        for (int j = 0; j < 4; j++)
                        {
                            Decide(id1, p1, n1, qs[k + j], d1[j], output);
                            Decide(id2, p2, n2, qs[k + j], d2[j], output);
                        }
                    }
                }
                for (; k < qs.Count; k++)
                {
                    Decide(id1, p1, n1, qs[k], Dot(ref a1, ref rows[qs[k] * dim], dim), output);
                    Decide(id2, p2, n2, qs[k], Dot(ref a2, ref rows[qs[k] * dim], dim), output);
                }
            }
            if (i < ps.Count)
            {
                int p = ps[i];
                ref float a = ref rows[p * dim];
                foreach (int q in qs) Decide(order[p], p, norms[p], q, Dot(ref a, ref rows[q * dim], dim), output);
            }
            return (long)ps.Count * qs.Count;
        }
    }
}
