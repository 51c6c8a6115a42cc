namespace FaceCluster;

/// <summary>Which clustering algorithm <see cref="FaceClusterer"/> runs.</summary>
public enum ClusteringAlgorithm
{
    /// <summary>Average-linkage agglomerative clustering cut at <see cref="ClusteringOptions.Threshold"/> (default 0.6).</summary>
    Agglomerative = 0,
    /// <summary>DBSCAN with Euclidean distance, scikit-learn semantics (<see cref="ClusteringOptions.Epsilon"/>, <see cref="ClusteringOptions.MinSamples"/>).</summary>
    DBSCAN = 1,
    /// <summary>Chinese whispers as in dlib's face_clustering example, with a deterministic visiting order (default threshold 0.5); the default algorithm.</summary>
    ChineseWhispers = 2,
}

/// <summary>Progress of a clustering run.</summary>
/// <param name="Stage">What is being done: "Neighbours", "Clustering", "Medoids".</param>
/// <param name="Completed">Units of work done in this stage.</param>
/// <param name="Total">Units of work in this stage.</param>
public readonly record struct ClusteringProgress(string Stage, long Completed, long Total)
{
    public double Fraction => Total <= 0 ? 1 : (double)Completed / Total;

    /// <summary>Something the user should know about the result (e.g. that an approximation was used); null for plain progress.</summary>
    public string? Warning { get; init; }
}

/// <summary>Settings for <see cref="FaceClusterer.Cluster"/>. Distances are Euclidean between 128-d dlib descriptors; lower is stricter.</summary>
public sealed class ClusteringOptions
{
    public const double DefaultEpsilon = 0.5;
    // "Seen at least twice": on the sample footage 1 keeps the two people seen in one frame (DBSCAN then has no noise at
    // all), 2 makes them noise, 3 drops 8 faces; the original's 5 drops everyone seen fewer than 5 times (docs/accuracy.md).
    public const int DefaultMinSamples = 2;
    public const double DefaultAgglomerativeThreshold = 0.6;
    public const double DefaultChineseWhispersThreshold = 0.5;
    public const int DefaultIterations = 100;
    /// <summary>How much nearer a low-quality face must be to its cluster than to any other for the gate to attach it (docs/accuracy.md).</summary>
    /// <summary>0.1 at dlib's 0.5 (docs/accuracy.md: 59 of 62 planted low-quality faces attached right, none wrong);
    /// a share of the clustering distance, so it holds on any model's scale.</summary>
    public const double DefaultQualityAttachMargin = 0.2;

    // Chinese whispers at 0.5 is the default on the evidence of docs/accuracy.md: exact (BCubed F1 1.000) on both the
    // labelled photos and the sample footage, where average linkage at 0.6 merged look-alikes seen small in video (0.924).
    public ClusteringAlgorithm Algorithm { get; set; } = ClusteringAlgorithm.ChineseWhispers;

    /// <summary>DBSCAN neighbourhood radius: q is a neighbour of p when distance(p, q) &lt;= Epsilon.</summary>
    public double Epsilon { get; set; } = DefaultEpsilon;

    /// <summary>DBSCAN: a face is a core face when at least this many faces, counting itself, lie within Epsilon (scikit-learn's min_samples).</summary>
    public int MinSamples { get; set; } = DefaultMinSamples;

    /// <summary>
    /// Agglomerative: merge while the average distance between two clusters is &lt; Threshold.
    /// Chinese whispers: faces closer than Threshold are joined by an edge.
    /// Null means the algorithm's default (<see cref="DefaultAgglomerativeThreshold"/>, <see cref="DefaultChineseWhispersThreshold"/>).
    /// </summary>
    public double? Threshold { get; set; }

    /// <summary>Chinese whispers: maximum number of passes over all faces (it stops early once a pass changes nothing).</summary>
    public int Iterations { get; set; } = DefaultIterations;

    /// <summary>Two faces of the same image (same Path, or same VideoPath and FrameIndex) are different people and never share a cluster.</summary>
    public bool UseCannotLink { get; set; } = true;

    /// <summary>
    /// Link the faces of consecutive frames of one shot that are the same face into tracks and cluster the tracks
    /// (must-links; <see cref="Clustering.Tracks"/>); the faces come out with <see cref="FaceEncoding.TrackId"/> set.
    /// Faces without VideoPath and FrameIndex (photos) are never linked, so this changes nothing for them.
    /// </summary>
    public bool UseTracks { get; set; } = true;

    /// <summary>How a track enters clustering; null = the algorithm's measured choice (internal: for bench footage-eval).</summary>
    internal Clustering.TrackCollapse? TrackCollapse { get; set; }

    internal Clustering.TrackCollapse EffectiveTrackCollapse => TrackCollapse ?? (Algorithm == ClusteringAlgorithm.Agglomerative
        ? Clustering.TrackCollapse.Members
        : Clustering.TrackCollapse.Mean);

    /// <summary>Clusters with fewer faces than this are treated as noise (DBSCAN noise is always noise).</summary>
    public int MinClusterSize { get; set; } = 1;

    /// <summary>Emit the noise faces as one cluster with Id 0 and IsNoise set.</summary>
    public bool IncludeNoise { get; set; }

    /// <summary>
    /// Low-quality faces under these thresholds (<see cref="FaceQuality.Issues"/>) neither seed nor bridge clusters: the
    /// good faces are clustered first, then each low-quality face is attached to its nearest person when within the
    /// clustering distance and <see cref="QualityAttachMargin"/> nearer than to anyone else, else it is unsure
    /// (<see cref="FaceCluster.IsUnsure"/>). Null turns the gate off (every face clusters alike). Faces without a quality
    /// (stores written before it was measured) count as good.
    /// </summary>
    public FaceQualityThresholds? QualityGate { get; set; } = FaceQualityThresholds.Default;

    /// <summary>See <see cref="QualityGate"/>: how much nearer a low-quality face's nearest person must be than the
    /// second-nearest, as a share of the clustering distance (Threshold, or Epsilon for DBSCAN).</summary>
    public double QualityAttachMargin { get; set; } = DefaultQualityAttachMargin;

    /// <summary>Threads for the distance work; 0 or less means all processors. Results never depend on it.</summary>
    public int DegreeOfParallelism { get; set; }

    /// <summary>The threshold that will actually be used for Agglomerative or ChineseWhispers.</summary>
    public double EffectiveThreshold => Threshold ?? (Algorithm == ClusteringAlgorithm.ChineseWhispers
        ? DefaultChineseWhispersThreshold
        : DefaultAgglomerativeThreshold);

    internal int EffectiveDegreeOfParallelism => DegreeOfParallelism > 0 ? DegreeOfParallelism : Environment.ProcessorCount;

    /// <summary>Throws <see cref="ArgumentException"/> for settings that make no sense.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Algorithm)) throw new ArgumentException($"Unknown clustering algorithm {Algorithm}.", nameof(Algorithm));
        if (!double.IsFinite(Epsilon) || Epsilon <= 0) throw new ArgumentException($"Epsilon must be a positive finite distance, got {Epsilon}.", nameof(Epsilon));
        if (MinSamples < 1) throw new ArgumentException($"MinSamples must be at least 1 (it counts the face itself), got {MinSamples}.", nameof(MinSamples));
        if (Threshold is { } t && (!double.IsFinite(t) || t <= 0)) throw new ArgumentException($"Threshold must be a positive finite distance, got {t}.", nameof(Threshold));
        if (Iterations < 1) throw new ArgumentException($"Iterations must be at least 1, got {Iterations}.", nameof(Iterations));
        if (!double.IsFinite(QualityAttachMargin) || QualityAttachMargin < 0)
            throw new ArgumentException($"QualityAttachMargin must be a finite share >= 0, got {QualityAttachMargin}.", nameof(QualityAttachMargin));
        if (MinClusterSize < 1) throw new ArgumentException($"MinClusterSize must be at least 1, got {MinClusterSize}.", nameof(MinClusterSize));
    }

    /// <summary>Exact-graph budget of Chinese whispers and average linkage, in neighbour pairs (see <see cref="DenseCondensation"/>); tests and benches lower it.</summary>
    internal long DenseGraphPairBudget { get; set; } = FaceClusterer.DenseGraphPairBudget;

    /// <summary>Multiply-adds the exact Chinese-whispers / average-linkage graph may cost before the inverted-file graph replaces it (see <see cref="FaceClusterer"/>); tests and benches change it.</summary>
    internal double ExactScanBudget { get; set; } = FaceClusterer.ExactScanBudget;

    /// <summary>Items the dense approximation condenses faces into, at most.</summary>
    internal int DenseItemBudget { get; set; } = Clustering.DenseCondensation.ItemBudget;

    public ClusteringOptions Clone() => (ClusteringOptions)MemberwiseClone();
}
