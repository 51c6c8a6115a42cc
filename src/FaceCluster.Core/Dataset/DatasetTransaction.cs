using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace FaceCluster.Dataset;

/// <summary>What one planned operation does to the dataset.</summary>
public enum DatasetOperationKind
{
    CreateFolder,
    /// <summary>Writes a whole file (created or replaced).</summary>
    Write,
    /// <summary>Moves a file or folder inside the dataset.</summary>
    Move,
    Delete,
    /// <summary>Removes a folder when it is empty by then.</summary>
    DeleteFolder,
}

/// <summary>One file operation of a plan; paths are relative to the dataset root, '/'-separated.</summary>
/// <param name="Kind">What happens.</param>
/// <param name="Target">The file or folder written, created, deleted, or moved to.</param>
/// <param name="Source">Move only: the file or folder moved.</param>
/// <param name="Staged">Write only: the staged content's file name in the journal folder (null in plan mode).</param>
public sealed record DatasetOperation(DatasetOperationKind Kind, string Target, string? Source = null, string? Staged = null)
{
    /// <summary>The words a "What if" line or a -Confirm prompt shows.</summary>
    public string Describe(string root) => Kind switch
    {
        DatasetOperationKind.Move => $"Move to '{DatasetLayout.ToFullPath(root, Target)}'",
        DatasetOperationKind.Write => "Write file",
        DatasetOperationKind.CreateFolder => "Create folder",
        DatasetOperationKind.Delete => "Delete file",
        _ => "Remove empty folder",
    };

    /// <summary>The path an operation acts on first (the source of a move).</summary>
    public string Subject => Source ?? Target;
}

/// <summary>
/// The one executor of dataset changes. A writer, renamer or merger first computes a plan (every file operation),
/// then this applies it with a write-ahead journal inside the dataset (<c>.facecluster-journal/</c>):
/// new file contents are staged there, the journal is written atomically (the commit point), then the operations
/// run in order. Each is idempotent, so a process killed at any point leaves a dataset that the next command
/// (<see cref="Recover"/>) rolls back (not committed: the staged files go) or forward (committed: the rest runs).
/// Every path is confined to the dataset root, also when read back from a journal.
/// </summary>
public sealed class DatasetTransaction : IDisposable
{
    public const string JournalFolderName = ".facecluster-journal";
    public const string JournalFileName = "journal.json";

    /// <summary>
    /// Test hook: set to N (>= 1) to have the process kill itself (SIGKILL, like kill -9) just before step N of a
    /// transaction. Steps: each staged file, the commit, each applied operation, the cleanup. Not a user setting.
    /// </summary>
    public const string KillAtStepVariable = "FACECLUSTER_TEST_KILL_AT_STEP";

    /// <summary>In-process test hook: called before every step with its number; throwing simulates a crash there.</summary>
    internal static Action<int>? FaultInjection { get; set; }

    private readonly string root;
    private readonly string journalFolder;
    private readonly bool planOnly;
    private readonly List<DatasetOperation> operations = [];
    private int step;
    private bool finished;

    private readonly IDatasetReporter? reporter;

    private DatasetTransaction(string root, bool planOnly, IDatasetReporter? reporter)
    {
        this.root = root;
        this.planOnly = planOnly;
        this.reporter = reporter;
        journalFolder = Path.Combine(root, JournalFolderName);
    }

    /// <summary>
    /// Starts a plan for <paramref name="root"/>. In plan mode (<paramref name="planOnly"/>) nothing is staged or written.
    /// Otherwise an interrupted earlier transaction is first finished or undone (<see cref="Recover"/>).
    /// </summary>
    public static DatasetTransaction Begin(string root, bool planOnly, IDatasetReporter? reporter = null)
    {
        root = Path.GetFullPath(root);
        if (!planOnly) Recover(root, reporter);
        return new DatasetTransaction(root, planOnly, reporter);
    }

    public string Root => root;
    public IReadOnlyList<DatasetOperation> Operations => operations;

    /// <summary>True when <paramref name="root"/> holds an interrupted transaction that <see cref="Recover"/> would finish or undo.</summary>
    public static bool IsPending(string root) => Directory.Exists(Path.Combine(Path.GetFullPath(root), JournalFolderName));

    /// <summary>A file where the folder should be fails now, while nothing has changed yet.</summary>
    public void CreateFolder(string relative)
    {
        string full = DatasetLayout.ToFullPath(root, Check(relative));
        if (!planOnly && File.Exists(full))
            throw DatasetException.WriteFailed(full, new IOException("A file with that name exists where a folder should be."));
        Add(new DatasetOperation(DatasetOperationKind.CreateFolder, relative));
    }

    public void Move(string fromRelative, string toRelative)
    {
        Add(new DatasetOperation(DatasetOperationKind.Move, Check(toRelative), Check(fromRelative)));
        if (Directory.Exists(DatasetLayout.ToFullPath(root, fromRelative)))
        {
            folderMoves.Add((fromRelative, toRelative));
        }
        else
        {
            overlay[fromRelative] = false;
            overlay[toRelative] = true;
        }
    }

    public void Delete(string relative)
    {
        Add(new DatasetOperation(DatasetOperationKind.Delete, Check(relative)));
        overlay[relative] = false;
    }

    /// <summary>Whether the file <paramref name="relative"/> will exist once the operations planned so far are applied.</summary>
    public bool ExistsAfter(string relative)
    {
        if (overlay.TryGetValue(relative, out bool known)) return known;
        string rel = relative;
        for (int i = folderMoves.Count - 1; i >= 0; i--)
        {
            var (from, to) = folderMoves[i];
            if (rel.StartsWith(to + "/", StringComparison.Ordinal)) rel = from + rel[to.Length..];
            else if (rel.StartsWith(from + "/", StringComparison.Ordinal)) return false;
        }
        return File.Exists(DatasetLayout.ToFullPath(root, rel));
    }

    private readonly Dictionary<string, bool> overlay = new(StringComparer.Ordinal);
    private readonly List<(string From, string To)> folderMoves = [];

    public void DeleteFolder(string relative) => Add(new DatasetOperation(DatasetOperationKind.DeleteFolder, Check(relative)));

    /// <summary>Plans a whole-file write; outside plan mode the content is staged in the journal folder now.</summary>
    public void Write(string relative, ReadOnlySpan<byte> content)
    {
        string full = DatasetLayout.ToFullPath(root, Check(relative));
        if (!planOnly && Directory.Exists(full))
            throw DatasetException.WriteFailed(full, new IOException("A folder with that name exists where the file should be."));
        string? staged = null;
        if (!planOnly)
        {
            Step();
            AtomicFile.CreateDirectory(journalFolder);
            staged = operations.Count.ToString("D6", CultureInfo.InvariantCulture) + ".staged";
            AtomicFile.WriteAllBytes(Path.Combine(journalFolder, staged), content);
        }
        Add(new DatasetOperation(DatasetOperationKind.Write, relative, Staged: staged));
        overlay[relative] = true;
    }

    public void WriteText(string relative, string text) =>
        Write(relative, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    /// <summary>Plans an image write (OpenCV encoding by extension).</summary>
    public void WriteImage(string relative, OpenCvSharp.Mat image, int jpegQuality)
    {
        if (planOnly) { Write(relative, []); return; }
        string path = DatasetLayout.ToFullPath(root, relative);
        Write(relative, AtomicFile.EncodeImage(path, image, jpegQuality)
            ?? throw DatasetException.WriteFailed(path, new IOException($"OpenCV could not encode the image as {Path.GetExtension(path)}.")));
    }

    /// <summary>
    /// Asks <paramref name="shouldProcess"/> about every operation (in -WhatIf each becomes a "What if" line); when
    /// all are accepted and this is not plan mode, commits and applies them. Returns false when nothing was applied.
    /// </summary>
    public bool Commit(Func<string, string, bool>? shouldProcess, CancellationToken cancellationToken = default)
    {
        bool all = true;
        foreach (var op in operations)
        {
            string subject = DatasetLayout.ToFullPath(root, op.Subject);
            if (shouldProcess is not null) { if (!shouldProcess(subject, op.Describe(root))) all = false; }
            else if (planOnly) reporter?.PlannedWrite(subject, ActionOf(op));
        }
        if (planOnly || !all)
        {
            Abandon();
            return false;
        }
        cancellationToken.ThrowIfCancellationRequested();
        Step();
        AtomicFile.CreateDirectory(journalFolder);
        var journal = new Journal { Operations = operations };
        AtomicFile.WriteAllText(Path.Combine(journalFolder, JournalFileName), JsonSerializer.Serialize(journal, DatasetJson.Options));
        // Past the commit point: a Ctrl+C now would leave the work for the next command; the remaining steps are renames.
        Apply(root, operations, Step);
        Step();
        Cleanup(root);
        finished = true;
        return true;
    }

    private DatasetWriteAction ActionOf(DatasetOperation op) => op.Kind switch
    {
        DatasetOperationKind.Move => DatasetWriteAction.Move,
        DatasetOperationKind.Delete or DatasetOperationKind.DeleteFolder => DatasetWriteAction.Delete,
        DatasetOperationKind.Write when File.Exists(DatasetLayout.ToFullPath(root, op.Target)) => DatasetWriteAction.Replace,
        _ => DatasetWriteAction.Create,
    };

    /// <summary>Undoes an uncommitted plan: its staged files go.</summary>
    private void Abandon()
    {
        finished = true;
        if (!planOnly) Cleanup(root);
    }

    /// <summary>A transaction left without a commit (an exception, Ctrl+C) removes what it staged.</summary>
    public void Dispose()
    {
        if (finished) return;
        finished = true;
        if (planOnly || File.Exists(Path.Combine(journalFolder, JournalFileName))) return;
        try { Cleanup(root); }
        catch (DatasetException) { /* the next command's Recover tries again */ }
    }

    /// <summary>
    /// Finishes (journal committed) or undoes (not committed) an interrupted transaction of the dataset at
    /// <paramref name="root"/>. Returns true when there was one. Every command that changes a dataset calls it first.
    /// </summary>
    public static bool Recover(string root, IDatasetReporter? reporter = null)
    {
        root = Path.GetFullPath(root);
        string folder = Path.Combine(root, JournalFolderName);
        if (!Directory.Exists(folder)) return false;
        string journalPath = Path.Combine(folder, JournalFileName);
        if (File.Exists(journalPath))
        {
            var journal = DatasetJson.Read<Journal>(journalPath);
            if (journal.Operations is null || journal.Operations.Any(o => o is null))
                throw DatasetException.Invalid(journalPath, $"'{journalPath}' lists no operations or a null one.");
            foreach (var op in journal.Operations)
            {
                Check(op.Target, journalPath);
                if (op.Source is not null) Check(op.Source, journalPath);
                if (op.Staged is not null && (op.Staged.Contains('/') || op.Staged.Contains('\\') || op.Staged.StartsWith('.')))
                    throw DatasetException.Invalid(journalPath, $"'{journalPath}' names a staged file outside its folder ('{op.Staged}').");
            }
            reporter?.Warning($"The dataset '{root}' holds an interrupted change ({journal.Operations.Count} operation(s), committed); it is finished now.");
            Apply(root, journal.Operations, null);
        }
        else
        {
            reporter?.Warning($"The dataset '{root}' holds an interrupted change that was not committed; it is undone (the dataset is as before it).");
        }
        Cleanup(root);
        return true;
    }

    /// <summary>Runs the operations in order; each one is a no-op when it has already happened.</summary>
    private static void Apply(string root, IReadOnlyList<DatasetOperation> operations, Action? beforeEach)
    {
        string folder = Path.Combine(root, JournalFolderName);
        foreach (var op in operations)
        {
            beforeEach?.Invoke();
            string target = DatasetLayout.ToFullPath(root, op.Target);
            try
            {
                switch (op.Kind)
                {
                    case DatasetOperationKind.CreateFolder:
                        if (File.Exists(target))
                            throw new IOException("A file with that name exists where a folder should be.");
                        Directory.CreateDirectory(target);
                        break;
                    case DatasetOperationKind.Write:
                        string staged = Path.Combine(folder, op.Staged ?? throw new IOException("The journal names no staged content."));
                        if (File.Exists(staged))
                        {
                            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                            File.Move(staged, target, overwrite: true);
                        }
                        break;
                    case DatasetOperationKind.Move:
                        string source = DatasetLayout.ToFullPath(root, op.Source!);
                        bool sourceIsFolder = Directory.Exists(source);
                        if (!sourceIsFolder && !File.Exists(source)) break; // moved already
                        bool caseOnly = string.Equals(source, target, StringComparison.OrdinalIgnoreCase) && source != target;
                        if (!caseOnly && (File.Exists(target) || Directory.Exists(target)))
                            throw new IOException($"'{target}' already exists.");
                        if (sourceIsFolder) Directory.Move(source, target);
                        else File.Move(source, target, overwrite: false);
                        break;
                    case DatasetOperationKind.Delete:
                        if (File.Exists(target)) File.Delete(target);
                        break;
                    case DatasetOperationKind.DeleteFolder:
                        if (Directory.Exists(target) && !Directory.EnumerateFileSystemEntries(target).Any()) Directory.Delete(target);
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException and not DatasetException or UnauthorizedAccessException)
            {
                throw DatasetException.WriteFailed(target, ex);
            }
        }
    }

    private static void Cleanup(string root)
    {
        string folder = Path.Combine(root, JournalFolderName);
        try
        {
            // The journal goes first: without it, whatever is left is only staged content, which a later Recover removes.
            string journal = Path.Combine(folder, JournalFileName);
            if (File.Exists(journal)) File.Delete(journal);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DatasetException.WriteFailed(folder, ex);
        }
    }

    private void Add(DatasetOperation op) => operations.Add(op);

    private string Check(string relative) => Check(relative, root);

    private static string Check(string relative, string what)
    {
        string? problem = DatasetLayout.ValidateRelative(relative);
        if (problem is not null)
            throw DatasetException.Invalid(what, $"The dataset path '{relative}' ({what}) is refused: {problem}");
        return relative;
    }

    private void Step()
    {
        step++;
        FaultInjection?.Invoke(step);
        if (KillAt is int k && k == step) Process.GetCurrentProcess().Kill();
    }

    private static readonly int? KillAt =
        int.TryParse(Environment.GetEnvironmentVariable(KillAtStepVariable), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    private sealed class Journal
    {
        public string Format { get; set; } = DatasetLayout.Format + ".Journal";
        public List<DatasetOperation> Operations { get; set; } = [];
    }
}
