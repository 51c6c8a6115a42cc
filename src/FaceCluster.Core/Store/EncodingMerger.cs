namespace FaceCluster.Store;

/// <summary>What a merge did.</summary>
public sealed record EncodingMergeSummary(
    string OutputPath,
    string Model,
    int FilesRead,
    int FacesMerged,
    int DuplicatesDropped,
    int RecordsRejected);

/// <summary>
/// Merges stores (and extra in-memory faces) into one output store. All inputs must come from the same descriptor
/// model; duplicate ids are dropped (first occurrence wins, in input order: files first, then extra faces);
/// invalid records are reported and skipped, the good ones are kept. The output is written atomically, so it may
/// also be one of the inputs.
/// </summary>
public static class EncodingMerger
{
    /// <param name="inputs">Store files, read in this order.</param>
    /// <param name="extra">Faces to add after the files (may be null).</param>
    /// <param name="outputPath">The merged store.</param>
    /// <param name="mode">CreateNew refuses an existing output; Overwrite replaces it; Append keeps its records (they win over duplicates).</param>
    /// <param name="onIssue">Receives every rejected record and dropped duplicate.</param>
    /// <exception cref="EncodingStoreException">StoreNotFound / StoreHeaderInvalid / StoreVersionUnsupported for an unreadable input,
    /// StoreModelMismatch when the inputs disagree on the model (nothing is written), StoreExists, NothingToMerge.</exception>
    public static EncodingMergeSummary Merge(
        IEnumerable<string> inputs,
        IEnumerable<FaceEncoding>? extra,
        string outputPath,
        StoreWriteMode mode = StoreWriteMode.CreateNew,
        Action<StoreIssue>? onIssue = null,
        EncodingStoreReaderOptions? readerOptions = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentException.ThrowIfNullOrEmpty(outputPath);
        var files = inputs.Select(Path.GetFullPath).ToList();
        var extraList = extra?.ToList() ?? [];
        outputPath = Path.GetFullPath(outputPath);

        // 1. Agree on the model before writing anything.
        string? model = null, modelSource = null;
        void Check(string candidate, string source)
        {
            if (model is null)
            {
                model = candidate;
                modelSource = source;
            }
            else if (!string.Equals(model, candidate, StringComparison.Ordinal))
            {
                throw new EncodingStoreException(StoreErrorIds.StoreModelMismatch, source,
                    $"Cannot merge: {source} holds '{candidate}' encodings but {modelSource} holds '{model}' encodings; descriptors of different models cannot be mixed.");
            }
        }
        bool appendExisting = mode == StoreWriteMode.Append && File.Exists(outputPath);
        if (appendExisting) Check(EncodingStoreReader.ReadHeader(outputPath, readerOptions).Model, $"'{outputPath}'");
        foreach (var file in files) Check(EncodingStoreReader.ReadHeader(file, readerOptions).Model, $"'{file}'");
        foreach (var face in extraList) Check(face.Model, $"face {face.Id} ('{face.Path}')");
        if (model is null) throw new EncodingStoreException(StoreErrorIds.NothingToMerge, outputPath, $"Nothing to merge into '{outputPath}': give at least one readable store or face.");
        if (mode == StoreWriteMode.CreateNew && File.Exists(outputPath))
            throw new EncodingStoreException(StoreErrorIds.StoreExists, outputPath, $"Encoding store '{outputPath}' already exists; use Force to overwrite it or Append to add to it.");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        int duplicates = 0, rejected = 0, filesRead = 0;
        void Report(StoreIssue issue)
        {
            rejected++;
            onIssue?.Invoke(issue);
        }
        bool Duplicate(FaceEncoding face, string? source, long line)
        {
            if (seen.Add(face.Id)) return false;
            duplicates++;
            onIssue?.Invoke(new StoreIssue(StoreErrorIds.DuplicateId, source, line, $"duplicate id {face.Id} dropped (the first occurrence wins)"));
            return true;
        }

        if (appendExisting)
        {
            // The records already in the output are kept verbatim by the writer; only remember their ids.
            using var existing = EncodingStoreReader.Open(outputPath, readerOptions);
            foreach (var face in existing.ReadRecords(null, cancellationToken)) seen.Add(face.Id);
        }

        using var writer = EncodingStoreWriter.Create(outputPath, model, mode);
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var reader = EncodingStoreReader.Open(file, readerOptions);
            filesRead++;
            foreach (var face in reader.ReadRecords(Report, cancellationToken))
            {
                if (Duplicate(face, file, reader.LineNumber)) continue;
                writer.Write(face);
            }
        }
        foreach (var face in extraList)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var invalid = EncodingValidator.Validate(face);
            if (invalid is not null)
            {
                Report(new StoreIssue(StoreErrorIds.EncodingInvalid, face.Path, 0, $"face {face.Id}: {invalid}"));
                continue;
            }
            if (Duplicate(face, face.Path, 0)) continue;
            writer.Write(face);
        }
        writer.Commit();
        return new EncodingMergeSummary(outputPath, model, filesRead, writer.Count, duplicates, rejected);
    }
}
