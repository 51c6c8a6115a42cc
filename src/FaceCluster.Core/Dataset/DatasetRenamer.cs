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
    /// <exception cref="DatasetException">
    /// <see cref="DatasetErrors.DatasetInvalid"/>, <see cref="DatasetErrors.ClusterNotFound"/>, <see cref="DatasetErrors.LabelInvalid"/>,
    /// <see cref="DatasetErrors.LabelConflict"/>, <see cref="DatasetErrors.OutputWriteFailed"/>.
    /// </exception>
    public static DatasetRenameResult Rename(string datasetDirectory, string oldLabel, string newLabel, bool whatIf = false, IDatasetReporter? reporter = null)
    {
        ArgumentNullException.ThrowIfNull(oldLabel);
        var contents = DatasetReader.Read(datasetDirectory, includeNoise: true, reporter);
        return Rename(contents, DatasetEditing.FindPerson(contents, oldLabel), newLabel, whatIf, reporter);
    }

    /// <summary>Renames the person with cluster id <paramref name="clusterId"/>.</summary>
    public static DatasetRenameResult Rename(string datasetDirectory, int clusterId, string newLabel, bool whatIf = false, IDatasetReporter? reporter = null)
    {
        var contents = DatasetReader.Read(datasetDirectory, includeNoise: true, reporter);
        return Rename(contents, DatasetEditing.FindPerson(contents, clusterId), newLabel, whatIf, reporter);
    }

    private static DatasetRenameResult Rename(DatasetContents contents, DatasetPerson person, string newLabel, bool whatIf, IDatasetReporter? reporter)
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
        var rewritten = new List<string>();
        if (montage) rewritten.Add(montageRel);
        rewritten.AddRange(DatasetEditing.Documents(yolo));
        var result = new DatasetRenameResult(person.ClusterId, person.Label, newLabel, person.Folder, newFolder, whatIf,
            rewritten.Select(r => DatasetLayout.ToFullPath(root, r)).Append(Path.Combine(root, DatasetLayout.MarkerFileName)).ToList());
        if (whatIf)
        {
            if (moveFolder) reporter?.PlannedWrite(person.Folder, DatasetWriteAction.Move);
            foreach (var file in result.Files) reporter?.PlannedWrite(file, DatasetWriteAction.Replace);
            return result;
        }

        // 1. The folder (nothing else has changed if this fails).
        if (moveFolder) DatasetEditing.MoveFolder(root, person.Folder, newLabel);

        // 2. The montage caption: the band is opaque, so it is repainted over the old caption.
        if (montage)
        {
            string path = DatasetLayout.ToFullPath(root, montageRel);
            using var picture = Cv2.ImRead(path, ImreadModes.Color);
            if (picture.Empty())
            {
                reporter?.Warning($"'{path}' could not be read; its caption still shows the old name.");
                rewritten.Remove(montageRel);
            }
            else
            {
                Montage.DrawCaption(picture, newLabel);
                AtomicFile.WriteImage(path, picture, DatasetWriterOptions.DefaultJpegQuality);
            }
        }

        // 3. Manifest (brought in line with the disk), csv, data.yaml, index, marker.
        var oldPaths = contents.Manifest.People.Where(p => p.Montage is not null).Select(p => p.Montage!).ToList();
        var manifest = DatasetEditing.BuildManifest(root, contents.Manifest.CreatedUtc, contents.People,
            p => p == person ? newLabel : Path.GetFileName(p.Folder), p => p.YoloClass);
        var names = yolo
            ? contents.Manifest.People.Where(p => p.YoloClass is not null).OrderBy(p => p.YoloClass)
                .Select(p => manifest.People.FirstOrDefault(q => q.ClusterId == p.ClusterId && !q.IsNoise)?.Label ?? p.Label)
                .ToList()
            : null;
        DatasetEditing.WriteDocuments(root, manifest, names);

        // The marker: files that moved with their folder (by hand or now) keep being FaceCluster's.
        var owned = new List<string>();
        var folderOf = contents.People.ToDictionary(p => p, p => p == person ? newLabel : Path.GetFileName(p.Folder));
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in contents.People)
        {
            foreach (var row in p.Rows)
            {
                foreach (var name in new[] { row.Portrait, row.Chip }.OfType<string>().Select(r => r.Split('/')[^1]))
                    owned.Add(DatasetLayout.Relative(folderOf[p], name));
            }
            if (File.Exists(Path.Combine(root, folderOf[p], DatasetLayout.MontageFileName)))
                owned.Add(DatasetLayout.Relative(folderOf[p], DatasetLayout.MontageFileName));
        }
        var peopleFolders = contents.Manifest.People.Select(p => p.Folder).ToHashSet(StringComparer.Ordinal);
        owned.AddRange(contents.Marker.Files.Where(f => !peopleFolders.Contains(f.Split('/')[0])));
        owned.AddRange(oldPaths.Where(p => File.Exists(DatasetLayout.ToFullPath(root, p))));
        DatasetWriter.WriteMarker(root, owned, rewritten);
        return result;
    }
}
