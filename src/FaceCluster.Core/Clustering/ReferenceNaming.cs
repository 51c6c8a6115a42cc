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
    public static IReadOnlyList<ReferenceNamingResult> Apply(IReadOnlyList<FaceCluster> clusters, IEnumerable<FaceCluster> reference,
        double threshold = MatchOptions.DefaultThreshold, CancellationToken cancellationToken = default)
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
        int next = 1;
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
