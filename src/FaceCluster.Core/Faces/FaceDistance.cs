using System.Numerics.Tensors;

namespace FaceCluster;

/// <summary>Distances between face descriptors.</summary>
public static class FaceDistance
{
    /// <summary>
    /// dlib's threshold: two descriptors of the same person are usually closer than this (Euclidean distance).
    /// </summary>
    public const float DefaultTolerance = 0.6f;

    /// <summary>Euclidean (L2) distance between two descriptors of equal length (SIMD).</summary>
    public static float Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Descriptors differ in length ({a.Length} vs {b.Length}).", nameof(b));
        return TensorPrimitives.Distance(a, b);
    }
}
