using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>What <see cref="DatasetRenamer.Rename(string, string, string, bool, IDatasetReporter?)"/> did (or would do).</summary>
/// <param name="ClusterId">The renamed person's cluster id.</param>
/// <param name="OldLabel">The label before (the folder name on disk).</param>
/// <param name="NewLabel">The label after.</param>
/// <param name="OldFolder">Full path of the person folder before.</param>
/// <param name="NewFolder">Full path of the person folder after.</param>
/// <param name="WhatIf">True in plan mode: nothing was changed.</param>
/// <param name="Files">Full paths of the files rewritten (planned in plan mode).</param>
public sealed record DatasetRenameResult(
    int ClusterId, string OldLabel, string NewLabel, string OldFolder, string NewFolder, bool WhatIf, IReadOnlyList<string> Files);

/// <summary>
/// Renames a person everywhere in a dataset: the folder, the montage caption, manifest.json/csv,
/// yolo/data.yaml, index.html and the marker. Folders renamed earlier by hand are taken as they are
/// (the manifest is brought in line with the disk at the same time).
/// </summary>
public static class DatasetRenamer
{
    /// <summary>Renames the person whose folder is <paramref name="oldLabel"/> (exact, else the one case-insensitive match).</summary>
    /// <param name="shouldProcess">Asked about every file operation (target, action); in -WhatIf each call prints a line. Null: all go ahead.</param>
    /// <exception cref="DatasetException">
    /// <see cref="DatasetErrors.DatasetInvalid"/>, <see cref="DatasetErrors.ClusterNotFound"/>, <see cref="DatasetErrors.LabelInvalid"/>,
    /// <see cref="DatasetErrors.LabelConflict"/>, <see cref="DatasetErrors.OutputWriteFailed"/>.
    /// </exception>
    public static DatasetRenameResult Rename(string datasetDirectory, string oldLabel, string newLabel, bool whatIf = false,
        IDatasetReporter? reporter = null, Func<string, string, bool>? shouldProcess = null)
    {
        DatasetEditing.EnsurePlainName(oldLabel);
        var contents = DatasetEditing.ReadForEdit(datasetDirectory, whatIf, reporter);
        return Rename(contents, DatasetEditing.FindPerson(contents, oldLabel), newLabel, whatIf, reporter, shouldProcess);
    }

    /// <summary>Renames the person with cluster id <paramref name="clusterId"/>.</summary>
    public static DatasetRenameResult Rename(string datasetDirectory, int clusterId, string newLabel, bool whatIf = false,
        IDatasetReporter? reporter = null, Func<string, string, bool>? shouldProcess = null)
    {
        var contents = DatasetEditing.ReadForEdit(datasetDirectory, whatIf, reporter);
        return Rename(contents, DatasetEditing.FindPerson(contents, clusterId), newLabel, whatIf, reporter, shouldProcess);
    }

    private static DatasetRenameResult Rename(DatasetContents contents, DatasetPerson person, string newLabel, bool whatIf,
        IDatasetReporter? reporter, Func<string, string, bool>? shouldProcess)
    {
        string root = contents.Root;
        if (person.IsNoise)
        {
            throw new DatasetException(DatasetErrors.LabelInvalid, DatasetErrorKind.InvalidArgument,
                "The unclustered faces are not a person and cannot be renamed; move their portraits into a person folder instead.", person.Label);
        }
        DatasetLayout.EnsureValidLabel(newLabel);
        string oldFolderName = Path.GetFileName(person.Folder);
        string newFolder = Path.Combine(root, newLabel);
        DatasetEditing.EnsureFolderNameFree(contents, person, newLabel, "To make them one person, use Merge-FaceCluster.");
        bool moveFolder = oldFolderName != newLabel;

        string montageRel = DatasetLayout.Relative(newLabel, DatasetLayout.MontageFileName);
        bool montage = person.Montage is not null;
        string yoloData = DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName);
        bool yolo = File.Exists(DatasetLayout.ToFullPath(root, yoloData));

        // One transaction: the folder, the montage caption, manifests, data.yaml, index and marker change together or not at all.
        using var tx = DatasetTransaction.Begin(root, whatIf, reporter);
        if (moveFolder) DatasetEditing.PlanFolderMove(tx, oldFolderName, newLabel);
        var rewritten = new List<string>();
        if (montage)
        {
            if (whatIf)
            {
                tx.Write(montageRel, []);
                rewritten.Add(montageRel);
            }
            else
            {
                // The caption band is opaque, so it is repainted over the old caption (read where the montage is now).
                using var picture = Cv2.ImRead(person.Montage!, ImreadModes.Color);
                if (picture.Empty())
                {
                    reporter?.Warning($"'{person.Montage}' could not be read; its caption still shows the old name.");
                }
                else
                {
                    Montage.DrawCaption(picture, newLabel);
                    tx.WriteImage(montageRel, picture, DatasetWriterOptions.DefaultJpegQuality);
                    rewritten.Add(montageRel);
                }
            }
        }

        // Manifest (brought in line with the disk), csv, data.yaml, index, marker.
        var oldPaths = contents.Manifest.People.Where(p => p.Montage is not null).Select(p => p.Montage!).ToList();
        var manifest = DatasetEditing.BuildManifest(tx, contents, contents.People,
            p => p == person ? newLabel : Path.GetFileName(p.Folder), p => p.YoloClass);
        var names = yolo
            ? contents.Manifest.People.Where(p => p.YoloClass is not null).OrderBy(p => p.YoloClass)
                .Select(p => manifest.People.FirstOrDefault(q => q.ClusterId == p.ClusterId && !q.IsNoise)?.Label ?? p.Label)
                .ToList()
            : null;
        DatasetEditing.PlanDocuments(tx, manifest, names);
        rewritten.AddRange(DatasetEditing.Documents(yolo));

        // The marker: files that moved with their folder (by hand or now) keep being FaceCluster's.
        var owned = new List<string>();
        var folderOf = contents.People.ToDictionary(p => p, p => p == person ? newLabel : Path.GetFileName(p.Folder));
        foreach (var p in contents.People)
        {
            foreach (var row in p.Rows)
            {
                foreach (var name in new[] { row.Portrait, row.Chip }.OfType<string>().Select(r => r.Split('/')[^1]))
                    owned.Add(DatasetLayout.Relative(folderOf[p], name));
            }
            owned.Add(DatasetLayout.Relative(folderOf[p], DatasetLayout.MontageFileName));
        }
        var peopleFolders = contents.Manifest.People.Select(p => p.Folder).ToHashSet(StringComparer.Ordinal);
        owned.AddRange(contents.Marker.Files.Where(f => !peopleFolders.Contains(f.Split('/')[0])));
        owned.AddRange(oldPaths);
        DatasetEditing.PlanMarker(tx, owned, rewritten, Math.Max(contents.LastPersonNumber, DatasetReader.PersonNumber(newLabel)));

        bool applied = tx.Commit(shouldProcess);
        return new DatasetRenameResult(person.ClusterId, person.Label, newLabel, person.Folder, newFolder, !applied,
            rewritten.Select(r => DatasetLayout.ToFullPath(root, r)).Append(Path.Combine(root, DatasetLayout.MarkerFileName)).ToList());
    }
}
