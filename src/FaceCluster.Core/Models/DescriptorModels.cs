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
    public override string ToString() => $"{Kind} ({Name}, {Length}-d)";
}

/// <summary>The registry of descriptor models: the one home of their names, lengths and calibrated thresholds.</summary>
public static class DescriptorModels
{
    /// <summary>The model <c>Get-FaceEncoding</c> uses when none is given.</summary>
    public const DescriptorModelKind DefaultKind = DescriptorModelKind.Dlib;

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
        ClusterThreshold: 0.5,
        AverageLinkageThreshold: 0.6,
        DbscanEpsilon: 0.5,
        MatchThreshold: 0.5);

    /// <summary>
    /// HSE FaceRes. Euclidean distances between unit vectors (0..2). Provisional thresholds measured on the demo photos
    /// and the 61 labelled photos of 13 people (src/FaceCluster.Core/Models/README.md has the distributions).
    /// </summary>
    public static DescriptorModelInfo FaceRes { get; } = new(
        DescriptorModelKind.FaceRes,
        ModelCatalog.FaceResModelName,
        FaceResModelConverter.DescriptorLength,
        ModelCatalog.FaceRes,
        ClusterThreshold: FaceResClusterThreshold,
        AverageLinkageThreshold: FaceResAverageLinkageThreshold,
        DbscanEpsilon: FaceResClusterThreshold,
        MatchThreshold: FaceResClusterThreshold);

    // Provisional, to be finalised by the lead engineer on more sets (the measurements are in the models README).
    private const double FaceResClusterThreshold = 0.9;
    private const double FaceResAverageLinkageThreshold = 1.0;

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
