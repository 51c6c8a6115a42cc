using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FaceCluster.Clustering;

/// <summary>
/// Descriptors copied into one contiguous float32 array, in canonical order. All clustering decisions use
/// <see cref="Distance(int, int)"/>. The dimension comes from the descriptors (128 for dlib, 1024 for a larger model):
/// every row must have the same length, and nothing below assumes a particular one.
/// </summary>
internal sealed class DescriptorMatrix
{
    public DescriptorMatrix(int count, int dim)
    {
        if (dim < 1) throw new ArgumentOutOfRangeException(nameof(dim), dim, "Descriptors need at least one value.");
        Count = count;
        Dim = dim;
        Data = new float[(long)count * dim];
    }

    public DescriptorMatrix(IReadOnlyList<FaceEncoding> faces)
        : this(faces.Count, DimensionOf(faces.Count, i => faces[i].Descriptor, i => $"Face '{faces[i].Id}'"))
    {
        for (int i = 0; i < faces.Count; i++) faces[i].Descriptor.AsSpan().CopyTo(Data.AsSpan(i * Dim, Dim));
    }

    public DescriptorMatrix(IReadOnlyList<float[]> vectors)
        : this(vectors.Count, DimensionOf(vectors.Count, i => vectors[i], i => $"Vector #{i}"))
    {
        for (int i = 0; i < vectors.Count; i++) vectors[i].AsSpan().CopyTo(Data.AsSpan(i * Dim, Dim));
    }

    /// <summary>The common length of the rows (the dlib length when there are none); throws when lengths differ.</summary>
    private static int DimensionOf(int count, Func<int, float[]> row, Func<int, string> name)
    {
        if (count == 0) return FaceEncoding.DescriptorLength;
        int dim = row(0).Length;
        for (int i = 1; i < count; i++)
        {
            if (row(i).Length != dim)
            {
                throw new ArgumentException($"{name(i)} has a descriptor of length {row(i).Length} but {name(0)} one of length {dim}; " +
                    "descriptors of different lengths cannot be compared.");
            }
        }
        return dim;
    }

    public int Count { get; }

    /// <summary>Values per descriptor.</summary>
    public int Dim { get; }

    public float[] Data { get; }

    public ReadOnlySpan<float> Row(int i) => new(Data, i * Dim, Dim);

    /// <summary>The canonical Euclidean distance: symmetric and exactly 0 for identical rows.</summary>
    public float Distance(int i, int j) => Distance(Row(i), Row(j));

    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => MathF.Sqrt(SquaredDistance(a, b, a.Length, float.PositiveInfinity));

    /// <summary>The canonical distance when it is at most <paramref name="limit"/>; otherwise some value &gt; limit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DistanceUpTo(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float limit) =>
        MathF.Sqrt(SquaredDistance(a, b, a.Length, limit));

    /// <summary>
    /// Whether the canonical distance is &lt;= r (inclusive) or &lt; r. It may stop early: the accumulators only grow
    /// (float addition of non-negative terms is monotone), so once the partial distance already fails the test,
    /// the full one does too; the answer is always exactly that of comparing <see cref="Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/> with r.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Within(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float r, bool inclusive)
    {
        float d = MathF.Sqrt(SquaredDistance(a, b, a.Length, r));
        return inclusive ? d <= r : d < r;
    }

    /// <summary>
    /// Sum of squared differences with four vector accumulators in a fixed order (deterministic, symmetric, exactly 0
    /// for identical rows). With a finite <paramref name="stopAbove"/> it returns a partial sum as soon as
    /// sqrt(partial) &gt; stopAbove, which fails both "&lt;= r" and "&lt; r".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int length, float stopAbove)
    {
        if (b.Length != length) throw new ArgumentException("Descriptors of different lengths.");
        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        int w = Vector<float>.Count, block = 4 * w;
        var s0 = Vector<float>.Zero;
        var s1 = Vector<float>.Zero;
        var s2 = Vector<float>.Zero;
        var s3 = Vector<float>.Zero;
        int i = 0;
        float stop2 = float.IsPositiveInfinity(stopAbove) ? float.PositiveInfinity : stopAbove;
        for (; i <= length - block; i += block)
        {
            var d0 = Vector.LoadUnsafe(ref ra, (nuint)i) - Vector.LoadUnsafe(ref rb, (nuint)i);
            var d1 = Vector.LoadUnsafe(ref ra, (nuint)(i + w)) - Vector.LoadUnsafe(ref rb, (nuint)(i + w));
            var d2 = Vector.LoadUnsafe(ref ra, (nuint)(i + 2 * w)) - Vector.LoadUnsafe(ref rb, (nuint)(i + 2 * w));
            var d3 = Vector.LoadUnsafe(ref ra, (nuint)(i + 3 * w)) - Vector.LoadUnsafe(ref rb, (nuint)(i + 3 * w));
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
            if (stop2 < float.PositiveInfinity && i + block < length && ((i / block) & 1) == 1)
            {
                float partial = Vector.Sum((s0 + s1) + (s2 + s3));
                if (MathF.Sqrt(partial) > stop2) return partial;
            }
        }
        float sum = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < length; i++)
        {
            float d = Unsafe.Add(ref ra, i) - Unsafe.Add(ref rb, i);
            sum += d * d;
        }
        return sum;
    }
}

/// <summary>Compressed sparse rows: for each face the sorted indices of its neighbours (never itself).</summary>
internal sealed class NeighborGraph
{
    public NeighborGraph(int[] offsets, int[] targets)
    {
        Offsets = offsets;
        Targets = targets;
    }

    public int[] Offsets { get; }
    public int[] Targets { get; }
    public int Count => Offsets.Length - 1;
    public long EdgeCount => Targets.Length;

    public int Degree(int i) => Offsets[i + 1] - Offsets[i];
    public ReadOnlySpan<int> Neighbors(int i) => new(Targets, Offsets[i], Offsets[i + 1] - Offsets[i]);

    /// <summary>Connected components, each sorted, ordered by their smallest member.</summary>
    public List<int[]> Components()
    {
        var uf = new UnionFind(Count);
        for (int i = 0; i < Count; i++)
        {
            foreach (int j in Neighbors(i))
            {
                if (j > i) uf.Union(i, j);
            }
        }
        return uf.Groups();
    }
}

internal sealed class UnionFind
{
    private readonly int[] _parent;

    public UnionFind(int n)
    {
        _parent = new int[n];
        for (int i = 0; i < n; i++) _parent[i] = i;
    }

    public int Find(int x)
    {
        while (_parent[x] != x)
        {
            _parent[x] = _parent[_parent[x]];
            x = _parent[x];
        }
        return x;
    }

    /// <summary>Links the larger root under the smaller, so a root is always the smallest member.</summary>
    public void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a == b) return;
        if (a < b) _parent[b] = a; else _parent[a] = b;
    }

    public List<int[]> Groups()
    {
        int n = _parent.Length;
        var sizes = new int[n];
        for (int i = 0; i < n; i++) sizes[Find(i)]++;
        var groups = new List<int[]>();
        var slot = new int[n];
        var fill = new int[n];
        for (int i = 0; i < n; i++)
        {
            if (_parent[i] == i)
            {
                slot[i] = groups.Count;
                groups.Add(new int[sizes[i]]);
            }
        }
        for (int i = 0; i < n; i++)
        {
            int r = Find(i);
            groups[slot[r]][fill[r]++] = i;
        }
        return groups;
    }
}
