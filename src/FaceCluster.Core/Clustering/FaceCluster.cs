namespace FaceCluster;

/// <summary>One person found by <see cref="FaceClusterer"/>: the faces, the most typical face and how tight the cluster is.</summary>
public sealed class FaceCluster
{
    public const string NoiseLabel = "Noise";
    public const string UnsureLabel = "Unsure";
    /// <summary>Id of the cluster of unsure faces.</summary>
    public const int UnsureId = -1;

    /// <summary>1..n, largest cluster first (ties: the cluster holding the smallest face Id first). The noise cluster is 0.</summary>
    public required int Id { get; init; }

    /// <summary>Defaults to Person_&lt;Id&gt;; set it to name the person.</summary>
    public required string Label { get; set; }

    public int Count => Faces.Count;

    /// <summary>The faces in ordinal order of their Id.</summary>
    public required IReadOnlyList<FaceEncoding> Faces { get; init; }

    /// <summary>The face with the least total distance to the other faces of the cluster (ties: smallest Id).</summary>
    public required FaceEncoding Medoid { get; init; }

    /// <summary>Mean distance from the medoid to the other faces (0 for a single face).</summary>
    public required double MeanDistance { get; init; }

    /// <summary>Largest distance from the medoid to another face (0 for a single face).</summary>
    public required double MaxDistance { get; init; }

    /// <summary>True only for the cluster of unclustered faces (Id 0), emitted when IncludeNoise is set.</summary>
    public bool IsNoise { get; init; }

    /// <summary>
    /// True only for the cluster of unsure faces (Id -1, label Unsure; <see cref="IsNoise"/> is set too, so everything
    /// that leaves noise out leaves them out): low-quality faces the quality gate could not attach to one person
    /// clearly (<see cref="ClusteringOptions.QualityGate"/>). Emitted with IncludeNoise; worth a look by a person.
    /// </summary>
    public bool IsUnsure { get; init; }

    public static string DefaultLabel(int id) => $"Person_{id}";

    public override string ToString() => $"{Label} ({Count} faces)";
}
