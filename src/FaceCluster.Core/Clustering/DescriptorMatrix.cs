using System.Numerics.Tensors;

namespace FaceCluster.Clustering;

/// <summary>Descriptors copied into one contiguous array, in canonical order. All clustering decisions use <see cref="Distance(int, int)"/>.</summary>
internal sealed class DescriptorMatrix
{
    public const int Dim = FaceEncoding.DescriptorLength;

    public DescriptorMatrix(int count)
    {
        Count = count;
        Data = new float[(long)count * Dim];
    }

    public DescriptorMatrix(IReadOnlyList<FaceEncoding> faces) : this(faces.Count)
    {
        for (int i = 0; i < faces.Count; i++) faces[i].Descriptor.AsSpan().CopyTo(Data.AsSpan(i * Dim, Dim));
    }

    public DescriptorMatrix(IReadOnlyList<float[]> vectors) : this(vectors.Count)
    {
        for (int i = 0; i < vectors.Count; i++) vectors[i].AsSpan().CopyTo(Data.AsSpan(i * Dim, Dim));
    }

    public int Count { get; }
    public float[] Data { get; }

    public ReadOnlySpan<float> Row(int i) => new(Data, i * Dim, Dim);

    /// <summary>The canonical Euclidean distance: symmetric and exactly 0 for identical rows.</summary>
    public float Distance(int i, int j) => TensorPrimitives.Distance(Row(i), Row(j));

    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);
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
