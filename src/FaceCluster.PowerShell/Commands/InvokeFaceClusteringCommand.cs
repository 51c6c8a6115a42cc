using System.Management.Automation;
using FaceCluster.Clustering;
using FaceCluster.Models;
using FaceCluster.PowerShell.Infrastructure;
using FaceCluster.Store;

namespace FaceCluster.PowerShell.Commands;

/// <summary>The -QualityGate choices of Invoke-FaceClustering.</summary>
public enum QualityGateMode
{
    /// <summary>Every face clusters alike.</summary>
    None,
    /// <summary>Low-quality faces under <see cref="FaceQualityThresholds.Default"/> neither seed nor bridge clusters.</summary>
    Default,
}

/// <summary>Groups faces into people without supervision.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "FaceClustering", HelpUri = HelpLinks.Online + "Invoke-FaceClustering.md", DefaultParameterSetName = InputSet)]
[OutputType(typeof(FaceCluster))]
public sealed class InvokeFaceClusteringCommand : FaceClusterCmdlet
{
    private const string InputSet = "InputObject";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputSet)]
    [AllowEmptyCollection]
    public FaceEncoding[] InputObject { get; set; } = [];

    /// <summary>Encoding stores to cluster (wildcards allowed).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Encoding stores, used exactly as typed; a store's FileInfo (Get-Item faces.jsonl) binds here.</summary>
    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    [Parameter]
    public ClusteringAlgorithm Algorithm { get; set; } = ClusteringAlgorithm.ChineseWhispers;

    /// <summary>Agglomerative and Chinese whispers: the distance below which faces are the same person. Default: the faces'
    /// model's calibrated value (dlib 0.5 for Chinese whispers, 0.6 for agglomerative; see DescriptorModels).</summary>
    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double? Threshold { get; set; }

    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double? Epsilon { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int MinSamples { get; set; } = ClusteringOptions.DefaultMinSamples;

    [Parameter]
    [ValidateRange(1, 100000)]
    public int MinClusterSize { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, 10000)]
    public int Iterations { get; set; } = ClusteringOptions.DefaultIterations;

    /// <summary>Lets two faces of the same image join one cluster (off by default: they are different people).</summary>
    [Parameter]
    public SwitchParameter AllowSameImage { get; set; }

    [Parameter]
    public SwitchParameter IncludeNoise { get; set; }

    /// <summary>
    /// Default: low-quality faces (dark, blurred, profile, tiny) do not seed or bridge clusters; they join a person only
    /// when clearly nearer to them than to anyone else, else they are unsure (emitted with -IncludeNoise). None: every face clusters alike.
    /// </summary>
    [Parameter]
    public QualityGateMode QualityGate { get; set; } = QualityGateMode.Default;

    /// <summary>
    /// Links faces of consecutive frames of one shot that are the same face into tracks and clusters the tracks (on by
    /// default; -UseTracks:$false turns it off). Photos are never linked.
    /// </summary>
    [Parameter]
    public SwitchParameter UseTracks { get; set; } = true;

    /// <summary>Earlier, named people (FaceCluster objects or a dataset folder): clusters that match them keep their names.</summary>
    [Parameter]
    public object[]? Reference { get; set; }

    [Parameter]
    [ValidateRange(0.01, 4.0)]
    public double? ReferenceThreshold { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = Environment.ProcessorCount;

    private readonly List<FaceEncoding> faces = [];

    protected override void ProcessRecord()
    {
        if (ParameterSetName is PathSet or LiteralPathSet)
        {
            bool literal = ParameterSetName == LiteralPathSet;
            foreach (var store in ResolveExistingFiles(literal ? LiteralPath : Path, literal)) ReadStore(store);
            return;
        }
        foreach (var face in InputObject)
        {
            if (face is null) continue;
            if (!IsUsable(face, out string? problem))
            {
                WriteError(FaceClusterErrors.InvalidData(FaceClusterErrors.InvalidEncoding, $"Face {face.Id} is left out: {problem}", face));
                continue;
            }
            faces.Add(face);
        }
    }

    protected override void EndProcessing()
    {
        int lastPersonNumber = 0;
        var known = Reference is null ? null : ReferenceResolver.Resolve(this, Reference, ResolveOutputPath, out lastPersonNumber);
        string? model = faces.Count > 0 ? faces[0].Model : null;
        var otherModel = faces.FirstOrDefault(f => f.Model != model);
        if (otherModel is not null)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(
                new InvalidOperationException($"The faces come from different descriptor models ('{model}' and '{otherModel.Model}', face {otherModel.Id}); their distances mean nothing together."),
                StoreErrorIds.StoreModelMismatch, ErrorCategory.InvalidData, otherModel));
        }
        // Same face twice (a store merged with itself, a frame encoded twice) counts once.
        var unique = faces.DistinctBy(f => f.Id, StringComparer.Ordinal).ToList();
        if (unique.Count < faces.Count) WriteVerbose($"{faces.Count - unique.Count} duplicate faces (same Id) were counted once.");

        // Thresholds the user leaves out come from the faces' model, so nobody needs to know a model's distance scale.
        var calibrated = DescriptorModels.ForName(model);
        var options = new ClusteringOptions
        {
            Algorithm = Algorithm,
            Threshold = Threshold ?? calibrated.ThresholdFor(Algorithm),
            Epsilon = Epsilon ?? calibrated.DbscanEpsilon,
            MinSamples = MinSamples,
            MinClusterSize = MinClusterSize,
            Iterations = Iterations,
            UseCannotLink = !AllowSameImage,
            UseTracks = UseTracks,
            IncludeNoise = IncludeNoise,
            DegreeOfParallelism = ThrottleLimit,
            QualityGate = QualityGate == QualityGateMode.None ? null : FaceQualityThresholds.Default,
        };
        const string activity = "Invoke-FaceClustering";
        WriteVerbose($"Clustering {unique.Count} faces ({model ?? "no model"}) with {Algorithm}, {ThrottleLimit} workers.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<FaceCluster> clusters;
        try
        {
            clusters = BackgroundWork.Run<IReadOnlyList<FaceCluster>, ClusteringProgress>(
                progress => FaceClusterer.Cluster(unique, options, progress, CancellationToken),
                p =>
                {
                    if (p.Warning is { } warning) WriteWarning(warning);
                    WriteProgress(new ProgressRecord(1, activity, $"{p.Stage}: {p.Completed} of {p.Total}") { PercentComplete = (int)(p.Fraction * 100) });
                },
                CancellationToken);
        }
        catch (ArgumentException ex)
        {
            ThrowTerminatingError(FaceClusterErrors.Create(ex, FaceClusterErrors.InvalidEncoding, ErrorCategory.InvalidData, null));
            return;
        }
        WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });

        if (known is not null)
        {
            var (reconciled, namings) = ReferenceNaming.Reconcile(clusters, known, ReferenceThreshold ?? calibrated.MatchThreshold, lastPersonNumber, CancellationToken);
            clusters = reconciled;
            foreach (var named in namings)
            {
                if (named.Cluster.IsNoise) continue;
                WriteVerbose(named.IsNew
                    ? $"Cluster {named.Cluster.Id} ({named.Cluster.Count} faces) matches nobody in the reference: new person '{named.Cluster.Label}'."
                    : $"Cluster {named.Cluster.Id} ({named.Cluster.Count} faces) is '{named.ReferenceLabel}' ({named.Votes} faces {(named.Votes > 0 ? "known or matched" : "matched")}).");
            }
        }
        int people = clusters.Count(c => !c.IsNoise);
        int noise = unique.Count - clusters.Where(c => !c.IsNoise).Sum(c => c.Count);
        WriteVerbose($"{unique.Count} faces: {people} people, {noise} faces in no cluster ({Algorithm}, {clock.Elapsed.TotalSeconds:0.00} s).");
        if (options.QualityGate is { } gate)
        {
            int low = unique.Count(f => f.Quality is { } q && q.Issues(gate) != FaceQualityIssue.None);
            if (low > 0) WriteVerbose($"{low} low-quality faces were attached to a person only when clearly nearest to them; the others are unsure (-IncludeNoise emits them, Id -1).");
        }
        foreach (var cluster in clusters) WriteObject(cluster);
    }

    private void ReadStore(string store)
    {
        int before = faces.Count;
        try
        {
            foreach (var face in EncodingStoreReader.ReadAll(store, issue => WriteError(FaceClusterErrors.StoreIssue(issue)), cancellationToken: CancellationToken))
            {
                faces.Add(face);
            }
            WriteVerbose($"'{store}': {faces.Count - before} faces read.");
        }
        catch (EncodingStoreException ex)
        {
            WriteError(FaceClusterErrors.StoreError(ex));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            WriteError(FaceClusterErrors.ReadFailed(store, ex));
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
    }

    private static bool IsUsable(FaceEncoding face, out string? problem)
    {
        int expected = DescriptorModels.ExpectedLength(face.Model);
        problem = face.Descriptor?.Length != expected ? $"its descriptor has {face.Descriptor?.Length ?? 0} values, not the {expected} of model {face.Model}"
            : face.Descriptor.Any(v => !float.IsFinite(v)) ? "its descriptor holds NaN or infinite values"
            : null;
        return problem is null;
    }
}
