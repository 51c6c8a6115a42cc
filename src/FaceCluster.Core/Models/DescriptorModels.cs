namespace FaceCluster.Models;

/// <summary>The face descriptor models FaceCluster can compute (<c>Get-FaceEncoding -Model</c>).</summary>
public enum DescriptorModelKind
{
    /// <summary>dlib's face-recognition ResNet: 128-d, aligned 150x150 chips.</summary>
    Dlib = 0,
    /// <summary>HSE FaceRes (MobileNet trained on VGGFace2): 1024-d, unit length, unrotated 224x224 box crops.</summary>
    FaceRes = 1,
}

/// <summary>
/// Everything that depends on which model made a descriptor: its stored name, its length, its ONNX file and the
/// distance thresholds calibrated on its distance scale. Clustering and matching take their defaults from here, so a
/// user never needs to know a model's distance scale.
/// </summary>
/// <param name="Kind">The model.</param>
/// <param name="Name">The value of <see cref="FaceEncoding.Model"/> (stores record it; never change it for a model).</param>
/// <param name="Length">Descriptor length.</param>
/// <param name="File">The ONNX file in the module's models folder.</param>
/// <param name="ClusterThreshold">Chinese whispers: faces closer than this are linked.</param>
/// <param name="AverageLinkageThreshold">Average-linkage agglomerative clustering: merge below this average distance.</param>
/// <param name="DbscanEpsilon">DBSCAN neighbourhood radius.</param>
/// <param name="MatchThreshold">Find-FaceCluster and -Reference naming: a face matches a person within this distance.</param>
public sealed record DescriptorModelInfo(
    DescriptorModelKind Kind,
    string Name,
    int Length,
    ModelFile File,
    double ClusterThreshold,
    double AverageLinkageThreshold,
    double DbscanEpsilon,
    double MatchThreshold)
{
    /// <summary>The calibrated threshold of a threshold-cut algorithm (DBSCAN uses <see cref="DbscanEpsilon"/>).</summary>
    public double ThresholdFor(ClusteringAlgorithm algorithm)
        => algorithm == ClusteringAlgorithm.Agglomerative ? AverageLinkageThreshold : ClusterThreshold;

    public override string ToString() => $"{Kind} ({Name}, {Length}-d)";
}

/// <summary>The registry of descriptor models: the one home of their names, lengths and calibrated thresholds.</summary>
public static class DescriptorModels
{
    /// <summary>
    /// The model <c>Get-FaceEncoding</c> uses when none is given: FaceRes, chosen by the minimum over every set we can
    /// build (docs/accuracy.md): at its defaults (Chinese whispers 0.84, tracks on) the lowest BCubed F1 over the footage
    /// of the labelled photos, the footage of the demo photos and the labelled photos is 0.989 with no cluster mixing two
    /// people, where dlib at its defaults bottoms out at 0.958 with one mixed cluster (labelled footage). On held-out
    /// real footage (a family sitcom, children and Asian faces) FaceRes gave 0.97 against dlib's 0.70. Dlib stays
    /// selectable (<c>-Model Dlib</c>): it is what face_recognition users have, and 2-5x cheaper per face.
    /// </summary>
    public const DescriptorModelKind DefaultKind = DescriptorModelKind.FaceRes;

    /// <summary>
    /// dlib ResNet. Euclidean distances between unnormalised descriptors (same person mostly below 0.5, dlib's own
    /// verification tolerance 0.6). Thresholds from docs/accuracy.md (labelled photos and sample footage):
    /// Chinese whispers 0.5 and DBSCAN 0.5 are exact on both sets; average linkage 0.6 is dlib's tolerance; matching at
    /// 0.5 files 61/61 known faces and calls 61/61 strangers Unknown (0.6 lets 6/61 strangers in).
    /// </summary>
    public static DescriptorModelInfo Dlib { get; } = new(
        DescriptorModelKind.Dlib,
        ModelCatalog.DescriptorModelName,
        FaceRecognitionModelConverter.DescriptorLength,
        ModelCatalog.Descriptor,
        ClusterThreshold: ClusteringOptions.DefaultChineseWhispersThreshold,
        AverageLinkageThreshold: ClusteringOptions.DefaultAgglomerativeThreshold,
        DbscanEpsilon: ClusteringOptions.DefaultEpsilon,
        MatchThreshold: MatchOptions.DefaultThreshold);

    /// <summary>
    /// HSE FaceRes. Euclidean distances between unit vectors (0..2). Provisional thresholds, to be finalised on more
    /// sets; measured on the 61 labelled photos of 13 people (bench eval --model FaceRes) and the demo photos
    /// (src/FaceCluster.Core/Models/README.md has the distributions): same person at most 0.946 there (p95 0.835),
    /// different people from 0.848 (p1 0.921); on the demo photos the one recurring woman is at 0.759 and different
    /// people from 0.897.
    /// Chinese whispers 0.84: exact (13/13 people, BCubed F1 1.000) at 0.80-0.85, merges two people at 0.90; on the
    /// footage of the labelled photos 0.984 at 0.80, 0.989 at 0.84, a mixed cluster at 0.88; on the demo footage 0.988 at
    /// 0.80 and 1.000 at 0.84. The best minimum over all three, and the largest value with no mixed cluster anywhere.
    /// Average linkage 0.85: exact at 0.85-0.90 (0.80 splits two people, 1.00 merges); not 0.90, because on the demo
    /// photos two different people are 0.897 apart (annotated boxes) and 0.90 merged them with the detector's boxes.
    /// DBSCAN 0.8: exact at 0.80, merges at 0.90. Matching 0.8: nearest neighbour files 61/61 known faces right and calls
    /// 61/61 strangers Unknown at 0.80; 0.85 lets 2/61 strangers in.
    /// </summary>
    public static DescriptorModelInfo FaceRes { get; } = new(
        DescriptorModelKind.FaceRes,
        ModelCatalog.FaceResModelName,
        FaceResModelConverter.DescriptorLength,
        ModelCatalog.FaceRes,
        ClusterThreshold: 0.84,
        AverageLinkageThreshold: 0.85,
        DbscanEpsilon: 0.8,
        MatchThreshold: 0.8);

    public static IReadOnlyList<DescriptorModelInfo> All { get; } = [Dlib, FaceRes];

    public static DescriptorModelInfo Get(DescriptorModelKind kind) => kind switch
    {
        DescriptorModelKind.Dlib => Dlib,
        DescriptorModelKind.FaceRes => FaceRes,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown descriptor model."),
    };

    /// <summary>The registered model stored under <paramref name="name"/>, or null for a model FaceCluster does not know.</summary>
    public static DescriptorModelInfo? FindByName(string? name)
        => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));

    /// <summary>
    /// The descriptor length a face of model <paramref name="name"/> must have: the registered model's, or
    /// <see cref="FaceEncoding.DescriptorLength"/> (128, the length FaceCluster always had) for a model it does not know.
    /// </summary>
    public static int ExpectedLength(string? name) => FindByName(name)?.Length ?? FaceEncoding.DescriptorLength;

    /// <summary>The registered model of a set of faces' model name, or dlib's thresholds for an unknown name (the scale
    /// FaceCluster always assumed).</summary>
    public static DescriptorModelInfo ForName(string? name) => FindByName(name) ?? Dlib;
}
