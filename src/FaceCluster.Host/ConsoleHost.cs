using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace FaceCluster.Host;

internal sealed class ConsoleHost : PSHost
{
    private readonly ConsoleHostUserInterface ui;

    public ConsoleHost()
    {
        ProgressRenderer = new ProgressRenderer();
        ui = new ConsoleHostUserInterface(ProgressRenderer);
    }

    public ProgressRenderer ProgressRenderer { get; }
    public int? ExitCode { get; private set; }
    public override string Name => "FaceCluster.Host";
    public override Version Version { get; } = typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 1);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by FaceCluster.Host.");
    public override void ExitNestedPrompt() => throw new NotSupportedException("Nested prompts are not supported by FaceCluster.Host.");
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

internal sealed class ConsoleHostUserInterface(ProgressRenderer progress) : PSHostUserInterface
{
    private readonly ConsoleRawUserInterface rawUI = new();

    private static readonly bool PlainOutput = Console.IsOutputRedirected;
    private static readonly System.Text.RegularExpressions.Regex EscapeSequence = new(@"\x1b\[[0-9;?]*[ -/]*[@-~]", System.Text.RegularExpressions.RegexOptions.Compiled);

    public override PSHostRawUserInterface RawUI => rawUI;
    public override bool SupportsVirtualTerminal => !PlainOutput;

    // Logs and pipes get text, not escape sequences.
    private static string ForOutput(string value) => PlainOutput ? EscapeSequence.Replace(value, "") : value;

    public override void Write(string value) { progress.Clear(); Console.Out.Write(ForOutput(value)); }
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Write(value);
    public override void WriteLine(string value) { progress.Clear(); Console.Out.WriteLine(ForOutput(value)); }
    public override void WriteErrorLine(string value) => WriteColoured(Console.Error, ConsoleColor.Red, value);
    public override void WriteWarningLine(string message) => WriteColoured(Console.Error, ConsoleColor.Yellow, "WARNING: " + message);
    public override void WriteVerboseLine(string message) => WriteColoured(Console.Error, ConsoleColor.Cyan, "VERBOSE: " + message);
    public override void WriteDebugLine(string message) => WriteColoured(Console.Error, ConsoleColor.Gray, "DEBUG: " + message);
    public override void WriteInformation(InformationRecord record) { }
    public override void WriteProgress(long sourceId, ProgressRecord record) => progress.Render(sourceId, record);

    public override string ReadLine() => Console.In.ReadLine() ?? string.Empty;
    public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("FaceCluster.Host does not read secure strings.");

    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions)
    {
        // Confirm and mandatory-parameter prompts need a person; in scripts pass the values instead.
        throw new PSInvalidOperationException($"FaceCluster.Host cannot prompt ('{caption}'). Pass the values as parameters.");
    }

    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice)
    {
        if (Console.IsInputRedirected) return defaultChoice;
        progress.Clear();
        Console.Out.WriteLine(caption);
        Console.Out.WriteLine(message);
        for (int i = 0; i < choices.Count; i++) Console.Out.WriteLine($"  [{i}] {choices[i].Label.Replace("&", "")}");
        Console.Out.Write($"Choice (default {defaultChoice}): ");
        return int.TryParse(Console.In.ReadLine(), out int chosen) && chosen >= 0 && chosen < choices.Count ? chosen : defaultChoice;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw new NotSupportedException("FaceCluster.Host does not prompt for credentials.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        throw new NotSupportedException("FaceCluster.Host does not prompt for credentials.");

    private void WriteColoured(TextWriter writer, ConsoleColor colour, string text)
    {
        progress.Clear();
        bool colourful = !Console.IsErrorRedirected;
        if (colourful) Console.ForegroundColor = colour;
        writer.WriteLine(colourful ? text : EscapeSequence.Replace(text, ""));
        if (colourful) Console.ResetColor();
    }
}

internal sealed class ConsoleRawUserInterface : PSHostRawUserInterface
{
    private static int Width => Console.IsOutputRedirected ? 120 : Math.Max(40, SafeWindowWidth());

    private static int SafeWindowWidth()
    {
        try { return Console.WindowWidth; } catch (IOException) { return 120; }
    }

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize { get => new(Width, 9999); set { } }
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => new(Width, 50);
    public override Size MaxWindowSize => new(Width, 50);
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize { get => new(Width, 50); set { } }
    public override string WindowTitle { get; set; } = "FaceCluster";
    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException();
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("FaceCluster.Host does not read keys.");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}

/// <summary>Draws the latest progress record as one line on stderr, only when stderr is a terminal.</summary>
internal sealed class ProgressRenderer
{
    private readonly bool enabled = !Console.IsErrorRedirected;
    private readonly object gate = new();
    private bool visible;

    public void Render(long sourceId, ProgressRecord record)
    {
        if (!enabled) return;
        lock (gate)
        {
            if (record.RecordType == ProgressRecordType.Completed) { ClearLocked(); return; }
            int width = Math.Max(40, SafeWidth() - 1);
            int percent = Math.Clamp(record.PercentComplete, -1, 100);
            const int barWidth = 24;
            string bar = percent >= 0
                ? "[" + new string('#', percent * barWidth / 100).PadRight(barWidth, '.') + $"] {percent,3}% "
                : "[" + new string('.', barWidth) + "]      ";
            string text = $"{bar}{record.Activity}: {record.StatusDescription}";
            if (text.Length > width) text = text[..width];
            Console.Error.Write("\r" + text.PadRight(width));
            visible = true;
        }
    }

    public void Clear()
    {
        if (!enabled) return;
        lock (gate) ClearLocked();
    }

    private void ClearLocked()
    {
        if (!visible) return;
        Console.Error.Write("\r" + new string(' ', Math.Max(40, SafeWidth() - 1)) + "\r");
        visible = false;
    }

    private static int SafeWidth()
    {
        try { return Console.WindowWidth; } catch (IOException) { return 120; }
    }
}
