namespace FaceCluster.Clustering;

/// <summary>How one new cluster got its label from an earlier, named result.</summary>
public sealed record ReferenceNamingResult(FaceCluster Cluster, string? ReferenceLabel, int Votes, bool IsNew);

/// <summary>
/// Carries names from an earlier result (a dataset a person has labelled) to a new clustering of more footage:
/// each new cluster takes the label most of its faces match (nearest neighbour within the threshold). When two
/// clusters claim one name, the one with more matching faces keeps it. Clusters that match nobody are new people
/// and get the next free Person_N label, never one the reference already uses.
/// </summary>
public static class ReferenceNaming
{
    /// <summary>
    /// Applies an earlier, labelled result to a new clustering so that every correction in it survives: a face the
    /// reference already holds (same id, i.e. same image content and box) goes to the reference person it is in now
    /// (merged people stay merged, a face moved by hand stays where it was put), a cluster holding such faces is that
    /// person, the others are named by <see cref="Apply"/>, and a new person's <c>Person_N</c> is above
    /// <paramref name="lastPersonNumber"/> (the reference dataset's high-water mark), so a freed name is never reused.
    /// Returns the clusters (regrouped; cluster ids 1..n, largest first) and how each got its name.
    /// </summary>
    public static (IReadOnlyList<FaceCluster> Clusters, IReadOnlyList<ReferenceNamingResult> Results) Reconcile(
        IReadOnlyList<FaceCluster> clusters, IReadOnlyList<FaceCluster> reference, double threshold = MatchOptions.DefaultThreshold,
        int lastPersonNumber = 0, CancellationToken cancellationToken = default)
    {
        var people = reference.Where(c => !c.IsNoise && c.Count > 0).ToList();
        var personOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var person in people)
        foreach (var face in person.Faces)
            personOf.TryAdd(face.Id, person.Label);

        var pinned = new Dictionary<string, List<FaceEncoding>>(StringComparer.OrdinalIgnoreCase);
        var claims = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var rest = new List<(FaceCluster Cluster, List<FaceEncoding> Fresh, string? PinnedLabel, int PinnedVotes)>();
        foreach (var cluster in clusters)
        {
            var fresh = new List<FaceEncoding>();
            foreach (var face in cluster.Faces)
            {
                if (personOf.TryGetValue(face.Id, out var label))
                {
                    if (!pinned.TryGetValue(label, out var list)) pinned[label] = list = [];
                    list.Add(face);
                }
                else
                {
                    fresh.Add(face);
                }
            }
            (string Label, int Votes)? majority = cluster.IsNoise ? null : cluster.Faces.Where(f => personOf.ContainsKey(f.Id))
                .GroupBy(f => personOf[f.Id], StringComparer.Ordinal)
                .Select(g => (Label: g.Key, Votes: g.Count()))
                .OrderByDescending(g => g.Votes).ThenBy(g => g.Label, StringComparer.Ordinal)
                .Select(g => ((string, int)?)g).FirstOrDefault();
            if (fresh.Count > 0) rest.Add((cluster, fresh, majority?.Label, majority?.Votes ?? 0));
        }

        // Clusters with no known face: named by their descriptors (Apply), among themselves.
        var unpinned = rest.Where(r => r.PinnedLabel is null && !r.Cluster.IsNoise)
            .Select(r => FaceClusterer.FromFaces(r.Cluster.Id, r.Cluster.Label, r.Fresh)).ToList();
        var named = Apply(unpinned, reference, threshold, cancellationToken, lastPersonNumber);
        var results = new List<(ReferenceNamingResult Result, string Label)>();
        int k = 0;
        var groups = new Dictionary<string, List<FaceEncoding>>(pinned, StringComparer.OrdinalIgnoreCase);
        var noise = new List<(FaceCluster Cluster, List<FaceEncoding> Faces)>();
        foreach (var (cluster, fresh, pinnedLabel, votes) in rest)
        {
            string label;
            if (cluster.IsNoise) { noise.Add((cluster, fresh)); continue; }
            if (pinnedLabel is not null)
            {
                label = pinnedLabel;
                results.Add((new(cluster, label, votes, IsNew: false), label));
            }
            else
            {
                var result = named[k++];
                label = result.Cluster.Label;
                results.Add((result, label));
            }
            if (!groups.TryGetValue(label, out var list)) groups[label] = list = [];
            list.AddRange(fresh);
        }

        var output = groups.Where(g => g.Value.Count > 0)
            .Select(g => (Label: g.Key, Faces: g.Value.DistinctBy(f => f.Id, StringComparer.Ordinal).ToList()))
            .OrderByDescending(g => g.Faces.Count).ThenBy(g => g.Faces.Min(f => f.Id), StringComparer.Ordinal)
            .Select((g, i) => FaceClusterer.FromFaces(i + 1, g.Label, g.Faces))
            .ToList();
        foreach (var (cluster, faces) in noise)
        {
            output.Add(FaceClusterer.FromFaces(cluster.Id, cluster.Label, faces, isNoise: true, isUnsure: cluster.IsUnsure));
        }
        // Results name the clusters as they are emitted.
        var byLabel = output.Where(c => !c.IsNoise).ToDictionary(c => c.Label, StringComparer.OrdinalIgnoreCase);
        return (output, results.Select(r => r.Result with { Cluster = byLabel[r.Label] }).ToList());
    }

    public static IReadOnlyList<ReferenceNamingResult> Apply(IReadOnlyList<FaceCluster> clusters, IEnumerable<FaceCluster> reference,
        double threshold = MatchOptions.DefaultThreshold, CancellationToken cancellationToken = default, int lastPersonNumber = 0)
    {
        var people = reference.Where(c => !c.IsNoise && c.Count > 0).ToList();
        var votes = new (string? Label, int Votes)[clusters.Count];
        if (people.Count > 0)
        {
            var matcher = new FaceMatcher(people, new MatchOptions { Threshold = threshold });
            for (int i = 0; i < clusters.Count; i++)
            {
                if (clusters[i].IsNoise) continue;
                var counts = matcher.Match(clusters[i].Faces, cancellationToken)
                    .Where(m => !m.IsUnknown)
                    .GroupBy(m => m.Label, StringComparer.Ordinal)
                    .Select(g => (Label: g.Key, Votes: g.Count()))
                    .OrderByDescending(g => g.Votes).ThenBy(g => g.Label, StringComparer.Ordinal)
                    .FirstOrDefault();
                // A majority of the cluster must agree, or the name would follow a few look-alikes.
                if (counts.Label is not null && counts.Votes * 2 > clusters[i].Count) votes[i] = counts;
            }
        }

        // Labels are folder names, which compare case-insensitively (Export-FaceDataset refuses Person_3 next to person_3).
        var taken = new HashSet<string>(people.Select(p => p.Label), StringComparer.OrdinalIgnoreCase);
        var winner = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < clusters.Count; i++)
        {
            if (votes[i].Label is not { } label) continue;
            if (!winner.TryGetValue(label, out int current) || votes[i].Votes > votes[current].Votes) winner[label] = i;
        }

        var results = new ReferenceNamingResult[clusters.Count];
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (label, index) in winner)
        {
            clusters[index].Label = label;
            used.Add(label);
            results[index] = new(clusters[index], label, votes[index].Votes, IsNew: false);
        }
        int next = lastPersonNumber + 1;
        for (int i = 0; i < clusters.Count; i++)
        {
            if (results[i] is not null) continue;
            if (clusters[i].IsNoise)
            {
                results[i] = new(clusters[i], null, 0, IsNew: false);
                continue;
            }
            string label;
            do label = FaceCluster.DefaultLabel(next++); while (taken.Contains(label) || used.Contains(label));
            clusters[i].Label = label;
            used.Add(label);
            results[i] = new(clusters[i], null, votes[i].Votes, IsNew: true);
        }
        return results;
    }
}
