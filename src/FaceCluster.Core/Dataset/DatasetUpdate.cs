namespace FaceCluster.Dataset;

/// <summary>
/// Exporting into an existing dataset is an update that keeps the user's corrections. The dataset as it is now (the
/// one reader) is the ledger: a face already in it stays in the person folder it is in now (renames, merges and hand
/// moves survive, whatever the new clustering says), a face whose files the user deleted stays out, the faces of the
/// dataset that the new input lacks stay, new faces follow the person most of their cluster's known faces are in,
/// and a new person never gets a <c>Person_N</c> at or below the ledger's high-water mark.
/// </summary>
internal static class DatasetUpdate
{
    public static List<FaceCluster> Regroup(IReadOnlyList<FaceCluster> input, DatasetContents existing, IDatasetReporter? reporter, out int lastPersonNumber)
    {
        var personOf = new Dictionary<string, DatasetPerson>(StringComparer.Ordinal);
        // Faces in _unclustered/_unsure are where the export put them, not a correction: they follow the new clustering.
        foreach (var person in existing.People.Where(p => !p.IsNoise))
        foreach (var face in person.Faces)
            personOf.TryAdd(face.Id, person);
        var deleted = existing.LostFaces.Select(f => f.FaceId).ToHashSet(StringComparer.Ordinal);

        // Groups keyed by folder name (case-insensitive, as folders are), in a stable order: existing people first.
        var groups = new Dictionary<string, Group>(StringComparer.OrdinalIgnoreCase);
        foreach (var person in existing.People)
        {
            string folder = Path.GetFileName(person.Folder);
            groups[folder] = new Group(person.IsUnsure ? FaceCluster.UnsureId : person.IsNoise ? 0 : person.ClusterId,
                person.Label, person.IsNoise, person.IsUnsure);
        }
        int nextId = existing.People.Where(p => !p.IsNoise).Select(p => p.ClusterId)
            .Concat(existing.Manifest.People.Select(p => p.ClusterId)).DefaultIfEmpty(0).Max() + 1;
        int last = existing.LastPersonNumber;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int droppedDeleted = 0;

        foreach (var cluster in input)
        {
            bool noise = cluster.IsNoise || cluster.Id == 0;
            var faces = cluster.Faces.Where(f => seen.Add(f.Id)).ToList();
            droppedDeleted += faces.RemoveAll(f => deleted.Contains(f.Id) && !personOf.ContainsKey(f.Id));
            var known = faces.Where(f => personOf.ContainsKey(f.Id)).ToList();
            foreach (var face in known) groups[Path.GetFileName(personOf[face.Id].Folder)].Faces.Add(face);
            var fresh = faces.Where(f => !personOf.ContainsKey(f.Id)).ToList();
            if (fresh.Count == 0) continue;

            string folder;
            if (noise)
            {
                folder = cluster.IsUnsure ? DatasetLayout.UnsureFolderName : DatasetLayout.NoiseFolderName;
                if (!groups.ContainsKey(folder))
                    groups[folder] = new Group(cluster.IsUnsure ? FaceCluster.UnsureId : 0, cluster.Label, true, cluster.IsUnsure);
            }
            else if (known.GroupBy(f => Path.GetFileName(personOf[f.Id].Folder), StringComparer.OrdinalIgnoreCase)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault() is { } majority)
            {
                folder = majority.Key;
            }
            else
            {
                folder = cluster.Label;
                int number = DatasetReader.PersonNumber(cluster.Label);
                // A default name the ledger has given out before (now somebody else's, or freed by a merge) is not this new person's.
                if (number > 0 && (number <= existing.LastPersonNumber || groups.ContainsKey(folder)))
                {
                    do folder = FaceCluster.DefaultLabel(++last); while (groups.ContainsKey(folder));
                    reporter?.Warning($"Cluster {cluster.Id} ('{cluster.Label}', {fresh.Count} new face(s)) is nobody in the dataset yet; it is exported as '{folder}' " +
                        "because the dataset has used that name before. Cluster with -Reference <dataset> to have new people named after the dataset.");
                }
                if (!groups.ContainsKey(folder)) groups[folder] = new Group(nextId++, folder, false, false);
            }
            last = Math.Max(last, DatasetReader.PersonNumber(folder));
            groups[folder].Faces.AddRange(fresh);
        }
        if (droppedDeleted > 0)
            reporter?.Warning($"{droppedDeleted} face(s) whose portrait and chip were deleted from the dataset stay out of it.");

        // Faces of the dataset that the input does not have stay where they are.
        foreach (var person in existing.People)
        foreach (var face in person.Faces)
            if (seen.Add(face.Id)) groups[Path.GetFileName(person.Folder)].Faces.Add(face);

        lastPersonNumber = last;
        return groups.Where(g => g.Value.Faces.Count > 0).Select(g =>
        {
            var faces = g.Value.Faces.OrderBy(f => f.Id, StringComparer.Ordinal).ToList();
            return new FaceCluster
            {
                Id = g.Value.Id,
                Label = g.Value.IsNoise ? g.Value.Label : g.Key,
                Faces = faces,
                Medoid = faces[0],
                MeanDistance = 0,
                MaxDistance = 0,
                IsNoise = g.Value.IsNoise,
                IsUnsure = g.Value.IsUnsure,
            };
        }).ToList();
    }

    private sealed record Group(int Id, string Label, bool IsNoise, bool IsUnsure)
    {
        public List<FaceEncoding> Faces { get; } = [];
    }
}
