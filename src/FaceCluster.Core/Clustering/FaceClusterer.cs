using FaceCluster.Clustering;

namespace FaceCluster;

/// <summary>
/// Groups face descriptors into people. Deterministic: the faces are first sorted by Id (ordinal), every tie is
/// broken by that canonical order, and parallel work only computes values, so the same faces give the same
/// clusters, Ids and labels in any input order and with any <see cref="ClusteringOptions.DegreeOfParallelism"/>.
/// </summary>
public static class FaceClusterer
{
    public static IReadOnlyList<FaceCluster> Cluster(IReadOnlyList<FaceEncoding> faces, ClusteringOptions? options = null,
        IProgress<ClusteringProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        options ??= new ClusteringOptions();
        options.Validate();
        Validate(faces);
        return ClusterValidated(faces, options, progress, cancellationToken);
    }

    /// <summary><see cref="Cluster"/> after <see cref="Validate"/> (the engine itself takes descriptors of any common length).</summary>
    internal static IReadOnlyList<FaceCluster> ClusterValidated(IReadOnlyList<FaceEncoding> faces, ClusteringOptions options,
        IProgress<ClusteringProgress>? progress, CancellationToken cancellationToken)
    {
        if (faces.Count == 0) return [];
        var sorted = Canonical(faces);
        var matrix = new DescriptorMatrix(sorted);
        var tracks = options.UseTracks ? Tracks.Build(sorted, matrix, cancellationToken) : null;
        var low = QualityGate.LowQuality(sorted, options.QualityGate);
        // With the gate, only the good faces are clustered, so their tracks are rebuilt among themselves: a track never
        // carries a low-quality face into a cluster it could not join on its own.
        var labels = low.Any(l => l)
            ? QualityGate.Labels(sorted, low, options, good =>
                {
                    var goodMatrix = new DescriptorMatrix(good);
                    var goodTracks = options.UseTracks ? Tracks.Build(good, goodMatrix, cancellationToken) : null;
                    return Labels(goodMatrix, good, options, progress, cancellationToken, goodTracks);
                }, cancellationToken)
            : Labels(matrix, sorted, options, progress, cancellationToken, tracks);
        if (tracks is not null)
        {
            // The faces come out carrying the tracks they were clustered by (Export-FaceDataset writes them).
            for (int i = 0; i < sorted.Length; i++)
            {
                if (sorted[i].TrackId != tracks.TrackIds[i]) sorted[i] = sorted[i].WithTrack(tracks.TrackIds[i]);
            }
        }
        return Build(matrix, sorted, labels, options, progress, cancellationToken);
    }

    /// <summary>
    /// Checks the faces: none null, unique Ids, descriptors of length 128 with finite values, one Model.
    /// Throws <see cref="ArgumentException"/> naming the offending face Id.
    /// </summary>
    public static void Validate(IReadOnlyList<FaceEncoding> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        string? model = null;
        string? modelFace = null;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < faces.Count; i++)
        {
            var f = faces[i] ?? throw new ArgumentException($"Face #{i} is null.", nameof(faces));
            if (f.Id is null) throw new ArgumentException($"Face #{i} has no Id.", nameof(faces));
            if (!ids.Add(f.Id)) throw new ArgumentException($"Face Id '{f.Id}' occurs more than once.", nameof(faces));
            if (f.Descriptor is null) throw new ArgumentException($"Face '{f.Id}' has no descriptor.", nameof(faces));
            int expected = Models.DescriptorModels.ExpectedLength(f.Model);
            if (f.Descriptor.Length != expected)
            {
                throw new ArgumentException(
                    $"Face '{f.Id}' has a descriptor of length {f.Descriptor.Length}; expected {expected} for model {f.Model}.", nameof(faces));
            }
            for (int k = 0; k < f.Descriptor.Length; k++)
            {
                if (!float.IsFinite(f.Descriptor[k]))
                {
                    throw new ArgumentException(
                        $"Face '{f.Id}' has a non-finite descriptor value ({f.Descriptor[k]}) at index {k}.", nameof(faces));
                }
            }
            if (model is null)
            {
                model = f.Model;
                modelFace = f.Id;
            }
            else if (!string.Equals(model, f.Model, StringComparison.Ordinal))
            {
                throw new ArgumentException(
                    $"Face '{f.Id}' was encoded by model '{f.Model}' but face '{modelFace}' by '{model}'; descriptors of different models cannot be compared.",
                    nameof(faces));
            }
        }
    }

    internal static FaceEncoding[] Canonical(IReadOnlyList<FaceEncoding> faces)
    {
        var sorted = faces.ToArray();
        Array.Sort(sorted, (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return sorted;
    }

    /// <summary>
    /// Per canonical face: a cluster key (any int; equal keys = same cluster) or -1 for noise. With tracks, the tracks
    /// are clustered instead of loose faces (a track is a must-link; see <see cref="Tracks"/>), and a track conflicts
    /// with another when any of their faces share an image.
    /// </summary>
    internal static int[] Labels(DescriptorMatrix matrix, FaceEncoding[] sorted, ClusteringOptions options,
        IProgress<ClusteringProgress>? progress, CancellationToken ct, Tracks? tracks = null)
    {
        var cannotLink = options.UseCannotLink ? CannotLink.Build(sorted) : CannotLink.Empty(sorted.Length);
        if (tracks is not { Any: true }) return Labels(matrix, cannotLink, null, null, options, progress, ct);
        var collapse = options.EffectiveTrackCollapse;
        if (collapse == TrackCollapse.Members && options.Algorithm == ClusteringAlgorithm.Agglomerative)
        {
            // Average linkage starts from the tracks as clusters: exact averages over face pairs, no stand-in descriptor.
            int dop = options.EffectiveDegreeOfParallelism;
            var (_, graph, why) = ExactGraph(matrix, options, tracks.ItemOf, progress, ct);
            if (why is null) return AverageLinkage.Run(matrix, graph!, options.EffectiveThreshold, cannotLink, dop, progress, ct, tracks.ItemOf);
            // Too dense for the exact method: the approximation over the tracks' mean descriptors, each weighing its faces.
            var means = tracks.MeanDescriptors(matrix);
            return tracks.Expand(DenseCondensation.Labels(means, new RadiusIndex(means, dop, ct), tracks.Weights(),
                cannotLink.Collapse(tracks.ItemOf, tracks.Items.Length), options, progress, ct, why));
        }
        var itemLinks = cannotLink.Collapse(tracks.ItemOf, tracks.Items.Length);
        var itemLabels = collapse == TrackCollapse.Members
            ? Labels(matrix, itemLinks, tracks.Weights(), tracks.Contract, options, progress, ct)
            : Labels(tracks.MeanDescriptors(matrix), itemLinks, tracks.Weights(), null, options, progress, ct);
        return tracks.Expand(itemLabels);
    }

    /// <summary>
    /// Neighbour pairs the exact Chinese-whispers / average-linkage graph may hold (16 bytes each while it is built: 512 MB);
    /// beyond, <see cref="DenseCondensation"/> clusters the faces instead (<see cref="ClusteringOptions.DenseGraphPairBudget"/>).
    /// </summary>
    internal const long DenseGraphPairBudget = 32_000_000;

    /// <summary>
    /// Multiply-adds the exact graph may cost (<see cref="RadiusIndex.ExactScanCost"/>: about 35 s of the 1024-d block
    /// search on two cores of the bench machine); beyond, the inverted-file graph (<see cref="RadiusIndex.CellGraph"/>)
    /// replaces it (<see cref="ClusteringOptions.ExactScanBudget"/>). 100,000 128-d dlib-like faces (3.3 * 10^11 at 0.6)
    /// and 20,000 1024-d FaceRes-like ones (1.6 * 10^11) stay within it; 40,000 FaceRes-like faces of many people cost
    /// 6.5 * 10^11, 100,000 about 4 * 10^12 (bench/README.md).
    /// </summary>
    internal const double ExactScanBudget = 5e11;

    /// <summary>Faces whose traversals <see cref="RadiusIndex.ExactScanCost"/> samples.</summary>
    internal const int ScanCostSamples = 64;

    /// <summary>Faces whose degrees <see cref="DenseCondensation.ClearlyOverBudget"/> samples where the exact graph is too costly (each costs a full search there).</summary>
    private const int ApproximateDegreeSamples = 32;

    /// <summary>
    /// The "&lt; t" graph of Chinese whispers or average linkage on a new tree, or, when the exact method cannot hold
    /// these faces (more pairs than the budget; for average linkage a component, faces of one item joined, over
    /// <see cref="AverageLinkage.MaxComponentSize"/>), why not: the reason <see cref="DenseCondensation"/> reports.
    /// The graph is exact unless building it would cost more than <see cref="ClusteringOptions.ExactScanBudget"/>
    /// multiply-adds (never below n^2/2 pairs' worth, so small inputs are exact without asking); then it is the
    /// inverted-file subgraph of <see cref="RadiusIndex.CellGraph"/>, and a warning says so.
    /// </summary>
    private static (RadiusIndex Index, NeighborGraph? Graph, string? Why) ExactGraph(DescriptorMatrix matrix, ClusteringOptions options,
        int[]? itemOf, IProgress<ClusteringProgress>? progress, CancellationToken ct)
    {
        int dop = options.EffectiveDegreeOfParallelism;
        float t = (float)options.EffectiveThreshold;
        var index = new RadiusIndex(matrix, dop, ct);
        int n = matrix.Count;
        string tooDense = $"more than {options.DenseGraphPairBudget} pairs of faces are closer than {options.EffectiveThreshold}";
        double cost = (double)n * (n - 1) / 2 * matrix.Dim <= options.ExactScanBudget ? 0 : index.ExactScanCost(t, ScanCostSamples, dop, ct);
        bool approximate = cost > options.ExactScanBudget;
        // Too dense for any graph (one person seen 100,000 times: the inverted file would hold tens of millions of its
        // pairs too). Where the exact graph is too costly, so are the sampled degrees, so fewer faces are sampled there.
        if (DenseCondensation.ClearlyOverBudget(index, t, options.DenseGraphPairBudget, dop, ct, approximate ? ApproximateDegreeSamples : null))
            return (index, null, tooDense);
        var graph = approximate
            ? index.CellGraph(t, false, dop, progress, ct, options.DenseGraphPairBudget)
            : index.BlockGraph(t, false, dop, progress, ct, options.DenseGraphPairBudget);
        if (graph is null) return (index, null, tooDense);
        if (options.Algorithm == ClusteringAlgorithm.Agglomerative)
        {
            int largest = AverageLinkage.Components(graph, itemOf).Max(c => c.Length);
            if (largest > AverageLinkage.MaxComponentSize)
                return (index, graph, $"{largest} faces are chained together by distances below {options.EffectiveThreshold} (average linkage holds {AverageLinkage.MaxComponentSize} exactly)");
        }
        if (approximate)
        {
            progress?.Report(new ClusteringProgress("Neighbours", n, n)
            {
                Warning = $"The exact neighbour graph of {n} faces at {options.EffectiveThreshold} would cost about {cost:0.0e0} multiply-adds; " +
                          $"each face was compared only with the faces of the {RadiusIndex.ProbeCells} groups nearest to it instead (an inverted file). " +
                          "No false neighbour is added, but some true ones between faces of far-apart groups are missed (measured edge recall and " +
                          "cluster agreement: docs/accuracy.md). A lower threshold or DBSCAN (exact at any size) avoids the approximation.",
            });
        }
        return (index, graph, null);
    }

    /// <param name="weights">Faces per item (null: one each).</param>
    /// <param name="contract">Turns the neighbour graph of <paramref name="matrix"/>'s rows into the graph of the items clustered (null: the rows are the items).</param>
    private static int[] Labels(DescriptorMatrix matrix, CannotLink cannotLink, int[]? weights, Func<NeighborGraph, NeighborGraph>? contract,
        ClusteringOptions options, IProgress<ClusteringProgress>? progress, CancellationToken ct)
    {
        int dop = options.EffectiveDegreeOfParallelism;
        NeighborGraph Graph(float radius, bool inclusive)
        {
            var graph = RadiusIndex.BuildGraph(matrix, radius, inclusive, dop, progress, ct);
            return contract is null ? graph : contract(graph);
        }
        if (options.Algorithm != ClusteringAlgorithm.DBSCAN && contract is null && matrix.Count > 0)
        {
            // The exact graph while it fits the budget; beyond, or when average linkage would need a matrix larger than
            // it can hold, the documented approximation (DenseCondensation) on the same tree.
            var (index, graph, why) = ExactGraph(matrix, options, null, progress, ct);
            if (why is not null) return DenseCondensation.Labels(matrix, index, weights, cannotLink, options, progress, ct, why);
            return options.Algorithm == ClusteringAlgorithm.ChineseWhispers
                ? ChineseWhispers.Run(graph!, options.Iterations, cannotLink, dop, ct, weights)
                : AverageLinkage.Run(matrix, graph!, options.EffectiveThreshold, cannotLink, dop, progress, ct);
        }
        switch (options.Algorithm)
        {
            case ClusteringAlgorithm.DBSCAN:
            {
                // Without cannot-links (and with items that are rows: loose faces or tracks as mean descriptors) the
                // neighbour graph is not needed, and a dense cluster's would grow with its size squared.
                if (!cannotLink.Any && contract is null)
                    return Dbscan.RunUnconstrained(matrix, (float)options.Epsilon, options.MinSamples, dop, progress, ct, weights);
                return Dbscan.Run(Graph((float)options.Epsilon, inclusive: true), options.MinSamples, cannotLink, ct, weights);
            }
            case ClusteringAlgorithm.ChineseWhispers:
                return ChineseWhispers.Run(Graph((float)options.EffectiveThreshold, inclusive: false), options.Iterations, cannotLink, dop, ct, weights);
            default:
                return AverageLinkage.Run(matrix, Graph((float)options.EffectiveThreshold, inclusive: false), options.EffectiveThreshold, cannotLink, dop, progress, ct);
        }
    }

    private static IReadOnlyList<FaceCluster> Build(DescriptorMatrix descriptors, FaceEncoding[] sorted, int[] labels, ClusteringOptions options,
        IProgress<ClusteringProgress>? progress, CancellationToken ct)
    {
        // Group canonical indices by label; groups come out in canonical order of their first face.
        var byLabel = new Dictionary<int, List<int>>();
        var groups = new List<List<int>>();
        var noise = new List<int>();
        var unsure = new List<int>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] == QualityGate.Unsure) { unsure.Add(i); continue; }
            if (labels[i] < 0) { noise.Add(i); continue; }
            if (!byLabel.TryGetValue(labels[i], out var list))
            {
                byLabel[labels[i]] = list = [];
                groups.Add(list);
            }
            list.Add(i);
        }
        var kept = new List<List<int>>();
        foreach (var g in groups)
        {
            if (g.Count >= options.MinClusterSize) kept.Add(g);
            else noise.AddRange(g);
        }
        // Largest first; ties: the cluster whose first (smallest-Id) face comes first. Stable sort keeps that order.
        var ordered = kept.Select((g, k) => (g, k)).OrderByDescending(x => x.g.Count).ThenBy(x => x.k).Select(x => x.g).ToList();
        noise.Sort();

        var result = new List<FaceCluster>(ordered.Count + 1);
        var all = new List<(int Id, List<int> Members, bool IsNoise)>();
        if (options.IncludeNoise && unsure.Count > 0) all.Add((FaceCluster.UnsureId, unsure, true));
        if (options.IncludeNoise && noise.Count > 0) all.Add((0, noise, true));
        for (int k = 0; k < ordered.Count; k++) all.Add((k + 1, ordered[k], false));

        long total = all.Sum(x => (long)x.Members.Count), done = 0;
        var stats = new (int Medoid, double Mean, double Max)[all.Count];
        var po = new ParallelOptions { MaxDegreeOfParallelism = options.EffectiveDegreeOfParallelism, CancellationToken = ct };
        // Big clusters use all threads inside; small ones are spread over the threads.
        const int big = 512;
        for (int k = 0; k < all.Count; k++)
        {
            if (all[k].Members.Count < big) continue;
            stats[k] = Medoid(descriptors, all[k].Members, po);
            progress?.Report(new ClusteringProgress("Medoids", done += all[k].Members.Count, total));
        }
        var small = Enumerable.Range(0, all.Count).Where(k => all[k].Members.Count < big).ToArray();
        Parallel.ForEach(small, po, k => stats[k] = Medoid(descriptors, all[k].Members, null));
        progress?.Report(new ClusteringProgress("Medoids", total, total));

        for (int k = 0; k < all.Count; k++)
        {
            var (id, members, isNoise) = all[k];
            result.Add(new FaceCluster
            {
                Id = id,
                Label = id == FaceCluster.UnsureId ? FaceCluster.UnsureLabel : isNoise ? FaceCluster.NoiseLabel : FaceCluster.DefaultLabel(id),
                Faces = members.Select(i => sorted[i]).ToArray(),
                Medoid = sorted[stats[k].Medoid],
                MeanDistance = stats[k].Mean,
                MaxDistance = stats[k].Max,
                IsNoise = isNoise,
                IsUnsure = id == FaceCluster.UnsureId,
            });
        }
        return result;
    }

    /// <summary>
    /// A cluster of given faces, with its medoid and distances computed the way <see cref="Cluster"/> computes them
    /// (used for people read back from a dataset, whose grouping a person may have edited).
    /// </summary>
    public static FaceCluster FromFaces(int id, string label, IReadOnlyList<FaceEncoding> faces, bool isNoise = false, bool isUnsure = false)
    {
        if (faces.Count == 0) throw new ArgumentException($"Cluster '{label}' has no faces.", nameof(faces));
        var sorted = Canonical(faces);
        var (medoid, mean, max) = Medoid(new DescriptorMatrix(sorted), Enumerable.Range(0, sorted.Length).ToArray(), null);
        return new FaceCluster
        {
            Id = id,
            Label = label,
            Faces = sorted,
            Medoid = sorted[medoid],
            MeanDistance = mean,
            MaxDistance = max,
            IsNoise = isNoise || isUnsure,
            IsUnsure = isUnsure,
        };
    }

    /// <summary>Clusters up to this size get the exact medoid (size^2 distances: 67 million here, about a second at 1024-d).</summary>
    internal const int ExactMedoidLimit = 8192;

    /// <summary>Larger clusters: the members every sample-th of which the candidates' summed distances are estimated from.</summary>
    internal const int MedoidSample = 256;

    /// <summary>Larger clusters: how many of the best estimated faces get their exact summed distance.</summary>
    internal const int MedoidCandidates = 32;

    /// <summary>
    /// Medoid (least total distance, ties: smallest index) and mean/max distance from it to the others. Exact up to
    /// <see cref="ExactMedoidLimit"/> faces. Beyond, the exact medoid costs size^2 distances (10^10 for one person seen
    /// 100,000 times), so it is a bounded approximation: every face's summed distance is estimated against
    /// <see cref="MedoidSample"/> evenly spaced members, and the medoid is the best by exact summed distance of the
    /// <see cref="MedoidCandidates"/> best estimates. Its mean and max distances are exact, and it is deterministic.
    /// </summary>
    internal static (int Medoid, double Mean, double Max) Medoid(DescriptorMatrix m, IReadOnlyList<int> members, ParallelOptions? po)
    {
        int size = members.Count;
        if (size == 1) return (members[0], 0, 0);
        var ids = members as int[] ?? members.ToArray();
        var totals = new double[size];
        int[] candidates;
        if (size <= ExactMedoidLimit)
        {
            if (po is null) TotalDistances(m, ids, ids, 0, size, totals);
            else Parallel.For(0, (size + 63) / 64, po, chunk => TotalDistances(m, ids, ids, chunk * 64, Math.Min(size, chunk * 64 + 64), totals));
            candidates = Enumerable.Range(0, size).ToArray();
        }
        else
        {
            var sample = Enumerable.Range(0, MedoidSample).Select(k => ids[(int)((long)k * size / MedoidSample)]).ToArray();
            var estimate = new double[size];
            Parallel.For(0, (size + 63) / 64, po ?? new ParallelOptions(), chunk => TotalDistances(m, ids, sample, chunk * 64, Math.Min(size, chunk * 64 + 64), estimate));
            candidates = Enumerable.Range(0, size).OrderBy(i => estimate[i]).ThenBy(i => i).Take(MedoidCandidates).Order().ToArray();
            Parallel.ForEach(candidates, po ?? new ParallelOptions(), i => totals[i] = TotalDistance(m, ids[i], ids));
        }
        int best = candidates[0];
        foreach (int i in candidates) if (totals[i] < totals[best]) best = i;
        double max = 0;
        var medoidRow = m.Row(members[best]);
        for (int j = 0; j < size; j++) max = Math.Max(max, DescriptorMatrix.Distance(medoidRow, m.Row(members[j])));
        return (members[best], totals[best] / (size - 1), max);
    }

    private static double TotalDistance(DescriptorMatrix m, int face, int[] others)
    {
        var row = m.Row(face);
        double s = 0;
        foreach (int j in others) s += DescriptorMatrix.Distance(row, m.Row(j));
        return s;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void TotalDistances(DescriptorMatrix m, int[] members, int[] others, int from, int to, double[] totals)
    {
        for (int i = from; i < to; i++) totals[i] = TotalDistance(m, members[i], others);
    }
}
