namespace FaceCluster.Clustering;

/// <summary>
/// Exact fixed-radius neighbour search. The faces are partitioned by a few Lloyd iterations around
/// deterministic seeds; each group keeps its members sorted by distance to the group centre. By the
/// triangle inequality |d(p,c) - d(q,c)| &lt;= d(p,q), so for a query p only the members whose distance
/// to the centre lies within r of d(p,c) can be neighbours; whole groups are skipped (or accepted) by
/// their radius. Every surviving candidate is decided by the canonical <see cref="DescriptorMatrix.Distance(int,int)"/>,
/// and the bounds carry a slack far larger than float rounding, so the result is exactly the brute-force one
/// and does not depend on the partition, on the thread count or on timing.
/// </summary>
internal sealed class RadiusIndex
{
    private const float Slack = 1e-3f;
    private const int Dim = DescriptorMatrix.Dim;

    private readonly DescriptorMatrix _m;
    private readonly int _groups;
    private readonly float[] _centres;
    private readonly int[] _groupStart;
    private readonly int[] _members;
    private readonly float[] _memberDist;

    public RadiusIndex(DescriptorMatrix m, int degreeOfParallelism, CancellationToken ct)
    {
        _m = m;
        int n = m.Count;
        _groups = n < 256 ? 1 : Math.Clamp((int)Math.Sqrt(n), 1, 1024);
        _centres = new float[_groups * Dim];
        for (int g = 0; g < _groups; g++)
        {
            int seed = (int)((long)g * n / _groups);
            m.Row(seed).CopyTo(_centres.AsSpan(g * Dim, Dim));
        }

        var assign = new int[n];
        var dist = new float[n];
        var po = new ParallelOptions { MaxDegreeOfParallelism = degreeOfParallelism, CancellationToken = ct };
        const int lloydIterations = 3;
        for (int iter = 0; iter <= lloydIterations; iter++)
        {
            Parallel.For(0, (n + 255) / 256, po, chunk =>
            {
                int end = Math.Min(n, (chunk + 1) * 256);
                for (int i = chunk * 256; i < end; i++)
                {
                    var row = m.Row(i);
                    int best = 0;
                    float bestD = float.PositiveInfinity;
                    for (int g = 0; g < _groups; g++)
                    {
                        float d = DescriptorMatrix.Distance(row, Centre(g));
                        if (d < bestD) { bestD = d; best = g; }
                    }
                    assign[i] = best;
                    dist[i] = bestD;
                }
            });
            if (iter == lloydIterations || _groups == 1 && iter > 0) break;
            // New centres: means accumulated in double, sequentially in canonical order (deterministic).
            var sums = new double[_groups * Dim];
            var counts = new int[_groups];
            for (int i = 0; i < n; i++)
            {
                int g = assign[i];
                counts[g]++;
                var row = m.Row(i);
                var s = sums.AsSpan(g * Dim, Dim);
                for (int k = 0; k < Dim; k++) s[k] += row[k];
            }
            for (int g = 0; g < _groups; g++)
            {
                if (counts[g] == 0) continue;
                for (int k = 0; k < Dim; k++) _centres[g * Dim + k] = (float)(sums[g * Dim + k] / counts[g]);
            }
        }

        _groupStart = new int[_groups + 1];
        for (int i = 0; i < n; i++) _groupStart[assign[i] + 1]++;
        for (int g = 0; g < _groups; g++) _groupStart[g + 1] += _groupStart[g];
        _members = new int[n];
        _memberDist = new float[n];
        var fill = (int[])_groupStart.Clone();
        for (int i = 0; i < n; i++)
        {
            int at = fill[assign[i]]++;
            _members[at] = i;
            _memberDist[at] = dist[i];
        }
        for (int g = 0; g < _groups; g++)
        {
            int s = _groupStart[g], len = _groupStart[g + 1] - s;
            Array.Sort(_memberDist, _members, s, len);
        }
    }

    private ReadOnlySpan<float> Centre(int g) => new(_centres, g * Dim, Dim);

    /// <summary>Appends to <paramref name="output"/> every j != p with d(p, j) &lt;= r (inclusive) or &lt; r, unsorted.</summary>
    public void Query(int p, float r, bool inclusive, List<int> output)
    {
        var row = _m.Row(p);
        for (int g = 0; g < _groups; g++)
        {
            int s = _groupStart[g], e = _groupStart[g + 1];
            if (s == e) continue;
            float dpc = DescriptorMatrix.Distance(row, Centre(g));
            float lo = dpc - r - Slack, hi = dpc + r + Slack;
            if (_memberDist[e - 1] < lo || _memberDist[s] > hi) continue;
            if (dpc + _memberDist[e - 1] + Slack < r)
            {
                // The whole group is certainly within r.
                for (int k = s; k < e; k++) if (_members[k] != p) output.Add(_members[k]);
                continue;
            }
            int from = LowerBound(_memberDist, s, e, lo);
            for (int k = from; k < e && _memberDist[k] <= hi; k++)
            {
                int q = _members[k];
                if (q == p) continue;
                float d = DescriptorMatrix.Distance(row, _m.Row(q));
                if (inclusive ? d <= r : d < r) output.Add(q);
            }
        }
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
    public static NeighborGraph BuildGraph(DescriptorMatrix m, float r, bool inclusive, int degreeOfParallelism,
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
        Parallel.For(0, chunks, po, () => new List<int>(), (chunk, _, row) =>
        {
            var all = new List<int>();
            int end = Math.Min(n, (chunk + 1) * chunkSize);
            for (int p = chunk * chunkSize; p < end; p++)
            {
                row.Clear();
                index.Query(p, r, inclusive, row);
                row.Sort();
                degrees[p] = row.Count;
                all.AddRange(row);
            }
            chunkTargets[chunk] = all.ToArray();
            long now = Interlocked.Add(ref done, end - chunk * chunkSize);
            progress?.Report(new ClusteringProgress("Neighbours", now, n));
            return row;
        }, _ => { });

        var offsets = new int[n + 1];
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            total += degrees[i];
            if (total > Array.MaxLength) throw new InvalidOperationException(
                $"The neighbour graph has more than {Array.MaxLength} edges; use a smaller threshold or fewer faces.");
            offsets[i + 1] = (int)total;
        }
        var targets = new int[total];
        for (int c = 0; c < chunks; c++)
        {
            chunkTargets[c].CopyTo(targets, offsets[c * chunkSize]);
            chunkTargets[c] = null!;
        }
        return new NeighborGraph(offsets, targets);
    }
}
