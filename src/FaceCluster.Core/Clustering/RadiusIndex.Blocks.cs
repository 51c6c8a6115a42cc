using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceCluster.Clustering;

/// <summary>
/// Block traversal: a block of up to 64 consecutive tree positions (part of one leaf) walks the tree together, each
/// member keeping its own exact pruning state (the same tests as <see cref="Query"/>), so a node's centre and rows are
/// read once for the whole block instead of once per face. Only pairs whose second position lies after the first are
/// examined (each unordered pair once). A candidate pair is first measured with dot products
/// (||a-b||^2 = ||a||^2 + ||b||^2 - 2 a.b, four rows at a time); only when that estimate lies within a margin of r^2
/// that is many times its worst-case float error is the pair decided by the canonical
/// <see cref="DescriptorMatrix.Within"/>. Outside the margin the estimate and the canonical distance necessarily agree,
/// so the neighbour sets are exactly the brute-force ones.
/// </summary>
internal sealed partial class RadiusIndex
{
    private const int BlockSize = 64;

    /// <summary>Diagnostics of the last block graph: centre distances, estimated pairs, canonical rechecks.</summary>
    internal static long BlockCentreEvaluations, BlockPairEstimates, BlockRechecks;

    /// <summary>Diagnostics: wall seconds of the block graphs' projection screen set-up and of their pair search.</summary>
    internal static readonly double[] BlockSeconds = new double[2];

    /// <summary>
    /// Relative margin on squared distances at 128 values per descriptor. The estimate's error is below about
    /// 2e-5 * (||a||^2 + ||b||^2) (float dot products of 128 terms: gamma_128 * ||a|| ||b||, plus the two norms), the
    /// canonical sum's below 1e-5 * d^2; 2e-4 leaves a factor of ten. Both worst-case bounds grow linearly with the number
    /// of terms, so longer descriptors get a proportionally wider margin (<see cref="MarginFor"/>).
    /// </summary>
    private const float Margin = 2e-4f;

    internal static float MarginFor(int dim) => Margin * Math.Max(1f, dim / 128f);

    /// <summary>Pairs whose two edges fit one array (Array.MaxLength).</summary>
    private const long MaxPairs = 0x7FFFFFC7 / 2;

    /// <summary>The neighbour graph, or null as soon as it has more than <paramref name="maxPairs"/> pairs (neighbours counted once).</summary>
    internal NeighborGraph? BlockGraph(float r, bool inclusive, int degreeOfParallelism, IProgress<ClusteringProgress>? progress, CancellationToken ct,
        long maxPairs = MaxPairs, bool projection = false)
    {
        int n = _m.Count;
        var norms = new float[n];
        for (int k = 0; k < n; k++)
        {
            var row = new ReadOnlySpan<float>(_rows, k * _dim, _dim);
            norms[k] = Dot(ref MemoryMarshal.GetReference(row), ref MemoryMarshal.GetReference(row), _dim);
        }
        // Blocks: leaves cut into runs of at most BlockSize positions, in position order.
        var blocks = new List<(int Start, int End)>();
        foreach (var node in _nodes.Where(x => x.Children is null).OrderBy(x => x.Start))
        {
            for (int s = node.Start; s < node.End; s += BlockSize) blocks.Add((s, Math.Min(node.End, s + BlockSize)));
        }
        var blockPairs = new int[blocks.Count][];
        long done = 0, pairCount = 0;
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ctx = new BlockContext(this, norms, r, inclusive, MarginFor(_dim), BuildProjection(projection, degreeOfParallelism, ct));
        BlockSeconds[0] += clock.Elapsed.TotalSeconds;
        clock.Restart();
        bool tooMany = false;
        Parallel.For(0, blocks.Count, po, () => new BlockScratch(), (b, state, scratch) =>
        {
            var (s, e) = blocks[b];
            scratch.Pairs.Clear();
            ctx.Run(s, e, scratch);
            Interlocked.Add(ref BlockCentreEvaluations, scratch.Centres);
            Interlocked.Add(ref BlockPairEstimates, scratch.Estimates);
            Interlocked.Add(ref BlockRechecks, scratch.Rechecks);
            scratch.Centres = scratch.Estimates = scratch.Rechecks = 0;
            // Give up as soon as the graph is over budget rather than after collecting all of it.
            if (Interlocked.Add(ref pairCount, scratch.Pairs.Count / 2) > maxPairs)
            {
                tooMany = true;
                state.Stop();
                return scratch;
            }
            blockPairs[b] = scratch.Pairs.ToArray();
            long now = Interlocked.Add(ref done, e - s);
            progress?.Report(new ClusteringProgress("Neighbours", now, n));
            return scratch;
        }, _ => { });
        if (tooMany) return null;
        BlockSeconds[1] += clock.Elapsed.TotalSeconds;

        return SymmetricGraph(n, blockPairs, po);
    }

    /// <summary>
    /// Symmetric CSR rows from lists of (p, q) pairs (each unordered pair once, original face indices), then each row
    /// sorted: the set of pairs does not depend on threads, so neither does the graph. Releases the lists as it goes.
    /// </summary>
    private static NeighborGraph SymmetricGraph(int n, int[][] blockPairs, ParallelOptions po)
    {
        var degree = new long[n];
        foreach (var pairs in blockPairs)
        {
            for (int k = 0; k < pairs.Length; k++) degree[pairs[k]]++;
        }
        var offsets = RowOffsets(degree, out long total);
        var targets = new int[total];
        var fill = new int[n];
        Array.Copy(offsets, fill, n);
        for (int b = 0; b < blockPairs.Length; b++)
        {
            var pairs = blockPairs[b];
            for (int k = 0; k < pairs.Length; k += 2)
            {
                int p = pairs[k], q = pairs[k + 1];
                targets[fill[p]++] = q;
                targets[fill[q]++] = p;
            }
            blockPairs[b] = null!;
        }
        Parallel.For(0, (n + 1023) / 1024, po, c =>
        {
            for (int i = c * 1024; i < Math.Min(n, c * 1024 + 1024); i++) Array.Sort(targets, offsets[i], offsets[i + 1] - offsets[i]);
        });
        return new NeighborGraph(offsets, targets);
    }

    private sealed class BlockScratch
    {
        public readonly List<int> Pairs = [];
        public readonly float[] Path = new float[BlockSize * MaxDepth];
        public readonly float[] Dpc = new float[BlockSize];
        public long Centres, Estimates, Rechecks;
    }

    private sealed partial class BlockContext(RadiusIndex index, float[] norms, float r, bool inclusive, float relativeMargin, Projection? projection)
    {
        private readonly int _dim = index._dim;
        private readonly float _r = r;
        private readonly float _reach = r + Slack;
        private readonly float _r2 = r * r;

        public void Run(int start, int end, BlockScratch scratch)
        {
            ulong alive = end - start == 64 ? ulong.MaxValue : (1UL << (end - start)) - 1;
            Visit(index._nodes.Count - 1, alive, start, end, scratch);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Visit(int nodeIndex, ulong alive, int start, int end, BlockScratch scratch)
        {
            var node = index._nodes[nodeIndex];
            if (node.End <= start + 1) return; // only positions after the block's first can pair with it
            var path = scratch.Path;
            var dpcs = scratch.Dpc;
            var rows = index._rows;
            float reach = _reach;
            int levels = node.AncMin.Length;
            ulong next = 0;
            for (ulong rest = alive; rest != 0; rest &= rest - 1)
            {
                int b = BitOperations.TrailingZeroCount(rest);
                int p = start + b;
                if (node.End <= p + 1) continue;
                int at = b * MaxDepth;
                bool skip = false;
                for (int a = 0; a < levels; a++)
                {
                    float v = path[at + a];
                    if (v - node.AncMax[a] > reach || node.AncMin[a] - v > reach) { skip = true; break; }
                }
                if (skip) continue;
                scratch.Centres++;
                float dpc = DescriptorMatrix.DistanceUpTo(new ReadOnlySpan<float>(rows, p * _dim, _dim), node.Centre, node.Radius + reach);
                if (dpc - node.Radius > reach) continue;
                if (dpc + node.Radius + Slack < _r)
                {
                    // The whole node is within r of p (as in Query): take every later position without measuring.
                    var order = index._order;
                    int pid = order[p];
                    for (int k = Math.Max(node.Start, p + 1); k < node.End; k++)
                    {
                        scratch.Pairs.Add(pid);
                        scratch.Pairs.Add(order[k]);
                    }
                    continue;
                }
                if (node.Depth < MaxDepth) path[at + node.Depth] = dpc;
                dpcs[b] = dpc;
                next |= 1UL << b;
            }
            if (next == 0) return;
            if (node.Children is { } children)
            {
                foreach (int c in children) Visit(c, next, start, end, scratch);
                return;
            }
            // Two query faces at a time share every row load (see Scan2); an odd one out scans alone.
            int pending = -1;
            for (ulong rest = next; rest != 0; rest &= rest - 1)
            {
                int b = BitOperations.TrailingZeroCount(rest);
                if (!Pairwise) { Scan(node, start + b, dpcs[b], scratch); continue; }
                if (pending < 0) { pending = b; continue; }
                Scan2(node, start + pending, dpcs[pending], start + b, dpcs[b], scratch);
                pending = -1;
            }
            if (pending >= 0) Scan(node, start + pending, dpcs[pending], scratch);
        }

        /// <summary>The candidate positions of a leaf for query position p: after p, within reach of p's centre distance.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private (int Lo, int Hi) Candidates(Node leaf, int p, float dpc)
        {
            int from = Math.Max(leaf.Start, p + 1);
            if (from >= leaf.End) return (0, 0);
            var leafDist = index._leafDist;
            int lo = LowerBound(leafDist, from, leaf.End, dpc - _reach);
            int hi = lo;
            float top = dpc + _reach;
            while (hi < leaf.End && leafDist[hi] <= top) hi++;
            return (lo, hi);
        }

        /// <summary>
        /// <see cref="Scan"/> for two query positions p1 &lt; p2 of one block at once: the rows of the union of their
        /// candidate ranges are read once and multiplied with both queries (<see cref="Dot2x4"/>); each pair is decided
        /// only when the row is among that query's own candidates, so the pairs found are exactly Scan's.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Scan2(Node leaf, int p1, float dpc1, int p2, float dpc2, BlockScratch scratch)
        {
            var (lo1, hi1) = Candidates(leaf, p1, dpc1);
            var (lo2, hi2) = Candidates(leaf, p2, dpc2);
            if (lo1 >= hi1 || lo2 >= hi2)
            {
                if (lo1 < hi1) Scan(leaf, p1, dpc1, scratch);
                if (lo2 < hi2) Scan(leaf, p2, dpc2, scratch);
                return;
            }
            scratch.Estimates += hi1 - lo1 + hi2 - lo2;
            var output = scratch.Pairs;
            var rows = index._rows;
            var order = index._order;
            int dim = _dim;
            ref float a1 = ref rows[p1 * dim];
            ref float a2 = ref rows[p2 * dim];
            float n1 = norms[p1], n2 = norms[p2];
            int id1 = order[p1], id2 = order[p2];
            int lo = Math.Min(lo1, lo2), hi = Math.Max(hi1, hi2);
            int k = lo;
            if (projection is { } pr)
            {
                // The screen first (see RadiusIndex.Projection): 2 x 4 projected dot products, then the full-length one
                // only for the pairs it cannot reject.
                int pk = pr.Dims;
                var prow = pr.Rows;
                ref float b1 = ref prow[(long)p1 * pk];
                ref float b2 = ref prow[(long)p2 * pk];
                long rejects = 0;
                // Survivors wait in fours for one 1 x 4 full-length kernel (rows gathered), per query.
                Span<int> wait1 = stackalloc int[4], wait2 = stackalloc int[4];
                int w1 = 0, w2 = 0;
                for (; k + 4 <= hi; k += 4)
                {
                    Dot2x4(ref b1, ref b2, ref prow[(long)k * pk], pk, out var e1, out var e2);
                    for (int j = 0; j < 4; j++)
                    {
                        int q = k + j;
                        if (q >= lo1 && q < hi1)
                        {
                            if (Far(pr, p1, q, e1[j])) rejects++;
                            else if ((wait1[w1++] = q) >= 0 && w1 == 4) { DecideFour(id1, p1, n1, ref a1, wait1, output); w1 = 0; }
                        }
                        if (q >= lo2 && q < hi2)
                        {
                            if (Far(pr, p2, q, e2[j])) rejects++;
                            else if ((wait2[w2++] = q) >= 0 && w2 == 4) { DecideFour(id2, p2, n2, ref a2, wait2, output); w2 = 0; }
                        }
                    }
                }
                for (int j = 0; j < w1; j++) Decide(id1, p1, n1, wait1[j], Dot(ref a1, ref rows[wait1[j] * dim], dim), output);
                for (int j = 0; j < w2; j++) Decide(id2, p2, n2, wait2[j], Dot(ref a2, ref rows[wait2[j] * dim], dim), output);
                Interlocked.Add(ref BlockProjectedRejects, rejects);
            }
            for (; k + 4 <= hi; k += 4)
            {
                Dot2x4(ref a1, ref a2, ref rows[k * dim], dim, out var d1, out var d2);
                for (int j = 0; j < 4; j++)
                {
                    int q = k + j;
                    if (q >= lo1 && q < hi1) Decide(id1, p1, n1, q, d1[j], output);
                    if (q >= lo2 && q < hi2) Decide(id2, p2, n2, q, d2[j], output);
                }
            }
            for (; k < hi; k++)
            {
                if (k >= lo1 && k < hi1) Decide(id1, p1, n1, k, Dot(ref a1, ref rows[k * dim], dim), output);
                if (k >= lo2 && k < hi2) Decide(id2, p2, n2, k, Dot(ref a2, ref rows[k * dim], dim), output);
            }
        }

        /// <summary>Pairs (p, q) for the leaf's positions q &gt; p whose distance to the leaf centre is within reach of p's.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Scan(Node leaf, int p, float dpc, BlockScratch scratch)
        {
            var output = scratch.Pairs;
            int from = Math.Max(leaf.Start, p + 1);
            if (from >= leaf.End) return;
            var leafDist = index._leafDist;
            int lo = LowerBound(leafDist, from, leaf.End, dpc - _reach);
            int hi = lo;
            float top = dpc + _reach;
            while (hi < leaf.End && leafDist[hi] <= top) hi++;
            if (lo >= hi) return;
            scratch.Estimates += hi - lo;
            var rows = index._rows;
            var order = index._order;
            ref float a = ref rows[p * _dim];
            int dim = _dim;
            float na = norms[p];
            int pid = order[p];
            int k = lo;
            for (; k + 4 <= hi; k += 4)
            {
                Dot4(ref a, ref rows[k * dim], dim, out float d0, out float d1, out float d2, out float d3);
                Decide(pid, p, na, k, d0, output);
                Decide(pid, p, na, k + 1, d1, output);
                Decide(pid, p, na, k + 2, d2, output);
                Decide(pid, p, na, k + 3, d3, output);
            }
            for (; k < hi; k++) Decide(pid, p, na, k, Dot(ref a, ref rows[k * dim], dim), output);
        }

        /// <summary>
        /// Whether the screen proves d(p, q) &gt; r + Slack: the float estimate of ||Pp - Pq||^2 less its rounding bound
        /// (gamma_k on each of the three float dot products, doubled), less both projections' own error bounds.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool Far(Projection pr, int p, int q, float dot)
        {
            float np = pr.Norms[p], nq = pr.Norms[q];
            float estimate = np + nq - 2 * dot - pr.Rounding * (np + nq) - 1e-7f;
            return estimate > 0 && MathF.Sqrt(estimate) - pr.Error[p] - pr.Error[q] > _reach;
        }

        /// <summary>Decides four pairs (p, q[j]) from one 1 x 4 kernel over the gathered rows (in the order given).</summary>
        private void DecideFour(int pid, int p, float np, ref float a, Span<int> q, List<int> output)
        {
            var rows = index._rows;
            int dim = _dim;
            Dot1x4(ref a, ref rows[q[0] * dim], ref rows[q[1] * dim], ref rows[q[2] * dim], ref rows[q[3] * dim], dim, out var d);
            for (int j = 0; j < 4; j++) Decide(pid, p, np, q[j], d[j], output);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Decide(int pid, int p, float na, int q, float dot, List<int> output)
        {
            float nb = norms[q];
            float estimate = na + nb - 2 * dot;
            float margin = relativeMargin * (na + nb + _r2) + 1e-30f;
            bool take;
            if (estimate < _r2 - margin) take = true;
            else if (estimate > _r2 + margin) take = false;
            else
            {
                // Near the threshold (or not a number): the canonical distance decides.
                Interlocked.Increment(ref BlockRechecks);
                take = DescriptorMatrix.Within(new ReadOnlySpan<float>(index._rows, p * _dim, _dim),
                    new ReadOnlySpan<float>(index._rows, q * _dim, _dim), _r, inclusive);
            }
            if (take)
            {
                output.Add(pid);
                output.Add(index._order[q]);
            }
        }
    }

    /// <summary>Whether <see cref="Dot2x4"/> runs on fused multiply-adds of 8 floats (else each query scans alone).</summary>
    private static readonly bool Pairwise = Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// Dot products of a1 and a2 with four consecutive rows starting at b: 8 accumulators, and each loaded row vector
    /// serves both queries (6 loads per 8 multiply-adds, against 5 per 4 in <see cref="Dot4"/>). The float error bound
    /// of <see cref="Margin"/> holds for it as for any summation order, and fused multiply-adds only round less.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Dot2x4(ref float a1, ref float a2, ref float b, int length, out Vector128<float> d1, out Vector128<float> d2) =>
        Dot2x4(ref a1, ref a2, ref b, ref Unsafe.Add(ref b, length), ref Unsafe.Add(ref b, 2 * length), ref Unsafe.Add(ref b, 3 * length), length, out d1, out d2);

    /// <summary><see cref="Dot2x4(ref float, ref float, ref float, int, out Vector128{float}, out Vector128{float})"/> with the four rows anywhere (the same accumulation, so the same error bound).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Dot2x4(ref float a1, ref float a2, ref float b0, ref float b1, ref float b2, ref float b3, int length,
        out Vector128<float> d1, out Vector128<float> d2)
    {
        var s10 = Vector256<float>.Zero;
        var s11 = Vector256<float>.Zero;
        var s12 = Vector256<float>.Zero;
        var s13 = Vector256<float>.Zero;
        var s20 = Vector256<float>.Zero;
        var s21 = Vector256<float>.Zero;
        var s22 = Vector256<float>.Zero;
        var s23 = Vector256<float>.Zero;
        int i = 0;
        for (; i <= length - 8; i += 8)
        {
            nuint at = (nuint)i;
            var x1 = Vector256.LoadUnsafe(ref a1, at);
            var x2 = Vector256.LoadUnsafe(ref a2, at);
            var y = Vector256.LoadUnsafe(ref b0, at);
            s10 = Fma.MultiplyAdd(x1, y, s10);
            s20 = Fma.MultiplyAdd(x2, y, s20);
            y = Vector256.LoadUnsafe(ref b1, at);
            s11 = Fma.MultiplyAdd(x1, y, s11);
            s21 = Fma.MultiplyAdd(x2, y, s21);
            y = Vector256.LoadUnsafe(ref b2, at);
            s12 = Fma.MultiplyAdd(x1, y, s12);
            s22 = Fma.MultiplyAdd(x2, y, s22);
            y = Vector256.LoadUnsafe(ref b3, at);
            s13 = Fma.MultiplyAdd(x1, y, s13);
            s23 = Fma.MultiplyAdd(x2, y, s23);
        }
        d1 = Vector128.Create(Vector256.Sum(s10), Vector256.Sum(s11), Vector256.Sum(s12), Vector256.Sum(s13));
        d2 = Vector128.Create(Vector256.Sum(s20), Vector256.Sum(s21), Vector256.Sum(s22), Vector256.Sum(s23));
        for (; i < length; i++)
        {
            float x1 = Unsafe.Add(ref a1, i), x2 = Unsafe.Add(ref a2, i);
            var y = Vector128.Create(Unsafe.Add(ref b0, i), Unsafe.Add(ref b1, i), Unsafe.Add(ref b2, i), Unsafe.Add(ref b3, i));
            d1 += x1 * y;
            d2 += x2 * y;
        }
    }

    /// <summary>Dot products of a with four rows anywhere (8 accumulators of 8 floats; any length, a scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Dot1x4(ref float a, ref float b0, ref float b1, ref float b2, ref float b3, int length, out Vector128<float> d)
    {
        if (!Pairwise)
        {
            d = Vector128.Create(Dot(ref a, ref b0, length), Dot(ref a, ref b1, length), Dot(ref a, ref b2, length), Dot(ref a, ref b3, length));
            return;
        }
        var s0 = Vector256<float>.Zero;
        var s1 = Vector256<float>.Zero;
        var s2 = Vector256<float>.Zero;
        var s3 = Vector256<float>.Zero;
        int i = 0;
        for (; i <= length - 8; i += 8)
        {
            nuint at = (nuint)i;
            var x = Vector256.LoadUnsafe(ref a, at);
            s0 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref b0, at), s0);
            s1 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref b1, at), s1);
            s2 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref b2, at), s2);
            s3 = Fma.MultiplyAdd(x, Vector256.LoadUnsafe(ref b3, at), s3);
        }
        d = Vector128.Create(Vector256.Sum(s0), Vector256.Sum(s1), Vector256.Sum(s2), Vector256.Sum(s3));
        for (; i < length; i++)
        {
            float x = Unsafe.Add(ref a, i);
            d += x * Vector128.Create(Unsafe.Add(ref b0, i), Unsafe.Add(ref b1, i), Unsafe.Add(ref b2, i), Unsafe.Add(ref b3, i));
        }
    }

    /// <summary>Dot product of two rows of <paramref name="length"/> values (any length: a scalar tail after the vectors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(ref float a, ref float b, int length)
    {
        int w = Vector<float>.Count;
        var s0 = Vector<float>.Zero;
        var s1 = Vector<float>.Zero;
        int i = 0;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            s0 += Vector.LoadUnsafe(ref a, (nuint)i) * Vector.LoadUnsafe(ref b, (nuint)i);
            s1 += Vector.LoadUnsafe(ref a, (nuint)(i + w)) * Vector.LoadUnsafe(ref b, (nuint)(i + w));
        }
        float sum = Vector.Sum(s0 + s1);
        for (; i < length; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>Dot products of a with four consecutive rows (of <paramref name="length"/> values) starting at b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void Dot4(ref float a, ref float b, int length, out float d0, out float d1, out float d2, out float d3)
    {
        int w = Vector<float>.Count;
        var s0 = Vector<float>.Zero;
        var s1 = Vector<float>.Zero;
        var s2 = Vector<float>.Zero;
        var s3 = Vector<float>.Zero;
        int i = 0;
        for (; i <= length - w; i += w)
        {
            var va = Vector.LoadUnsafe(ref a, (nuint)i);
            s0 += va * Vector.LoadUnsafe(ref b, (nuint)i);
            s1 += va * Vector.LoadUnsafe(ref b, (nuint)(length + i));
            s2 += va * Vector.LoadUnsafe(ref b, (nuint)(2 * length + i));
            s3 += va * Vector.LoadUnsafe(ref b, (nuint)(3 * length + i));
        }
        d0 = Vector.Sum(s0);
        d1 = Vector.Sum(s1);
        d2 = Vector.Sum(s2);
        d3 = Vector.Sum(s3);
        for (; i < length; i++)
        {
            float x = Unsafe.Add(ref a, i);
            d0 += x * Unsafe.Add(ref b, i);
            d1 += x * Unsafe.Add(ref b, length + i);
            d2 += x * Unsafe.Add(ref b, 2 * length + i);
            d3 += x * Unsafe.Add(ref b, 3 * length + i);
        }
    }
}
