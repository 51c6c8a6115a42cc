namespace FaceCluster.Dataset;

/// <summary>
/// The pieces <see cref="DatasetRenamer"/> and <see cref="DatasetMerger"/> share: finding a person the way the user
/// names them, checking a new folder name, moving a folder, and rewriting the documents derived from the people on disk.
/// </summary>
internal static class DatasetEditing
{
    /// <summary>The person whose folder is <paramref name="label"/> (exact, else the one case-insensitive match, else the manifest label).</summary>
    public static DatasetPerson FindPerson(DatasetContents contents, string label)
    {
        ArgumentNullException.ThrowIfNull(label);
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

    /// <summary>Renames a person folder; a change of case only goes through a temporary name (case-insensitive file systems).</summary>
    public static void MoveFolder(string root, string from, string newLabel)
    {
        string to = Path.Combine(root, newLabel);
        bool caseOnly = string.Equals(Path.GetFileName(from), newLabel, StringComparison.OrdinalIgnoreCase);
        try
        {
            if (caseOnly)
            {
                string temp = Path.Combine(root, ".fcrename-" + Guid.NewGuid().ToString("N")[..8]);
                Directory.Move(from, temp);
                Directory.Move(temp, to);
            }
            else
            {
                Directory.Move(from, to);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DatasetException.WriteFailed(to, ex);
        }
    }

    /// <summary>
    /// manifest.json as the disk is now: one entry per person of <paramref name="people"/> in the folder
    /// <paramref name="folderOf"/> gives, face files under that folder (their file names kept).
    /// </summary>
    public static DatasetManifest BuildManifest(string root, DateTime createdUtc, IEnumerable<DatasetPerson> people,
        Func<DatasetPerson, string> folderOf, Func<DatasetPerson, int?> yoloClassOf)
    {
        var manifest = new DatasetManifest { CreatedUtc = createdUtc };
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
                Montage = File.Exists(DatasetLayout.ToFullPath(root, montage)) ? montage : null,
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

    /// <summary>Rewrites manifest.json/csv, index.html and (when <paramref name="yoloNames"/> is given) yolo/data.yaml.</summary>
    public static void WriteDocuments(string root, DatasetManifest manifest, IReadOnlyList<string>? yoloNames)
    {
        AtomicFile.WriteAllText(Path.Combine(root, DatasetLayout.ManifestJsonFileName), DatasetJson.Serialize(manifest));
        AtomicFile.WriteAllText(Path.Combine(root, DatasetLayout.ManifestCsvFileName), ManifestCsv.Render(manifest));
        if (yoloNames is not null)
        {
            string yoloFolder = Path.Combine(root, DatasetLayout.YoloFolderName);
            AtomicFile.WriteAllText(Path.Combine(yoloFolder, DatasetLayout.YoloDataFileName), DatasetDocuments.RenderYoloData(yoloFolder, yoloNames));
        }
        AtomicFile.WriteAllText(Path.Combine(root, DatasetLayout.IndexFileName),
            DatasetDocuments.RenderIndex(manifest, rel => File.Exists(DatasetLayout.ToFullPath(root, rel))));
    }
}
