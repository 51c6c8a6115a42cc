using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using OpenCvSharp;

namespace FaceCluster.Dataset;

/// <summary>One person folder written (or, in plan mode, that would be written).</summary>
/// <param name="Label">The person's label (the folder name; the cluster's label for the unclustered faces).</param>
/// <param name="ClusterId">The cluster id (0 for the unclustered faces).</param>
/// <param name="IsNoise">True for the unclustered faces (folder _unclustered) and the unsure faces of the quality gate (folder _unsure).</param>
/// <param name="Folder">Full path of the person folder.</param>
/// <param name="FaceCount">Faces of the person in the manifest.</param>
/// <param name="Files">Full paths of the files written in the folder (planned files in plan mode).</param>
public sealed record DatasetPersonSummary(string Label, int ClusterId, bool IsNoise, string Folder, int FaceCount, IReadOnlyList<string> Files);

/// <summary>What <see cref="DatasetWriter.Write"/> did.</summary>
/// <param name="OutputDirectory">Full path of the dataset root.</param>
/// <param name="WhatIf">True in plan mode: nothing was written.</param>
/// <param name="People">One summary per person folder.</param>
/// <param name="Files">Full paths of every file written (planned in plan mode), people's files included.</param>
/// <param name="SkippedFiles">Full paths of existing files FaceCluster did not write and therefore left untouched.</param>
/// <param name="YoloImageCount">Source images in the YOLO dataset (0 without <see cref="DatasetContent.Yolo"/>).</param>
public sealed record DatasetWriteResult(
    string OutputDirectory, bool WhatIf, IReadOnlyList<DatasetPersonSummary> People,
    IReadOnlyList<string> Files, IReadOnlyList<string> SkippedFiles, int YoloImageCount);

/// <summary>
/// Writes a per-person dataset folder from clusters: portraits, aligned chips, montages, a YOLO detection dataset,
/// manifest.csv/json, index.html and the <c>.facecluster-dataset.json</c> marker.
/// Never deletes anything; replaces only files an earlier run wrote (listed in the marker); every file is written
/// atomically (temp file in the same folder, then rename).
/// </summary>
public sealed class DatasetWriter
{
    private readonly DatasetWriterOptions options;
    private readonly string root;

    public DatasetWriter(DatasetWriterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.OutputDirectory)) throw new ArgumentException("OutputDirectory is required.", nameof(options));
        if (options.ValidationFraction is < 0 or > 1 || double.IsNaN(options.ValidationFraction))
            throw new ArgumentOutOfRangeException(nameof(options), "ValidationFraction must be between 0 and 1.");
        if (options.PortraitWidth < 8 || options.PortraitMarginX < 0 || options.PortraitMarginY < 0)
            throw new ArgumentOutOfRangeException(nameof(options), "Portrait width must be at least 8 and margins not negative.");
        this.options = options;
        root = Path.GetFullPath(options.OutputDirectory);
    }

    public DatasetWriterOptions Options => options;

    private sealed class PersonPlan
    {
        public required FaceCluster Cluster { get; init; }
        /// <summary>The cluster's faces, each Id once.</summary>
        public required List<FaceEncoding> Faces { get; init; }
        public required ManifestPerson Person { get; init; }
        public required List<FaceEncoding> MontageFaces { get; init; }
        public List<string> Files { get; } = [];
    }

    private sealed record YoloImage(string SourcePath, string Name, bool Validation)
    {
        public string ImageRelative => DatasetLayout.Relative(DatasetLayout.YoloFolderName, "images", Validation ? "val" : "train", Name + ".jpg");
        public string LabelRelative => DatasetLayout.Relative(DatasetLayout.YoloFolderName, "labels", Validation ? "val" : "train", Name + ".txt");
    }

    /// <summary>Writes (or plans) the dataset.</summary>
    /// <exception cref="DatasetException">
    /// <see cref="DatasetErrors.OutputNotDataset"/>, <see cref="DatasetErrors.LabelInvalid"/>, <see cref="DatasetErrors.LabelConflict"/>,
    /// <see cref="DatasetErrors.DatasetInvalid"/> (broken marker), <see cref="DatasetErrors.OutputWriteFailed"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; files written so far are complete and listed in the marker.</exception>
    public DatasetWriteResult Write(IEnumerable<FaceCluster> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var ct = options.CancellationToken;
        var reporter = options.Reporter;
        bool portraits = options.Include.HasFlag(DatasetContent.Portraits);
        bool chips = options.Include.HasFlag(DatasetContent.Chips);
        bool montage = options.Include.HasFlag(DatasetContent.Montage);
        bool yolo = options.Include.HasFlag(DatasetContent.Yolo);
        if (chips && options.Aligner is null)
        {
            reporter?.Warning("No face aligner was given: aligned chips are not written.");
            chips = false;
        }

        // 1. What is on disk already: an interrupted earlier change is finished or undone first; an existing dataset
        // is the ledger of an update (corrections kept, DatasetUpdate).
        if (File.Exists(root))
            throw DatasetException.WriteFailed(root, new IOException("A file with that name exists where the dataset folder should be."));
        bool exists = Directory.Exists(root);
        if (exists && !options.WhatIf && DatasetTransaction.IsPending(root)) DatasetTransaction.Recover(root, reporter);
        var marker = exists ? DatasetJson.ReadMarker(root) : null;
        if (exists && marker is null && Directory.EnumerateFileSystemEntries(root).Any(e => Path.GetFileName(e) != DatasetTransaction.JournalFolderName) && !options.Force)
        {
            throw new DatasetException(DatasetErrors.OutputNotDataset, DatasetErrorKind.ResourceExists,
                $"'{root}' is not empty and is not a FaceCluster dataset (no {DatasetLayout.MarkerFileName}). " +
                "Choose an empty or new folder, or use -Force to add the dataset beside the existing files (they are left untouched).", root);
        }
        DatasetContents? existing = null;
        if (marker is not null && File.Exists(Path.Combine(root, DatasetLayout.ManifestJsonFileName)))
            existing = DatasetReader.Read(root, includeNoise: true, reporter);

        // 2. People, labels, folders.
        var all = clusters.Where(c => c is not null).ToList();
        int lastPersonNumber = existing?.LastPersonNumber ?? 0;
        if (existing is not null) all = DatasetUpdate.Regroup(all, existing, reporter, out lastPersonNumber);
        var plans = PlanPeople(all, montage);
        foreach (var plan in plans) lastPersonNumber = Math.Max(lastPersonNumber, DatasetReader.PersonNumber(plan.Person.Label));

        var owned = new HashSet<string>(marker?.Files ?? [], StringComparer.Ordinal);
        if (existing is not null)
        {
            // Files moved or renamed by hand are still FaceCluster's: where they are now.
            foreach (var person in existing.People)
            {
                foreach (var row in person.Rows)
                {
                    if (row.Portrait is not null) owned.Add(row.Portrait);
                    if (row.Chip is not null) owned.Add(row.Chip);
                }
                if (person.Montage is not null) owned.Add(DatasetLayout.Relative(Path.GetFileName(person.Folder), DatasetLayout.MontageFileName));
            }
        }
        var skipped = new List<string>();

        // 3. Plan every file: manifest rows name the files that will be written.
        var manifest = new DatasetManifest { CreatedUtc = existing?.Manifest.CreatedUtc ?? DateTime.UtcNow };
        var rows = new Dictionary<(int Cluster, string Face), ManifestFace>();
        var planned = new List<(string Relative, DatasetWriteAction Action)>();
        bool Plan(string relative, PersonPlan? person)
        {
            string full = DatasetLayout.ToFullPath(root, relative);
            var action = !File.Exists(full) && !Directory.Exists(full) ? DatasetWriteAction.Create
                : owned.Contains(relative) && File.Exists(full) ? DatasetWriteAction.Replace
                : DatasetWriteAction.Skip;
            planned.Add((relative, action));
            if (action == DatasetWriteAction.Skip)
            {
                skipped.Add(full);
                reporter?.Warning($"'{full}' exists and was not written by FaceCluster: it is left untouched.");
                return false;
            }
            person?.Files.Add(full);
            return true;
        }

        foreach (var plan in plans)
        {
            manifest.People.Add(plan.Person);
            foreach (var face in plan.Faces)
            {
                var row = ManifestFace.From(face, plan.Person.Label, plan.Person.ClusterId);
                if (portraits)
                {
                    string rel = DatasetLayout.Relative(plan.Person.Folder, DatasetLayout.PortraitFileName(face.Id));
                    if (Plan(rel, plan)) row.Portrait = rel;
                }
                if (chips)
                {
                    string rel = DatasetLayout.Relative(plan.Person.Folder, DatasetLayout.ChipFileName(face.Id));
                    if (Plan(rel, plan)) row.Chip = rel;
                }
                rows.Add((plan.Person.ClusterId, face.Id), row);
                manifest.Faces.Add(row);
            }
            if (montage)
            {
                string rel = DatasetLayout.Relative(plan.Person.Folder, DatasetLayout.MontageFileName);
                if (Plan(rel, plan)) plan.Person.Montage = rel;
            }
        }

        // YOLO: one image per source image that holds a face of an exported (non-noise) person.
        var yoloImages = new Dictionary<string, YoloImage>(StringComparer.Ordinal);
        var yoloFaces = new Dictionary<string, List<(FaceEncoding Face, int Class, ManifestFace Row)>>(StringComparer.Ordinal);
        if (yolo)
        {
            foreach (var plan in plans.Where(p => p.Person.YoloClass is not null))
            {
                foreach (var face in plan.Faces)
                {
                    if (!yoloFaces.TryGetValue(face.Path, out var list)) yoloFaces[face.Path] = list = [];
                    list.Add((face, plan.Person.YoloClass!.Value, rows[(plan.Person.ClusterId, face.Id)]));
                }
            }
            var classified = plans.Where(p => p.Person.YoloClass is not null).ToHashSet();
            int unlabelled = all.Where(c => !plans.Any(p => p.Cluster == c && classified.Contains(p)))
                .SelectMany(c => c.Faces).Count(f => yoloFaces.ContainsKey(f.Path));
            if (unlabelled > 0)
            {
                reporter?.Warning($"{unlabelled} face(s) in the YOLO images belong to no exported person (noise or not exported) and have no label line; the detector will learn them as background.");
            }
            var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var path in yoloFaces.Keys.Order(StringComparer.Ordinal))
            {
                string name = YoloName(path);
                // Two images whose names collide (same file name, same short hash): a longer hash tells them apart.
                for (int hashLength = 16; !names.Add(name) && hashLength <= 64; hashLength += 8) name = YoloName(path, hashLength);
                var image = new YoloImage(path, name, IsValidation(name, options.ValidationFraction));
                bool imageOk = Plan(image.ImageRelative, null);
                bool labelOk = Plan(image.LabelRelative, null);
                if (!imageOk || !labelOk) continue;
                yoloImages[path] = image;
                foreach (var entry in yoloFaces[path])
                {
                    entry.Row.YoloImage = image.ImageRelative;
                    entry.Row.YoloLabel = image.LabelRelative;
                }
            }
        }

        string yoloData = DatasetLayout.Relative(DatasetLayout.YoloFolderName, DatasetLayout.YoloDataFileName);
        bool writeYoloData = yolo && Plan(yoloData, null);
        bool writeJson = Plan(DatasetLayout.ManifestJsonFileName, null);
        bool writeCsv = Plan(DatasetLayout.ManifestCsvFileName, null);
        bool writeIndex = Plan(DatasetLayout.IndexFileName, null);

        var stale = StaleFiles(owned, planned.Select(p => p.Relative), reporter);

        // 4. The transaction: folders, every file staged in the journal, stale files (with Force), the marker last.
        // Plan mode stages nothing, so it needs no pixels either.
        using var tx = DatasetTransaction.Begin(root, options.WhatIf, reporter);
        if (!options.WhatIf)
        {
            ct.ThrowIfCancellationRequested();
            AtomicFile.CreateDirectory(root);
        }
        foreach (var plan in plans) tx.CreateFolder(plan.Person.Folder);
        if (yolo)
        {
            foreach (var part in new[] { "images", "labels" })
            foreach (var split in new[] { "train", "val" })
                tx.CreateFolder(DatasetLayout.Relative(DatasetLayout.YoloFolderName, part, split));
        }
        var written = new List<string>();
        void WriteImage(string relative, Mat image)
        {
            tx.WriteImage(relative, image, options.JpegQuality);
            written.Add(relative);
        }
        void WriteText(string relative, string text)
        {
            tx.WriteText(relative, text);
            written.Add(relative);
        }

        if (options.WhatIf)
        {
            var documents = new HashSet<string>(DatasetEditing.Documents(yolo: true), StringComparer.Ordinal);
            foreach (var (relative, _) in planned.Where(p => p.Action != DatasetWriteAction.Skip && !documents.Contains(p.Relative)))
            {
                tx.Write(relative, []);
            }
        }
        else
        {
            // 5. Source images, each loaded once: portraits, chips, montage tiles, YOLO image and labels.
            var bySource = plans
                .SelectMany(p => p.Faces.Select(f => (Plan: p, Face: f)))
                // The image each face's pixels come from: its full-resolution frame when it has one (PixelBox and
                // PixelLandmarks are in that image's pixels), so portraits, chips and YOLO images get the full detail.
                .GroupBy(x => x.Face.PixelPath, StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToList();
            var montageIds = plans.Where(p => p.Person.Montage is not null)
                .SelectMany(p => p.MontageFaces.Select(f => (p.Person.ClusterId, f.Id))).ToHashSet();
            var tiles = new Dictionary<(int, string), Mat>();
            int done = 0;
            try
            {
                foreach (var group in bySource)
                {
                    ct.ThrowIfCancellationRequested();
                    reporter?.Progress(new DatasetProgress("Writing dataset", $"Image {done + 1} of {bySource.Count}: {Path.GetFileName(group.Key)}", done, bySource.Count));
                    using var image = LoadImage(group.Key, reporter, "its faces get no new portrait, chip, tile or YOLO image");
                    if (image is null)
                    {
                        // Files of an earlier export stay and stay listed: the source is gone, not the face.
                        foreach (var (plan, face) in group) KeepOrForget(rows[(plan.Person.ClusterId, face.Id)], plan, written);
                        done++;
                        continue;
                    }
                    int width = image.Cols, height = image.Rows;
                    foreach (var (plan, face) in group)
                    {
                        ct.ThrowIfCancellationRequested();
                        var row = rows[(plan.Person.ClusterId, face.Id)];
                        var (expectedWidth, expectedHeight) = face.FullResolutionPath is null ? (face.ImageWidth, face.ImageHeight) : (face.FullResolutionWidth, face.FullResolutionHeight);
                        if (expectedWidth > 0 && expectedHeight > 0 && (expectedWidth != width || expectedHeight != height))
                        {
                            reporter?.Warning($"'{group.Key}' is {width}x{height} but face '{face.Id}' was described on a {expectedWidth}x{expectedHeight} image; its box may be off.");
                        }
                        var box = face.PixelBox;
                        var region = PortraitCrop.Region(box, width, height, options.PortraitMarginX, options.PortraitMarginY);
                        if (region is null)
                        {
                            reporter?.Warning($"Face '{face.Id}' lies outside '{face.Path}'; no portrait or montage tile.");
                            if (row.Portrait is not null) { plan.Files.Remove(DatasetLayout.ToFullPath(root, row.Portrait)); row.Portrait = null; }
                        }
                        else
                        {
                            using var crop = new Mat(image, region.Value);
                            if (row.Portrait is not null)
                            {
                                using var scaled = PortraitCrop.Scale(crop, options.PortraitWidth);
                                WriteImage(row.Portrait, scaled);
                            }
                            if (montageIds.Contains((plan.Person.ClusterId, face.Id)))
                            {
                                var tileRegion = Montage.TileRegion(box, width, height);
                                using var tileCrop = new Mat(image, tileRegion ?? region.Value);
                                tiles[(plan.Person.ClusterId, face.Id)] = Montage.MakeTile(tileCrop);
                            }
                        }
                        if (row.Chip is not null)
                        {
                            Mat? chip = null;
                            try
                            {
                                chip = options.Aligner!(image, face.PixelLandmarks);
                            }
                            catch (Exception ex) when (ex is not OperationCanceledException)
                            {
                                reporter?.Warning($"Could not align face '{face.Id}' of '{face.Path}': {ex.Message}");
                            }
                            using (chip)
                            {
                                if (chip is null || chip.Empty())
                                {
                                    plan.Files.Remove(DatasetLayout.ToFullPath(root, row.Chip));
                                    row.Chip = null;
                                }
                                else
                                {
                                    WriteImage(row.Chip, chip);
                                }
                            }
                        }
                    }
                    // The YOLO image is named after the image the faces were found in, and holds the pixels they were cut from
                    // (the full-resolution frame when there is one; the labels are normalised, so they fit either).
                    string detected = group.First().Face.Path;
                    if (yoloImages.TryGetValue(detected, out var yoloImage))
                    {
                        WriteImage(yoloImage.ImageRelative, image);
                        WriteText(yoloImage.LabelRelative, YoloLabels(yoloFaces[detected], width, height));
                    }
                    done++;
                }
                reporter?.Progress(new DatasetProgress("Writing dataset", "Montages and manifest", done, bySource.Count));

                // 6. Montages.
                foreach (var plan in plans.Where(p => p.Person.Montage is not null))
                {
                    ct.ThrowIfCancellationRequested();
                    var chosen = plan.MontageFaces
                        .Select(f => tiles.TryGetValue((plan.Person.ClusterId, f.Id), out var t) ? t : null)
                        .OfType<Mat>().ToList();
                    using var picture = Montage.Render(chosen, plan.Person.Label);
                    WriteImage(plan.Person.Montage!, picture);
                }
            }
            finally
            {
                foreach (var tile in tiles.Values) tile.Dispose();
            }
        }

        // 7. Stale files of an earlier export: deleted with Force (then their emptied folders), else kept and listed.
        if (options.Force)
        {
            foreach (var relative in stale) tx.Delete(relative);
            var plannedFolders = plans.Select(p => p.Person.Folder).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var folder in stale.Where(r => r.Contains('/')).Select(r => r[..r.LastIndexOf('/')]).Distinct(StringComparer.Ordinal)
                .Where(f => !plannedFolders.Contains(f) && !f.StartsWith(DatasetLayout.YoloFolderName + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                tx.DeleteFolder(folder);
            }
        }

        // 8. Manifest, index, data.yaml, marker.
        if (writeYoloData)
        {
            var names = plans.Where(p => p.Person.YoloClass is not null).OrderBy(p => p.Person.YoloClass).Select(p => p.Person.Label).ToList();
            WriteText(yoloData, DatasetDocuments.RenderYoloData(Path.Combine(root, DatasetLayout.YoloFolderName), names));
        }
        if (writeJson) WriteText(DatasetLayout.ManifestJsonFileName, DatasetJson.Serialize(manifest));
        if (writeCsv) WriteText(DatasetLayout.ManifestCsvFileName, ManifestCsv.Render(manifest));
        if (writeIndex)
        {
            WriteText(DatasetLayout.IndexFileName, DatasetDocuments.RenderIndex(manifest, rel => rel == DatasetLayout.IndexFileName || tx.ExistsAfter(rel)));
        }
        DatasetEditing.PlanMarker(tx, owned, written, lastPersonNumber);

        bool applied = tx.Commit(options.ShouldProcess, ct);
        if (!applied)
        {
            return new DatasetWriteResult(root, true, Summaries(plans),
                planned.Where(p => p.Action != DatasetWriteAction.Skip).Select(p => DatasetLayout.ToFullPath(root, p.Relative)).ToList(),
                skipped, yoloImages.Count);
        }

        var files = written.Select(r => DatasetLayout.ToFullPath(root, r)).ToList();
        var writtenSet = files.ToHashSet(StringComparer.Ordinal);
        foreach (var plan in plans) plan.Files.RemoveAll(f => !writtenSet.Contains(f));
        files.Add(Path.Combine(root, DatasetLayout.MarkerFileName));
        return new DatasetWriteResult(root, false, Summaries(plans), files, skipped, yoloImages.Count);
    }

    /// <summary>
    /// A face whose source image is gone keeps the portrait and chip an earlier export wrote (they stay listed);
    /// without one its files are not in the manifest.
    /// </summary>
    private void KeepOrForget(ManifestFace row, PersonPlan plan, List<string> written)
    {
        foreach (var isPortrait in new[] { true, false })
        {
            string? relative = isPortrait ? row.Portrait : row.Chip;
            if (relative is null) continue;
            if (File.Exists(DatasetLayout.ToFullPath(root, relative))) { written.Add(relative); continue; }
            plan.Files.Remove(DatasetLayout.ToFullPath(root, relative));
            if (isPortrait) row.Portrait = null; else row.Chip = null;
        }
    }

    /// <summary>
    /// Files an earlier export wrote that this one does not write again: with Force they are deleted, else they stay
    /// and the caller is told (old YOLO images would still be trained on; old person folders are no longer in the manifest).
    /// </summary>
    private List<string> StaleFiles(HashSet<string> owned, IEnumerable<string> planned, IDatasetReporter? reporter)
    {
        var now = planned.ToHashSet(StringComparer.Ordinal);
        var stale = owned.Where(r => !now.Contains(r) && r != DatasetLayout.MarkerFileName && File.Exists(DatasetLayout.ToFullPath(root, r)))
            .Order(StringComparer.Ordinal).ToList();
        if (reporter is null || options.Force || stale.Count == 0) return stale;
        var yoloStale = stale.Where(r => r.StartsWith(DatasetLayout.YoloFolderName + "/", StringComparison.Ordinal)).ToList();
        if (yoloStale.Count > 0)
        {
            reporter.Warning($"{yoloStale.Count} file(s) under '{Path.Combine(root, DatasetLayout.YoloFolderName)}' come from an earlier export and are not part of this one; " +
                "YOLO training would still use them. They are not deleted without -Force (they are listed in the dataset marker).");
        }
        foreach (var folder in stale.Except(yoloStale).Where(r => r.Contains('/')).Select(r => r.Split('/')[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            reporter.Warning($"'{Path.Combine(root, folder)}' holds files of an earlier export that this export does not write; they stay (delete them with -Force), but the manifest no longer lists them.");
        }
        return stale;
    }

    private List<PersonPlan> PlanPeople(IEnumerable<FaceCluster> clusters, bool montage)
    {
        var plans = new List<PersonPlan>();
        var folders = new Dictionary<string, FaceCluster>(StringComparer.OrdinalIgnoreCase);
        int yoloClass = 0;
        foreach (var cluster in clusters.OrderBy(c => c.IsUnsure ? int.MaxValue - 1 : c.IsNoise || c.Id == 0 ? int.MaxValue : c.Id))
        {
            bool noise = cluster.IsNoise || cluster.Id == 0;
            if (noise && !options.IncludeNoise) continue;
            if (cluster.Faces.Count == 0) continue;
            string folder;
            if (noise)
            {
                folder = cluster.IsUnsure ? DatasetLayout.UnsureFolderName : DatasetLayout.NoiseFolderName;
            }
            else
            {
                DatasetLayout.EnsureValidLabel(cluster.Label);
                folder = cluster.Label;
            }
            if (folders.TryGetValue(folder, out var other))
            {
                throw new DatasetException(DatasetErrors.LabelConflict, DatasetErrorKind.InvalidArgument,
                    $"Clusters {other.Id} and {cluster.Id} are both labelled '{cluster.Label}' (labels are folder names and compare case-insensitively). Give them different labels or merge them.",
                    cluster.Label);
            }
            folders[folder] = cluster;
            var faces = cluster.Faces.DistinctBy(f => f.Id, StringComparer.Ordinal).ToList();
            if (faces.Count < cluster.Faces.Count)
                options.Reporter?.Warning($"Cluster {cluster.Id} lists {cluster.Faces.Count - faces.Count} face(s) more than once; each is exported once.");
            var person = new ManifestPerson
            {
                Label = noise ? cluster.Label : folder,
                ClusterId = cluster.Id,
                Folder = folder,
                IsNoise = noise,
                IsUnsure = cluster.IsUnsure,
                Count = faces.Count,
                YoloClass = noise || !options.Include.HasFlag(DatasetContent.Yolo) ? null : yoloClass++,
            };
            plans.Add(new PersonPlan
            {
                Cluster = cluster,
                Faces = faces,
                Person = person,
                MontageFaces = montage ? [.. Montage.SelectFaces(faces)] : [],
            });
        }
        return plans;
    }

    private List<DatasetPersonSummary> Summaries(List<PersonPlan> plans) =>
        plans.Select(p => new DatasetPersonSummary(p.Person.Label, p.Person.ClusterId, p.Person.IsNoise,
            Path.Combine(root, p.Person.Folder), p.Person.Count, p.Files.ToList())).ToList();

    private void ForgetFiles(ManifestFace row, PersonPlan plan)
    {
        if (row.Portrait is not null) plan.Files.Remove(DatasetLayout.ToFullPath(root, row.Portrait));
        if (row.Chip is not null) plan.Files.Remove(DatasetLayout.ToFullPath(root, row.Chip));
        row.Portrait = null;
        row.Chip = null;
    }

    /// <summary>The decoded source image, or null with a warning that ends in <paramref name="consequence"/>.</summary>
    internal static Mat? LoadImage(string path, IDatasetReporter? reporter, string consequence)
    {
        if (!File.Exists(path))
        {
            reporter?.Warning($"Source image '{path}' no longer exists; {consequence}.");
            return null;
        }
        var image = Cv2.ImRead(path, ImreadModes.Color);
        if (image.Empty())
        {
            image.Dispose();
            reporter?.Warning($"Source image '{path}' could not be decoded; {consequence}.");
            return null;
        }
        return image;
    }

    /// <summary>One <c>class cx cy w h</c> line per face, normalised to the image; boxes are clipped to the image first.</summary>
    internal static string YoloLabels(IEnumerable<(FaceEncoding Face, int Class, ManifestFace Row)> faces, int width, int height)
    {
        var sb = new StringBuilder();
        foreach (var (face, cls, _) in faces)
        {
            var box = face.PixelBox; // the YOLO image is the image the face's pixels come from
            double x0 = Math.Clamp(box.X, 0, width), x1 = Math.Clamp(box.Right, 0, width);
            double y0 = Math.Clamp(box.Y, 0, height), y1 = Math.Clamp(box.Bottom, 0, height);
            if (x1 - x0 < 1 || y1 - y0 < 1) continue;
            sb.Append(cls.ToString(CultureInfo.InvariantCulture)).Append(' ')
              .Append(F((x0 + x1) / 2 / width)).Append(' ')
              .Append(F((y0 + y1) / 2 / height)).Append(' ')
              .Append(F((x1 - x0) / width)).Append(' ')
              .Append(F((y1 - y0) / height)).Append('\n');
        }
        return sb.ToString();

        static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A unique, readable name per source image: its file name (made safe) and a hash of its content (of its path when
    /// it cannot be read), so a copied work folder gives the same YOLO files and no stale ones.
    /// </summary>
    internal static string YoloName(string sourcePath, int hashLength = 8)
    {
        string stem = DatasetLayout.SafeFileStem(Path.GetFileNameWithoutExtension(sourcePath));
        if (stem.Length > 60) stem = stem[..60];
        string hex;
        try
        {
            hex = Store.EncodingCache.HashFile(sourcePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            hex = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(sourcePath)))).ToLowerInvariant();
        }
        return stem + "_" + hex[..Math.Min(hashLength, hex.Length)];
    }

    /// <summary>Deterministic split: the first 8 bytes of SHA-256(name) as a fraction of 2^64.</summary>
    internal static bool IsValidation(string name, double fraction)
    {
        if (fraction <= 0) return false;
        if (fraction >= 1) return true;
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name));
        double unit = BinaryPrimitives.ReadUInt64BigEndian(hash) / 18446744073709551616.0;
        return unit < fraction;
    }
}
