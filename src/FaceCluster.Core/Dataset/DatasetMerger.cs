using System.Globalization;
using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>What <see cref="DatasetMerger"/> did (or would do).</summary>
/// <param name="Person">The merged person as it is now (planned in plan mode); Files are its face files and montage.</param>
/// <param name="MergedLabels">Labels of the people merged away (not the kept one).</param>
/// <param name="MergedClusterIds">Cluster ids of the people merged away.</param>
/// <param name="RemovedFolders">Full paths of the emptied person folders that were removed.</param>
/// <param name="KeptFolders">Full paths of merged-away folders left in place because they hold files FaceCluster did not write.</param>
/// <param name="WhatIf">True in plan mode: nothing was changed.</param>
/// <param name="Files">Full paths of every file moved, written or rewritten (planned in plan mode).</param>
public sealed record DatasetMergeResult(
    DatasetPersonSummary Person, IReadOnlyList<string> MergedLabels, IReadOnlyList<int> MergedClusterIds,
    IReadOnlyList<string> RemovedFolders, IReadOnlyList<string> KeptFolders, bool WhatIf, IReadOnlyList<string> Files);

/// <summary>
/// Merges people of a dataset into the first one given (the commonest clustering mistake is one person split in two):
/// face files move into the kept person's folder, the montage is rebuilt from the merged faces, manifest.json/csv,
/// index.html, yolo/data.yaml and every YOLO label file are rewritten, and emptied folders are removed when they hold
/// nothing but files FaceCluster wrote.
/// </summary>
public static class DatasetMerger
{
    /// <summary>Merges the people whose folders are <paramref name="labels"/> into the first of them.</summary>
    /// <exception cref="DatasetException">
    /// <see cref="DatasetErrors.DatasetInvalid"/>, <see cref="DatasetErrors.ClusterNotFound"/>, <see cref="DatasetErrors.TooFewPeople"/>,
    /// <see cref="DatasetErrors.LabelInvalid"/>, <see cref="DatasetErrors.LabelConflict"/>, <see cref="DatasetErrors.OutputWriteFailed"/>.
    /// </exception>
    /// <param name="shouldProcess">Asked about every file operation (target, action); in -WhatIf each call prints a line. Null: all go ahead.</param>
    public static DatasetMergeResult Merge(string datasetDirectory, IReadOnlyList<string> labels, string? newLabel = null, bool whatIf = false,
        IDatasetReporter? reporter = null, Func<string, string, bool>? shouldProcess = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var label in labels) DatasetEditing.EnsurePlainName(label);
        var contents = DatasetEditing.ReadForEdit(datasetDirectory, whatIf, reporter);
        return Merge(contents, labels.Select(l => (DatasetEditing.FindPerson(contents, l), l)).ToList(), newLabel, whatIf, reporter, shouldProcess);
    }

    /// <summary>Merges the people with cluster ids <paramref name="clusterIds"/> into the first of them.</summary>
    public static DatasetMergeResult Merge(string datasetDirectory, IReadOnlyList<int> clusterIds, string? newLabel = null, bool whatIf = false,
        IDatasetReporter? reporter = null, Func<string, string, bool>? shouldProcess = null)
    {
        ArgumentNullException.ThrowIfNull(clusterIds);
        var contents = DatasetEditing.ReadForEdit(datasetDirectory, whatIf, reporter);
        return Merge(contents, clusterIds.Select(id => (DatasetEditing.FindPerson(contents, id), id.ToString(CultureInfo.InvariantCulture))).ToList(),
            newLabel, whatIf, reporter, shouldProcess);
    }

    private sealed record FileMove(string From, string To, ManifestFace Row, bool IsPortrait);

    private sealed record Leftovers(string Folder, List<string> Owned, List<string> Foreign);

    private static DatasetMergeResult Merge(DatasetContents contents, List<(DatasetPerson Person, string Given)> chosen, string? newLabel, bool whatIf,
        IDatasetReporter? reporter, Func<string, string, bool>? shouldProcess)
    {
        string root = contents.Root;
        var noise = chosen.FirstOrDefault(c => c.Person.IsNoise);
        if (noise.Person is not null)
        {
            throw new DatasetException(DatasetErrors.LabelInvalid, DatasetErrorKind.InvalidArgument,
                "The unclustered faces are not a person and cannot be merged; move their portraits into a person folder instead.", noise.Given);
        }
        var group = chosen.Select(c => c.Person).Distinct().ToList();
        if (group.Count < 2)
        {
            string named = group.Count == 0 ? "nobody" : $"only '{group[0].Label}'";
            throw new DatasetException(DatasetErrors.TooFewPeople, DatasetErrorKind.InvalidArgument,
                $"A merge needs at least two different people; the names given ({string.Join(", ", chosen.Select(c => c.Given))}) are {named}.",
                chosen.Count == 0 ? null : chosen[^1].Given);
        }
        var kept = group[0];
        var merged = group.Skip(1).ToList();
        string keptName = Path.GetFileName(kept.Folder);
        string label = newLabel ?? keptName;
        if (newLabel is not null)
        {
            DatasetLayout.EnsureValidLabel(newLabel);
            var away = merged.FirstOrDefault(p => string.Equals(Path.GetFileName(p.Folder), newLabel, StringComparison.OrdinalIgnoreCase));
            if (away is not null)
            {
                throw new DatasetException(DatasetErrors.LabelConflict, DatasetErrorKind.InvalidArgument,
                    $"'{newLabel}' is the folder of '{away.Label}', which this merge removes; give that person first to keep its name and cluster id.", newLabel);
            }
            DatasetEditing.EnsureFolderNameFree(contents, kept, newLabel, "Merge that person too, or choose another name.");
        }
        string keptFolder = Path.Combine(root, label);
        var marker = contents.Marker.Files.ToHashSet(StringComparer.Ordinal);
        // A folder renamed by hand still has its files in the marker under the manifest's name.
        bool Owned(DatasetPerson person, string fileName) =>
            marker.Contains(DatasetLayout.Relative(Path.GetFileName(person.Folder), fileName)) ||
            person.ManifestLabel is not null && marker.Contains(DatasetLayout.Relative(person.ManifestLabel, fileName));

        // 1. Plan: face files, montage, leftovers, YOLO classes and label files.
        var taken = new HashSet<string>(Directory.EnumerateFileSystemEntries(kept.Folder).Select(Path.GetFileName).OfType<string>(), StringComparer.OrdinalIgnoreCase);
        var moves = new List<FileMove>();
        foreach (var person in merged)
        {
            foreach (var row in person.Rows)
            {
                foreach (var (relative, isPortrait) in new[] { (row.Portrait, true), (row.Chip, false) })
                {
                    if (relative is null) continue;
                    string from = DatasetLayout.ToFullPath(root, relative);
                    if (!File.Exists(from)) continue;
                    string name = UniqueName(Path.GetFileName(from), taken);
                    taken.Add(name);
                    moves.Add(new FileMove(from, Path.Combine(keptFolder, name), row, isPortrait));
                }
            }
        }
        var movedFrom = moves.Select(m => m.From).ToHashSet(StringComparer.Ordinal);
        var leftovers = new List<Leftovers>();
        foreach (var person in merged)
        {
            var owned = new List<string>();
            var foreign = new List<string>();
            foreach (var entry in Directory.EnumerateFileSystemEntries(person.Folder).Order(StringComparer.Ordinal))
            {
                if (movedFrom.Contains(entry)) continue;
                (File.Exists(entry) && Owned(person, Path.GetFileName(entry)) ? owned : foreign).Add(entry);
            }
            leftovers.Add(new Leftovers(person.Folder, owned, foreign));
        }

        bool montage = group.Any(p => p.Montage is not null);
        if (montage && kept.Montage is not null && !Owned(kept, DatasetLayout.MontageFileName))
        {
            reporter?.Warning($"'{kept.Montage}' was not written by FaceCluster: it is left untouched, so the merged person's montage is not rebuilt.");
            montage = false;
        }
        string montagePath = Path.Combine(keptFolder, DatasetLayout.MontageFileName);

        bool yolo = File.Exists(DatasetLayout.ToFullPath(root, DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName)));
        var classes = YoloClasses.Plan(contents, group);
        var labelFiles = yolo ? classes.PlanLabelFiles(root, marker, reporter) : [];

        var rows = group.SelectMany(p => p.Rows).OrderBy(r => r.FaceId, StringComparer.Ordinal).ToList();
        var faces = rows.Select(r => r.ToEncoding()).ToList();
        var personFiles = kept.Rows.SelectMany(r => new[] { r.Portrait, r.Chip }).OfType<string>()
            .Select(r => Path.Combine(keptFolder, r.Split('/')[^1])).Where(f => File.Exists(Path.Combine(kept.Folder, Path.GetFileName(f))))
            .Concat(moves.Select(m => m.To)).Order(StringComparer.Ordinal).ToList();
        if (montage) personFiles.Add(montagePath);
        var documents = DatasetEditing.Documents(yolo).Select(r => DatasetLayout.ToFullPath(root, r)).ToList();
        var files = moves.Select(m => m.To).Concat(montage ? [montagePath] : []).Concat(labelFiles.Select(l => l.Path)).Concat(documents)
            .Append(Path.Combine(root, DatasetLayout.MarkerFileName)).ToList();
        var summary = new DatasetPersonSummary(label, kept.ClusterId, false, keptFolder, faces.Count, personFiles);
        var mergedLabels = merged.Select(p => p.Label).ToList();
        var mergedIds = merged.Select(p => p.ClusterId).ToList();

        // 2. The plan, applied as one transaction: a failure or a kill at any point leaves the dataset as it was
        // before the merge or (on the next command) as it is after it.
        var removed = leftovers.Where(l => l.Foreign.Count == 0).Select(l => l.Folder).ToList();
        var left = leftovers.Where(l => l.Foreign.Count > 0).Select(l => l.Folder).ToList();
        using var tx = DatasetTransaction.Begin(root, whatIf, reporter);
        var written = new List<string>();
        if (label != keptName) DatasetEditing.PlanFolderMove(tx, keptName, label);
        foreach (var move in moves)
        {
            string relative = DatasetLayout.Relative(label, Path.GetFileName(move.To));
            tx.Move(DatasetLayout.Relative(Path.GetRelativePath(root, move.From).Split(Path.DirectorySeparatorChar)), relative);
            if (move.IsPortrait) move.Row.Portrait = relative;
            else move.Row.Chip = relative;
            written.Add(relative);
        }
        string montageRel = DatasetLayout.Relative(label, DatasetLayout.MontageFileName);
        if (montage)
        {
            PlanMontage(tx, montageRel, label, faces, rows, root, whatIf, reporter);
            written.Add(montageRel);
        }
        foreach (var file in labelFiles)
        {
            string relative = DatasetLayout.Relative(Path.GetRelativePath(root, file.Path).Split(Path.DirectorySeparatorChar));
            tx.WriteText(relative, file.Text);
            written.Add(relative);
        }
        foreach (var leftover in leftovers)
        {
            foreach (var file in leftover.Owned) tx.Delete(DatasetLayout.Relative(Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar)));
            if (leftover.Foreign.Count == 0) tx.DeleteFolder(Path.GetFileName(leftover.Folder));
        }

        var mergedPerson = new DatasetPerson
        {
            Label = label,
            ClusterId = kept.ClusterId,
            IsNoise = false,
            Folder = keptFolder,
            ManifestLabel = kept.ManifestLabel,
            YoloClass = classes.NewClass(kept),
            Faces = faces,
            Montage = tx.ExistsAfter(montageRel) ? montagePath : null,
            Rows = rows,
        };
        var people = contents.People.Where(p => !merged.Contains(p)).Select(p => p == kept ? mergedPerson : p).ToList();
        var manifest = DatasetEditing.BuildManifest(tx, contents, people,
            p => Path.GetFileName(p.Folder), p => p == mergedPerson ? mergedPerson.YoloClass : classes.NewClass(p));
        DatasetEditing.PlanDocuments(tx, manifest, yolo ? classes.Names(manifest, label) : null);
        written.AddRange(DatasetEditing.Documents(yolo));

        // Marker entries under the kept folder follow its new name; those of merged-away folders are gone or moved (re-added as written).
        var awayFolders = merged.SelectMany(p => new[] { Path.GetFileName(p.Folder), p.ManifestLabel }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var previous = contents.Marker.Files
            .Where(f => !awayFolders.Contains(f.Split('/')[0]))
            .Select(f => f.Split('/')[0] == keptName ? DatasetLayout.Relative(label, f[(keptName.Length + 1)..]) : f);
        DatasetEditing.PlanMarker(tx, previous, written, contents.LastPersonNumber);

        bool applied = tx.Commit(shouldProcess);
        foreach (var leftover in leftovers.Where(l => l.Foreign.Count > 0))
        {
            reporter?.Warning($"'{leftover.Folder}' holds {leftover.Foreign.Count} file(s) or folder(s) FaceCluster did not write " +
                $"({string.Join(", ", leftover.Foreign.Select(Path.GetFileName))}); they and the folder are left in place.");
        }
        if (!applied)
        {
            return new DatasetMergeResult(summary, mergedLabels, mergedIds, removed, left, true, files);
        }
        return new DatasetMergeResult(summary with { Files = personFiles.Where(File.Exists).ToList() }, mergedLabels, mergedIds, removed, left, false, files);
    }

    /// <summary><paramref name="name"/>, or name_2, name_3... when a file of that name (any case) is already in the folder.</summary>
    private static string UniqueName(string name, HashSet<string> taken)
    {
        if (!taken.Contains(name)) return name;
        string stem = Path.GetFileNameWithoutExtension(name), ext = Path.GetExtension(name);
        for (int n = 2; ; n++)
        {
            string candidate = $"{stem}_{n.ToString(CultureInfo.InvariantCulture)}{ext}";
            if (!taken.Contains(candidate)) return candidate;
        }
    }

    /// <summary>
    /// The montage as <see cref="DatasetWriter"/> makes it: <see cref="Montage.SelectFaces"/> over the faces in Id order,
    /// tiles cut from the source images. A face whose source image is gone gets its portrait (where it is now) as the tile.
    /// </summary>
    private static void PlanMontage(DatasetTransaction tx, string relative, string label, List<FaceEncoding> faces, List<ManifestFace> rows,
        string root, bool whatIf, IDatasetReporter? reporter)
    {
        if (whatIf) { tx.Write(relative, []); return; }
        var chosen = Montage.SelectFaces(faces.DistinctBy(f => f.Id, StringComparer.Ordinal).ToList());
        var tiles = new Dictionary<string, Mat>(StringComparer.Ordinal);
        try
        {
            foreach (var source in chosen.GroupBy(f => f.Path, StringComparer.Ordinal))
            {
                using var image = DatasetWriter.LoadImage(source.Key, reporter, "its faces' montage tiles are taken from their portraits");
                foreach (var face in source)
                {
                    if (image is not null)
                    {
                        var region = Montage.TileRegion(face.Box, image.Cols, image.Rows);
                        if (region is null) continue;
                        using var crop = new Mat(image, region.Value);
                        tiles[face.Id] = Montage.MakeTile(crop);
                        continue;
                    }
                    string? portrait = rows.FirstOrDefault(r => r.FaceId == face.Id && r.Portrait is not null)?.Portrait;
                    if (portrait is null) continue;
                    using var picture = Cv2.ImRead(DatasetLayout.ToFullPath(root, portrait), ImreadModes.Color);
                    if (!picture.Empty()) tiles[face.Id] = Montage.MakeTile(picture);
                }
            }
            using var rendered = Montage.Render(chosen.Select(f => tiles.GetValueOrDefault(f.Id)).OfType<Mat>().ToList(), label);
            tx.WriteImage(relative, rendered, DatasetWriterOptions.DefaultJpegQuality);
        }
        finally
        {
            foreach (var tile in tiles.Values) tile.Dispose();
        }
    }

    /// <summary>
    /// The YOLO class list after the merge: the people merged away lose their classes, the merged person keeps the kept
    /// person's class (or the lowest class of the group), and the classes after a dropped one move down to stay 0..n-1.
    /// </summary>
    private sealed class YoloClasses
    {
        private readonly Dictionary<int, int> map = [];
        private readonly List<ManifestPerson> surviving = [];
        private readonly HashSet<int> groupIds = [];

        public static YoloClasses Plan(DatasetContents contents, IReadOnlyList<DatasetPerson> group)
        {
            var plan = new YoloClasses();
            plan.groupIds.UnionWith(group.Select(p => p.ClusterId));
            var classed = contents.Manifest.People.Where(p => p.YoloClass is not null && !p.IsNoise).OrderBy(p => p.YoloClass).ToList();
            var groupClasses = classed.Where(p => plan.groupIds.Contains(p.ClusterId)).Select(p => p.YoloClass!.Value).ToList();
            int? keptClass = classed.FirstOrDefault(p => p.ClusterId == group[0].ClusterId)?.YoloClass
                ?? (groupClasses.Count > 0 ? groupClasses.Min() : null);
            foreach (var person in classed)
            {
                int old = person.YoloClass!.Value;
                if (groupClasses.Contains(old) && old != keptClass) continue;
                plan.map[old] = plan.surviving.Count;
                plan.surviving.Add(person);
            }
            foreach (int old in groupClasses) plan.map[old] = plan.map[keptClass!.Value];
            plan.MergedClass = keptClass is int k ? plan.map[k] : null;
            return plan;
        }

        public int? MergedClass { get; private set; }

        public bool Changes => map.Any(m => m.Key != m.Value);

        public int? NewClass(DatasetPerson person) =>
            groupIds.Contains(person.ClusterId) ? MergedClass
            : person.YoloClass is int old && map.TryGetValue(old, out int now) ? now : null;

        /// <summary>data.yaml names in the new class order; every name is the person's label now.</summary>
        public List<string> Names(DatasetManifest manifest, string mergedLabel) =>
            surviving.Select(p => groupIds.Contains(p.ClusterId) ? mergedLabel
                : manifest.People.FirstOrDefault(q => q.ClusterId == p.ClusterId && !q.IsNoise)?.Label ?? p.Label).ToList();

        /// <summary>Every label file whose class indices change, with its new text. Files FaceCluster did not write are left alone, with a warning.</summary>
        public List<(string Path, string Text)> PlanLabelFiles(string root, HashSet<string> marker, IDatasetReporter? reporter)
        {
            var result = new List<(string, string)>();
            string labels = Path.Combine(root, DatasetLayout.YoloFolderName, "labels");
            if (!Changes || !Directory.Exists(labels)) return result;
            foreach (var file in Directory.EnumerateFiles(labels, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                string text = File.ReadAllText(file);
                string renumbered = Renumber(text);
                if (renumbered == text) continue;
                string relative = DatasetLayout.Relative(Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar));
                if (!marker.Contains(relative))
                {
                    reporter?.Warning($"'{file}' was not written by FaceCluster and is left untouched; its class indices now point at other people.");
                    continue;
                }
                result.Add((file, renumbered));
            }
            return result;
        }

        /// <summary>Replaces the class (first field) of every "class cx cy w h" line; other lines stay as they are.</summary>
        private string Renumber(string text)
        {
            var lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                int space = lines[i].IndexOf(' ');
                if (space <= 0 || !int.TryParse(lines[i].AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out int old)) continue;
                if (map.TryGetValue(old, out int now) && now != old)
                    lines[i] = now.ToString(CultureInfo.InvariantCulture) + lines[i][space..];
            }
            return string.Join('\n', lines);
        }
    }
}
