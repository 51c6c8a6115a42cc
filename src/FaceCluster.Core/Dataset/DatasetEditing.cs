namespace FaceCluster.Dataset;

/// <summary>
/// The pieces <see cref="DatasetRenamer"/> and <see cref="DatasetMerger"/> share: finding a person the way the user
/// names them, checking a new folder name, moving a folder, and rewriting the documents derived from the people on disk.
/// </summary>
internal static class DatasetEditing
{
    /// <summary>
    /// The dataset as an edit sees it: an interrupted earlier change is finished or undone first (not in plan mode,
    /// which changes nothing), then the one reader reads it.
    /// </summary>
    public static DatasetContents ReadForEdit(string datasetDirectory, bool whatIf, IDatasetReporter? reporter)
    {
        string root = Path.GetFullPath(datasetDirectory);
        if (!whatIf && Directory.Exists(root) && DatasetReader.IsDataset(root)) DatasetTransaction.Recover(root, reporter);
        else if (DatasetTransaction.IsPending(root)) reporter?.Warning($"The dataset '{root}' holds an interrupted change; the next command that is not -WhatIf finishes or undoes it.");
        var contents = DatasetReader.Read(root, includeNoise: true, reporter);
        foreach (var person in contents.LostPeople)
            reporter?.Warning($"'{person.Label}' is kept in manifest.json as it was (its folder is gone); this edit does not change it.");
        return contents;
    }

    /// <summary>A label the user gives to name a person must be a plain folder name: no path, no '..' (<see cref="DatasetErrors.LabelInvalid"/>).</summary>
    public static void EnsurePlainName(string? label)
    {
        string? problem = label is null ? "it is null." : label.Contains('/') || label.Contains('\\') ? "it contains a path separator." : DatasetLayout.ValidateRelative(label);
        if (problem is not null)
        {
            throw new DatasetException(DatasetErrors.LabelInvalid, DatasetErrorKind.InvalidArgument,
                $"'{label}' is not a person of the dataset: a label is a plain folder name, and {problem}", label);
        }
    }

    /// <summary>The person whose folder is <paramref name="label"/> (exact, else the one case-insensitive match, else the manifest label).</summary>
    public static DatasetPerson FindPerson(DatasetContents contents, string label)
    {
        EnsurePlainName(label);
        return contents.People.FirstOrDefault(p => p.Label == label)
            ?? Single(contents.People.Where(p => string.Equals(p.Label, label, StringComparison.OrdinalIgnoreCase)).ToList(), label)
            ?? contents.People.FirstOrDefault(p => p.ManifestLabel == label && !contents.People.Any(q => q.Label == label))
            ?? throw NotFound($"No person labelled '{label}' in the dataset '{contents.Root}'.", label);
    }

    /// <summary>The person with cluster id <paramref name="clusterId"/> (0 is the unclustered faces).</summary>
    public static DatasetPerson FindPerson(DatasetContents contents, int clusterId) =>
        contents.People.FirstOrDefault(p => p.ClusterId == clusterId && (clusterId is 0 or FaceCluster.UnsureId) == p.IsNoise)
        ?? throw NotFound($"No person with cluster id {clusterId} in the dataset '{contents.Root}'.", clusterId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static DatasetPerson? Single(List<DatasetPerson> matches, string label) =>
        matches.Count switch
        {
            0 => null,
            1 => matches[0],
            _ => throw new DatasetException(DatasetErrors.LabelConflict, DatasetErrorKind.InvalidArgument,
                $"'{label}' matches several people ({string.Join(", ", matches.Select(m => m.Label))}); give the exact label or the cluster id.", label),
        };

    private static DatasetException NotFound(string message, string target) =>
        new(DatasetErrors.ClusterNotFound, DatasetErrorKind.ObjectNotFound, message, target);

    /// <summary>
    /// Throws <see cref="DatasetErrors.LabelConflict"/> when <paramref name="newLabel"/> is the folder of a person other than
    /// <paramref name="person"/>, or (unless only its case changes) any other file or folder of the dataset root.
    /// </summary>
    public static void EnsureFolderNameFree(DatasetContents contents, DatasetPerson person, string newLabel, string hint)
    {
        var clash = contents.People.FirstOrDefault(p => p != person && string.Equals(Path.GetFileName(p.Folder), newLabel, StringComparison.OrdinalIgnoreCase));
        if (clash is not null)
        {
            throw new DatasetException(DatasetErrors.LabelConflict, DatasetErrorKind.ResourceExists,
                $"The dataset already has a person '{clash.Label}' (cluster {clash.ClusterId}); labels are folder names and must differ (case-insensitively). {hint}", newLabel);
        }
        string oldName = Path.GetFileName(person.Folder);
        string newFolder = Path.Combine(contents.Root, newLabel);
        if (!string.Equals(oldName, newLabel, StringComparison.OrdinalIgnoreCase) && (Directory.Exists(newFolder) || File.Exists(newFolder)))
        {
            throw new DatasetException(DatasetErrors.LabelConflict, DatasetErrorKind.ResourceExists,
                $"'{newFolder}' already exists; choose another name.", newLabel);
        }
    }

    /// <summary>Plans renaming a person folder; a change of case only goes through a temporary name (case-insensitive file systems).</summary>
    public static void PlanFolderMove(DatasetTransaction tx, string fromName, string toName)
    {
        if (string.Equals(fromName, toName, StringComparison.OrdinalIgnoreCase))
        {
            // Deterministic, so that an interrupted and an uninterrupted rename leave the same names behind.
            string temp = ".fcrename-" + toName.GetHashCode(StringComparison.Ordinal).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            tx.Move(fromName, temp);
            tx.Move(temp, toName);
        }
        else
        {
            tx.Move(fromName, toName);
        }
    }

    /// <summary>
    /// manifest.json as the disk is now: one entry per person of <paramref name="people"/> in the folder
    /// <paramref name="folderOf"/> gives, face files under that folder (their file names kept).
    /// </summary>
    public static DatasetManifest BuildManifest(DatasetTransaction tx, DatasetContents contents, IEnumerable<DatasetPerson> people,
        Func<DatasetPerson, string> folderOf, Func<DatasetPerson, int?> yoloClassOf)
    {
        var manifest = new DatasetManifest { CreatedUtc = contents.Manifest.CreatedUtc };
        foreach (var person in people)
        {
            string folder = folderOf(person);
            string label = person.IsNoise ? person.ManifestLabel ?? FaceCluster.NoiseLabel : folder;
            string montage = DatasetLayout.Relative(folder, DatasetLayout.MontageFileName);
            manifest.People.Add(new ManifestPerson
            {
                Label = label,
                ClusterId = person.ClusterId,
                Folder = folder,
                IsNoise = person.IsNoise,
                IsUnsure = person.IsUnsure,
                Count = person.Count,
                YoloClass = yoloClassOf(person),
                Montage = tx.ExistsAfter(montage) ? montage : null,
            });
            foreach (var row in person.Rows)
            {
                row.Label = label;
                row.ClusterId = person.ClusterId;
                row.Portrait = row.Portrait is null ? null : DatasetLayout.Relative(folder, row.Portrait.Split('/')[^1]);
                row.Chip = row.Chip is null ? null : DatasetLayout.Relative(folder, row.Chip.Split('/')[^1]);
                manifest.Faces.Add(row);
            }
        }
        // Nothing is lost by an edit: people whose folder is gone and faces whose files are gone stay as they were.
        manifest.People.AddRange(contents.LostPeople);
        manifest.Faces.AddRange(contents.LostFaces);
        return manifest;
    }

    /// <summary>Root-relative paths of the files <see cref="WriteDocuments"/> writes.</summary>
    public static List<string> Documents(bool yolo)
    {
        var files = new List<string>();
        if (yolo) files.Add(DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName));
        files.AddRange([DatasetLayout.ManifestJsonFileName, DatasetLayout.ManifestCsvFileName, DatasetLayout.IndexFileName]);
        return files;
    }

    /// <summary>Plans manifest.json/csv, index.html and (when <paramref name="yoloNames"/> is given) yolo/data.yaml.</summary>
    public static void PlanDocuments(DatasetTransaction tx, DatasetManifest manifest, IReadOnlyList<string>? yoloNames)
    {
        tx.WriteText(DatasetLayout.ManifestJsonFileName, DatasetJson.Serialize(manifest));
        tx.WriteText(DatasetLayout.ManifestCsvFileName, ManifestCsv.Render(manifest));
        if (yoloNames is not null)
        {
            tx.WriteText(DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName),
                DatasetDocuments.RenderYoloData(Path.Combine(tx.Root, DatasetLayout.YoloFolderName), yoloNames));
        }
        tx.WriteText(DatasetLayout.IndexFileName, DatasetDocuments.RenderIndex(manifest, rel => rel == DatasetLayout.IndexFileName || tx.ExistsAfter(rel)));
    }

    /// <summary>
    /// Plans the marker (always the last write): every file FaceCluster wrote that exists after the plan, and the
    /// ledger's Person_N high-water mark. No timestamp: the same change gives the same bytes, interrupted or not.
    /// </summary>
    public static void PlanMarker(DatasetTransaction tx, IEnumerable<string> previous, IEnumerable<string> written, int lastPersonNumber)
    {
        var files = previous.Concat(written)
            .Where(r => r != DatasetLayout.MarkerFileName && tx.ExistsAfter(r))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        var marker = new DatasetMarker { Files = files, LastPersonNumber = lastPersonNumber };
        tx.WriteText(DatasetLayout.MarkerFileName, DatasetJson.Serialize(marker));
    }
}
