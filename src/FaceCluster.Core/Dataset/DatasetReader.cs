namespace FaceCluster.Dataset;

/// <summary>One person of a dataset as it is on disk now.</summary>
public sealed class DatasetPerson
{
    /// <summary>The folder name on disk: a folder renamed by hand renames the person.</summary>
    public required string Label { get; init; }
    /// <summary>The cluster id of the manifest; a folder the user created by hand gets a new id above the others.</summary>
    public required int ClusterId { get; init; }
    public required bool IsNoise { get; init; }
    /// <summary>The quality gate's unsure faces (folder _unsure); <see cref="IsNoise"/> is set too.</summary>
    public bool IsUnsure { get; init; }
    /// <summary>Full path of the person folder.</summary>
    public required string Folder { get; init; }
    /// <summary>The label in manifest.json (the label at export or last rename); null for a folder created by hand.</summary>
    public string? ManifestLabel { get; init; }
    /// <summary>Class index in yolo/data.yaml, when the person has one.</summary>
    public int? YoloClass { get; init; }
    /// <summary>The faces, in ordinal order of their Id, with descriptors.</summary>
    public required IReadOnlyList<FaceEncoding> Faces { get; init; }
    /// <summary>Full path of montage.jpg when it exists.</summary>
    public string? Montage { get; init; }

    internal List<ManifestFace> Rows { get; init; } = [];

    public int Count => Faces.Count;

    /// <summary>As a <see cref="FaceCluster"/> (medoid and distances computed), e.g. as a reference for matching.</summary>
    public FaceCluster ToFaceCluster() => FaceClusterer.FromFaces(IsUnsure ? FaceCluster.UnsureId : IsNoise ? 0 : ClusterId, Label, Faces, IsNoise, IsUnsure);

    public override string ToString() => $"{Label} ({Count} faces)";
}

/// <summary>A dataset folder read back: the manifest and the people as they are on disk now.</summary>
public sealed class DatasetContents
{
    public required string Root { get; init; }
    public required DatasetManifest Manifest { get; init; }
    public required DatasetMarker Marker { get; init; }
    /// <summary>People in ClusterId order; the unclustered faces only when asked for.</summary>
    public required IReadOnlyList<DatasetPerson> People { get; init; }
    /// <summary>Manifest people whose folder is gone (deleted by hand) and none of whose faces are anywhere else.</summary>
    public IReadOnlyList<ManifestPerson> LostPeople { get; init; } = [];
    /// <summary>Manifest faces whose portrait and chip are gone: left out of <see cref="People"/>, kept by edits in the manifest.</summary>
    public IReadOnlyList<ManifestFace> LostFaces { get; init; } = [];
    /// <summary>The highest <c>Person_N</c> the dataset ever used (marker high-water mark, labels and folders now).</summary>
    public int LastPersonNumber { get; init; }
    /// <summary>Every face id of the manifest (placed or lost).</summary>
    public IReadOnlySet<string> FaceIds => Manifest.Faces.Select(f => f.FaceId).ToHashSet(StringComparer.Ordinal);

    /// <summary>The people as clusters (for FaceMatcher / re-clustering with a reference).</summary>
    public IReadOnlyList<FaceCluster> ToFaceClusters() => People.Select(p => p.ToFaceCluster()).ToList();
}

/// <summary>
/// Reads a dataset written by <see cref="DatasetWriter"/>. The folder names on disk win over the manifest:
/// a person folder renamed in a file manager gives that person the new label, and a portrait or chip moved
/// into another folder (or into a new folder) moves the face to that person. Faces whose portrait and chip were
/// all deleted are left out. Folders are matched to manifest people by their face files (portrait_/chip_ names).
/// </summary>
public static class DatasetReader
{
    /// <summary>True when <paramref name="directory"/> holds a dataset marker.</summary>
    public static bool IsDataset(string directory) =>
        File.Exists(Path.Combine(directory, DatasetLayout.MarkerFileName));

    /// <exception cref="DatasetException"><see cref="DatasetErrors.DatasetInvalid"/>: no marker, or a missing or broken manifest.</exception>
    public static DatasetContents Read(string datasetDirectory, bool includeNoise = false, IDatasetReporter? reporter = null)
    {
        string root = Path.GetFullPath(datasetDirectory);
        if (!Directory.Exists(root))
            throw new DatasetException(DatasetErrors.DatasetInvalid, DatasetErrorKind.ObjectNotFound, $"Dataset folder '{root}' does not exist.", root);
        var marker = DatasetJson.ReadMarker(root)
            ?? throw DatasetException.Invalid(root, $"'{root}' is not a FaceCluster dataset (no {DatasetLayout.MarkerFileName}).");
        string manifestPath = Path.Combine(root, DatasetLayout.ManifestJsonFileName);
        if (!File.Exists(manifestPath)) throw DatasetException.Invalid(manifestPath, $"The dataset '{root}' has no {DatasetLayout.ManifestJsonFileName}.");
        var manifest = DatasetJson.Read<DatasetManifest>(manifestPath);
        if (manifest.Format != DatasetLayout.Format)
            throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' is not a FaceCluster manifest (format '{manifest.Format}').");
        Validate(root, manifest, manifestPath);

        // Folders on disk (not hidden, not yolo) and where each face file is now.
        var folders = Directory.EnumerateDirectories(root)
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.') && !string.Equals(n, DatasetLayout.YoloFolderName, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        // Only face files can be moved between people; every folder has its own montage.jpg, and other files are not ours.
        var faceFiles = manifest.Faces.SelectMany(r => new[] { r.Portrait, r.Chip }).OfType<string>()
            .Select(r => r.Split('/')[^1]).ToHashSet(StringComparer.Ordinal);
        var fileLocation = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder)).Select(Path.GetFileName).OfType<string>().Where(faceFiles.Contains))
            {
                if (!fileLocation.TryAdd(file, folder))
                    reporter?.Warning($"'{file}' is in both '{fileLocation[file]}' and '{folder}'; the face stays in '{fileLocation[file]}'.");
            }
        }

        // Where each face is now: the folder of its portrait (or chip); faces without files stay with their person.
        var faceFolder = new Dictionary<ManifestFace, string?>();
        int dropped = 0;
        foreach (var row in manifest.Faces)
        {
            string? located = null;
            bool hadFiles = false;
            foreach (var rel in new[] { row.Portrait, row.Chip })
            {
                if (rel is null) continue;
                hadFiles = true;
                if (File.Exists(DatasetLayout.ToFullPath(root, rel))) { located = rel.Split('/')[0]; break; }
                if (fileLocation.TryGetValue(rel.Split('/')[^1], out var moved)) { located = moved; break; }
            }
            if (hadFiles && located is null) dropped++;
            faceFolder[row] = hadFiles ? located : null;
        }
        if (dropped > 0) reporter?.Warning($"{dropped} face(s) of the manifest have no portrait or chip left in the dataset and are left out (manifest.json keeps them).");

        // Each manifest person's folder now: the folder of that name, else where most of its faces went.
        var personFolder = new Dictionary<ManifestPerson, string?>();
        foreach (var person in manifest.People)
        {
            string? folder = folders.FirstOrDefault(f => f == person.Folder);
            folder ??= manifest.Faces.Where(r => r.ClusterId == person.ClusterId && faceFolder[r] is not null)
                .GroupBy(r => faceFolder[r]!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => g.Key).FirstOrDefault();
            personFolder[person] = folder;
        }
        // A person without face files (e.g. montage-only export) whose folder was renamed: when exactly one such person
        // and exactly one folder nobody accounts for remain, that folder is theirs.
        var unmapped = manifest.People.Where(p => personFolder[p] is null).ToList();
        var claimed = personFolder.Values.OfType<string>().Concat(faceFolder.Values.OfType<string>()).ToHashSet(StringComparer.Ordinal);
        var unclaimed = folders.Where(f => !claimed.Contains(f) && !string.Equals(f, DatasetLayout.NoiseFolderName, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(f, DatasetLayout.UnsureFolderName, StringComparison.OrdinalIgnoreCase)).ToList();
        if (unmapped.Count == 1 && unclaimed.Count == 1 && !manifest.Faces.Any(r => r.ClusterId == unmapped[0].ClusterId && (r.Portrait ?? r.Chip) is not null))
        {
            personFolder[unmapped[0]] = unclaimed[0];
        }
        var lostPeople = manifest.People.Where(p => personFolder[p] is null).ToList();
        foreach (var person in lostPeople)
        {
            int faces = manifest.Faces.Count(r => r.ClusterId == person.ClusterId);
            reporter?.Warning($"The folder of '{person.Label}' ({Path.Combine(root, person.Folder)}) is gone; the person and {faces} face(s) are left out " +
                "(manifest.json keeps them; restore the folder to bring them back).");
        }
        foreach (var row in manifest.Faces.Where(r => faceFolder[r] is null && r.Portrait is null && r.Chip is null))
        {
            var owner = manifest.People.FirstOrDefault(p => p.ClusterId == row.ClusterId);
            faceFolder[row] = owner is null ? null : personFolder[owner];
        }

        int nextId = manifest.People.Select(p => p.ClusterId).DefaultIfEmpty(0).Max() + 1;
        var people = new List<DatasetPerson>();
        foreach (var group in manifest.Faces.Where(r => faceFolder[r] is not null).GroupBy(r => faceFolder[r]!))
        {
            string folder = group.Key;
            var owners = manifest.People.Where(p => personFolder[p] == folder).OrderBy(p => p.ClusterId).ToList();
            var owner = owners.FirstOrDefault();
            bool unsure = string.Equals(folder, DatasetLayout.UnsureFolderName, StringComparison.OrdinalIgnoreCase);
            bool noise = unsure || string.Equals(folder, DatasetLayout.NoiseFolderName, StringComparison.OrdinalIgnoreCase);
            if (noise && !includeNoise) continue;
            var rows = group.OrderBy(r => r.FaceId, StringComparer.Ordinal).ToList();
            foreach (var row in rows)
            {
                row.Portrait = Relocate(row.Portrait, folder);
                row.Chip = Relocate(row.Chip, folder);
            }
            string montage = Path.Combine(root, folder, DatasetLayout.MontageFileName);
            people.Add(new DatasetPerson
            {
                Label = unsure ? FaceCluster.UnsureLabel : noise ? FaceCluster.NoiseLabel : folder,
                ClusterId = unsure ? FaceCluster.UnsureId : noise ? 0 : owner?.ClusterId ?? nextId++,
                IsNoise = noise,
                IsUnsure = unsure,
                Folder = Path.Combine(root, folder),
                ManifestLabel = owner?.Label,
                YoloClass = owner?.YoloClass,
                Faces = rows.Select(r => r.ToEncoding()).ToList(),
                Montage = File.Exists(montage) ? montage : null,
                Rows = rows,
            });
        }
        var placed = people.SelectMany(p => p.Rows).ToHashSet();
        var lostFaces = manifest.Faces.Where(r => !placed.Contains(r) && (includeNoise || !IsNoiseRow(manifest, r))).ToList();
        int last = new[] { marker.LastPersonNumber }
            .Concat(manifest.People.Select(p => PersonNumber(p.Label)))
            .Concat(folders.Select(PersonNumber)).Max();
        return new DatasetContents
        {
            Root = root,
            Manifest = manifest,
            Marker = marker,
            People = people.OrderBy(p => p.IsNoise ? int.MaxValue : p.ClusterId).ToList(),
            LostPeople = lostPeople,
            LostFaces = lostFaces,
            LastPersonNumber = last,
        };
    }

    private static bool IsNoiseRow(DatasetManifest manifest, ManifestFace row) =>
        manifest.People.FirstOrDefault(p => p.ClusterId == row.ClusterId && row.Label == p.Label)?.IsNoise
        ?? (row.ClusterId is 0 or FaceCluster.UnsureId);

    /// <summary>N of a default label <c>Person_N</c>, else 0.</summary>
    public static int PersonNumber(string? label)
    {
        const string prefix = "Person_";
        return label is not null && label.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) &&
            int.TryParse(label.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n)
            ? n : 0;
    }

    /// <summary>
    /// A hostile or damaged manifest gives <see cref="DatasetErrors.DatasetInvalid"/>: null lists or entries, and any
    /// path that is not a plain relative path inside the dataset (a person folder must be one plain folder name).
    /// </summary>
    private static void Validate(string root, DatasetManifest manifest, string manifestPath)
    {
        if (manifest.People is null || manifest.Faces is null)
            throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' has no '{(manifest.People is null ? "people" : "faces")}' list.");
        if (manifest.People.Any(p => p is null) || manifest.Faces.Any(f => f is null))
            throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' has a null entry in its '{(manifest.People.Any(p => p is null) ? "people" : "faces")}' list.");
        foreach (var person in manifest.People)
        {
            if (person.Label is null || person.Folder is null || DatasetLayout.ValidateRelative(person.Folder) is not null || person.Folder.Contains('/'))
                throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' names a person folder that is not a plain folder name inside the dataset ('{person.Folder}').");
            CheckPath(person.Montage);
        }
        foreach (var face in manifest.Faces)
        {
            if (face.FaceId is null || face.SourcePath is null || face.Label is null)
                throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' has a face without an id, source or label.");
            face.Landmarks ??= [];
            face.Descriptor ??= [];
            face.Model ??= "";
            CheckPath(face.Portrait);
            CheckPath(face.Chip);
            CheckPath(face.YoloImage);
            CheckPath(face.YoloLabel);
        }

        void CheckPath(string? relative)
        {
            if (relative is null) return;
            string? problem = DatasetLayout.ValidateRelative(relative);
            if (problem is not null)
                throw DatasetException.Invalid(manifestPath, $"'{manifestPath}' names the file '{relative}', which is refused: {problem}");
            DatasetLayout.ToFullPath(root, relative);
        }
    }

    private static string? Relocate(string? relative, string folder) =>
        relative is null ? null : DatasetLayout.Relative(folder, relative.Split('/')[^1]);
}
