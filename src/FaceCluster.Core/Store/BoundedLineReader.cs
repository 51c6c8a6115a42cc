namespace FaceCluster.Store;

/// <summary>
/// Splits a stream into lines without ever holding more than <c>maxLineBytes</c>: an over-long line is skipped
/// (read and discarded in chunks) and reported as such, so a giant single line cannot exhaust memory.
/// </summary>
internal sealed class BoundedLineReader
{
    internal enum Kind { Line, TooLong, End }

    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private int _start, _end;
    private bool _eof;
    private bool _first = true;

    public BoundedLineReader(Stream stream, int maxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 16);
        _stream = stream;
        _buffer = new byte[maxLineBytes + 1]; // + 1: room for the '\n' of a line of exactly maxLineBytes
    }

    /// <summary>1-based number of the line last returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Whether the line last returned ended with '\n' (false for the last line of a truncated file).</summary>
    public bool LastLineTerminated { get; private set; }

    public Kind Next(out ReadOnlyMemory<byte> line)
    {
        line = default;
        while (true)
        {
            int nl = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (nl >= 0)
            {
                LineNumber++;
                LastLineTerminated = true;
                line = Trim(_start, nl);
                _start = nl + 1;
                return Kind.Line;
            }
            if (_eof)
            {
                if (_start >= _end) return Kind.End;
                LineNumber++;
                LastLineTerminated = false;
                line = Trim(_start, _end);
                _start = _end;
                return Kind.Line;
            }
            if (_start == 0 && _end == _buffer.Length)
            {
                LineNumber++;
                SkipRestOfLine();
                return Kind.TooLong;
            }
            Fill();
        }
    }

    private ReadOnlyMemory<byte> Trim(int start, int end)
    {
        if (_first)
        {
            _first = false;
            if (end - start >= 3 && _buffer[start] == 0xEF && _buffer[start + 1] == 0xBB && _buffer[start + 2] == 0xBF) start += 3;
        }
        if (end > start && _buffer[end - 1] == (byte)'\r') end--;
        return new ReadOnlyMemory<byte>(_buffer, start, end - start);
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _eof = true;
        else _end += n;
    }

    private void SkipRestOfLine()
    {
        _first = false;
        _start = _end = 0;
        while (true)
        {
            int n = _stream.Read(_buffer, 0, _buffer.Length);
            if (n == 0)
            {
                _eof = true;
                LastLineTerminated = false;
                return;
            }
            int nl = Array.IndexOf(_buffer, (byte)'\n', 0, n);
            if (nl >= 0)
            {
                _start = nl + 1;
                _end = n;
                LastLineTerminated = true;
                return;
            }
        }
    }
}
