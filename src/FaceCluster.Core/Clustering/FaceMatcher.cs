using FaceCluster.Clustering;

namespace FaceCluster;

/// <summary>How <see cref="FaceMatcher"/> measures the distance from a face to a known person.</summary>
public enum MatchMode
{
    /// <summary>Distance to the person's closest reference face (default; robust to pose variety within a person).</summary>
    NearestNeighbor = 0,
    /// <summary>Distance to the person's medoid face only (faster, stricter).</summary>
    Medoid = 1,
}

public sealed class MatchOptions
{
    // 0.5, not dlib's verification tolerance of 0.6: filing faces is open-set identification, where a stranger gets
    // as many chances to come within the threshold as there are known faces. On the labelled photos (leave one out)
    // nearest neighbour at 0.5 files 61/61 known faces right and calls 61/61 strangers Unknown; 0.6 lets 6/61 strangers
    // in, 0.45 misses 2/61 known faces. On the demo footage the strangers sit at 0.566-0.69. It also equals the default
    // clustering threshold, so a face is filed under a person exactly when clustering would have linked it to them.
    public const double DefaultThreshold = 0.5;

    /// <summary>A face matches a person when the distance is &lt;= Threshold; otherwise it is Unknown.</summary>
    public double Threshold { get; set; } = DefaultThreshold;
    public MatchMode Mode { get; set; } = MatchMode.NearestNeighbor;
    /// <summary>Threads over the query faces; 0 or less means all processors.</summary>
    public int DegreeOfParallelism { get; set; }

    public void Validate()
    {
        if (!double.IsFinite(Threshold) || Threshold <= 0) throw new ArgumentException($"Threshold must be a positive finite distance, got {Threshold}.", nameof(Threshold));
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"Unknown match mode {Mode}.", nameof(Mode));
    }
}

/// <summary>The outcome for one query face.</summary>
public sealed class FaceMatch
{
    public const string UnknownLabel = "Unknown";

    public required FaceEncoding Face { get; init; }
    /// <summary>The matched person's label, or <see cref="UnknownLabel"/>.</summary>
    public required string Label { get; init; }
    /// <summary>The matched person's cluster Id; null when unknown.</summary>
    public int? ClusterId { get; init; }
    /// <summary>Distance to the nearest person (also set when unknown; +infinity when there are no references).</summary>
    public required double Distance { get; init; }
    public required bool IsUnknown { get; init; }
    /// <summary>The nearest person even when too far to match (null without references).</summary>
    public string? NearestLabel { get; init; }
    /// <summary>The reference face that decided the distance.</summary>
    public FaceEncoding? NearestFace { get; init; }
    /// <summary>The second-nearest person (null with fewer than two known people).</summary>
    public string? RunnerUpLabel { get; init; }
    /// <summary>Distance to the second-nearest person (+infinity with fewer than two known people).</summary>
    public double RunnerUpDistance { get; init; } = double.PositiveInfinity;
    /// <summary>
    /// How much nearer the nearest person is than the runner-up. A match with a small margin (under about 0.05) was a
    /// close call between two look-alikes: worth a human look before it is trusted.
    /// </summary>
    public double Margin => RunnerUpDistance - Distance;

    public override string ToString() => IsUnknown ? $"{UnknownLabel} ({Distance:0.000})" : $"{Label} ({Distance:0.000})";
}

/// <summary>A known person for <see cref="FaceMatcher"/>.</summary>
public sealed record KnownPerson(string Label, IReadOnlyList<FaceEncoding> Faces, int? ClusterId = null, FaceEncoding? Medoid = null);

/// <summary>Assigns new faces to known people: the nearest person within the threshold, or Unknown.</summary>
public sealed class FaceMatcher
{
    private readonly KnownPerson[] _people;
    private readonly DescriptorMatrix _matrix;
    private readonly int[] _personOf;
    private readonly FaceEncoding[] _refFaces;
    private readonly MatchOptions _options;
    private readonly string? _model;

    /// <summary>From clustering output; the noise cluster, if present, is ignored.</summary>
    public FaceMatcher(IEnumerable<FaceCluster> clusters, MatchOptions? options = null)
        : this(clusters.Where(c => !c.IsNoise).Select(c => new KnownPerson(c.Label, c.Faces, c.Id, c.Medoid)), options)
    {
    }

    public FaceMatcher(IEnumerable<KnownPerson> people, MatchOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(people);
        _options = options ?? new MatchOptions();
        _options.Validate();
        _people = people.ToArray();
        var refs = new List<FaceEncoding>();
        var personOf = new List<int>();
        for (int p = 0; p < _people.Length; p++)
        {
            var person = _people[p];
            if (person.Faces.Count == 0) throw new ArgumentException($"Known person '{person.Label}' has no faces.", nameof(people));
            IEnumerable<FaceEncoding> faces = _options.Mode == MatchMode.Medoid
                ? [person.Medoid ?? MedoidOf(person.Faces)]
                : person.Faces.OrderBy(f => f.Id, StringComparer.Ordinal);
            foreach (var f in faces)
            {
                refs.Add(f);
                personOf.Add(p);
            }
        }
        FaceClusterer.Validate(refs.DistinctBy(f => f.Id, StringComparer.Ordinal).ToArray());
        _refFaces = refs.ToArray();
        _personOf = personOf.ToArray();
        _matrix = new DescriptorMatrix(_refFaces);
        _model = _refFaces.Length > 0 ? _refFaces[0].Model : null;
    }

    public IReadOnlyList<KnownPerson> People => _people;

    public FaceMatch Match(FaceEncoding face)
    {
        Check(face);
        return MatchOne(face);
    }

    public IReadOnlyList<FaceMatch> Match(IReadOnlyList<FaceEncoding> faces, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(faces);
        foreach (var f in faces) Check(f);
        var result = new FaceMatch[faces.Count];
        var po = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.DegreeOfParallelism > 0 ? _options.DegreeOfParallelism : Environment.ProcessorCount,
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, faces.Count, po, i => result[i] = MatchOne(faces[i]));
        return result;
    }

    private void Check(FaceEncoding face)
    {
        ArgumentNullException.ThrowIfNull(face);
        FaceClusterer.Validate([face]);
        if (_model is not null && !string.Equals(_model, face.Model, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Face '{face.Id}' was encoded by model '{face.Model}' but the known people by '{_model}'.", nameof(face));
        }
    }

    private FaceMatch MatchOne(FaceEncoding face)
    {
        // Nearest reference; ties go to the earlier person, then the smaller reference face Id (reference order).
        // The runner-up is the nearest reference of any other person.
        int best = -1, second = -1;
        float bestD = float.PositiveInfinity, secondD = float.PositiveInfinity;
        var q = face.Descriptor.AsSpan();
        for (int r = 0; r < _refFaces.Length; r++)
        {
            float d = DescriptorMatrix.Distance(q, _matrix.Row(r));
            if (d < bestD)
            {
                if (best >= 0 && _personOf[best] != _personOf[r]) (secondD, second) = (bestD, best);
                (bestD, best) = (d, r);
            }
            else if (d < secondD && _personOf[r] != _personOf[best])
            {
                (secondD, second) = (d, r);
            }
        }
        if (best < 0)
        {
            return new FaceMatch { Face = face, Label = FaceMatch.UnknownLabel, Distance = double.PositiveInfinity, IsUnknown = true };
        }
        var person = _people[_personOf[best]];
        bool known = bestD <= _options.Threshold;
        return new FaceMatch
        {
            Face = face,
            Label = known ? person.Label : FaceMatch.UnknownLabel,
            ClusterId = known ? person.ClusterId : null,
            Distance = bestD,
            IsUnknown = !known,
            NearestLabel = person.Label,
            NearestFace = _refFaces[best],
            RunnerUpLabel = second >= 0 ? _people[_personOf[second]].Label : null,
            RunnerUpDistance = secondD,
        };
    }

    private static FaceEncoding MedoidOf(IReadOnlyList<FaceEncoding> faces) => FaceClusterer.FromFaces(0, "", faces).Medoid;
}
