namespace Zespan.Extensions.Providers.Internal;

/// <summary>Receives what a stream framer finds: one server-sent event, or one element of a streamed JSON array.</summary>
internal interface IStreamEventHandler
{
    /// <summary>Handles one event.</summary>
    /// <param name="eventType">The SSE <c>event:</c> field (empty when there was none, and for JSON-array elements).</param>
    /// <param name="data">The event's data (data lines joined with <c>\n</c>), or the element's JSON; valid only during the call.</param>
    void OnEvent(ReadOnlySpan<byte> eventType, ReadOnlyMemory<byte> data);
}

/// <summary>
/// An incremental (push) server-sent-events parser following the WHATWG event-stream rules: lines end
/// with CRLF, LF or CR (also split across reads), <c>:</c> lines are comments (<c>: OPENROUTER PROCESSING</c>),
/// one space after the field colon is dropped, several <c>data:</c> lines join with LF, a blank line
/// dispatches, a leading byte-order mark is skipped. Fields other than <c>event</c> and <c>data</c> are ignored.
/// </summary>
/// <remarks>
/// <para>
/// System.Net.ServerSentEvents' <c>SseParser</c> pulls from a <see cref="Stream"/>; the capture tee pushes
/// bytes as the caller reads them, so this parser takes spans and keeps only the unfinished line and event.
/// </para>
/// <para>
/// Memory is bounded whatever the stream holds: a line longer than <see cref="MaxLineBytes"/> is dropped
/// (<see cref="DroppedLines"/>), and an event whose data outgrows <see cref="MaxEventBytes"/> (many <c>data:</c>
/// lines without a blank line) is dropped whole (<see cref="DroppedEvents"/>); either marks the capture truncated.
/// </para>
/// </remarks>
internal sealed class SseReader : IDisposable
{
    /// <summary>The longest line kept (a longer one is dropped and counted in <see cref="DroppedLines"/>).</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>The most data one event keeps (its <c>data:</c> lines joined); a larger event is dropped and counted in <see cref="DroppedEvents"/>.</summary>
    public const int MaxEventBytes = 16 * 1024 * 1024;

    private readonly IStreamEventHandler _handler;
    private readonly PooledByteBuffer _line = new();
    private readonly PooledByteBuffer _data = new();
    private readonly PooledByteBuffer _eventType = new();
    private bool _hasData;
    private bool _skipLeadingLf;
    private bool _lineTooLong;
    private bool _eventTooLong;
    private bool _started;

    public SseReader(IStreamEventHandler handler)
    {
        _handler = handler;
    }

    /// <summary>Gets the number of events dispatched.</summary>
    public int EventCount { get; private set; }

    /// <summary>Gets the number of lines dropped for exceeding <see cref="MaxLineBytes"/>.</summary>
    public int DroppedLines { get; private set; }

    /// <summary>Gets the number of events dropped because their data exceeded <see cref="MaxEventBytes"/>.</summary>
    public int DroppedEvents { get; private set; }

    /// <summary>Gets the bytes held for the unfinished line and event (at most <see cref="MaxLineBytes"/> + <see cref="MaxEventBytes"/> and the event type).</summary>
    public long BufferedBytes => (long)_line.Count + _data.Count + _eventType.Count;

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_skipLeadingLf)
            {
                _skipLeadingLf = false;
                if (data[0] == (byte)'\n')
                {
                    data = data[1..];
                    continue;
                }
            }

            var end = data.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                AppendPartial(data);
                return;
            }

            if (_line.Count == 0 && !_lineTooLong)
            {
                ProcessLine(data[..end]);
            }
            else
            {
                AppendPartial(data[..end]);
                if (!_lineTooLong)
                {
                    ProcessLine(_line.Span);
                }

                _line.Clear();
                _lineTooLong = false;
            }

            if (data[end] == (byte)'\r')
            {
                if (end + 1 < data.Length)
                {
                    end += data[end + 1] == (byte)'\n' ? 1 : 0;
                }
                else
                {
                    _skipLeadingLf = true;
                }
            }

            data = data[(end + 1)..];
        }
    }

    /// <summary>Ends the stream: an unterminated last line is processed and a pending event is dispatched.</summary>
    /// <remarks>The WHATWG rules drop an event not followed by a blank line; a capture keeps it, since servers that forget the last blank line exist.</remarks>
    public void Complete()
    {
        if (_line.Count > 0 && !_lineTooLong)
        {
            ProcessLine(_line.Span);
        }

        _line.Clear();
        Dispatch();
    }

    public void Dispose()
    {
        _line.Dispose();
        _data.Dispose();
        _eventType.Dispose();
    }

    private void AppendPartial(ReadOnlySpan<byte> data)
    {
        if (_lineTooLong)
        {
            return;
        }

        if (_line.Count + data.Length > MaxLineBytes)
        {
            _lineTooLong = true;
            DroppedLines++;
            _line.Clear();
            return;
        }

        _line.Append(data);
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!_started)
        {
            // A byte-order mark can only open the first line (which may have arrived in pieces).
            _started = true;
            if (line.StartsWith("\uFEFF"u8))
            {
                line = line[3..];
            }
        }

        if (line.IsEmpty)
        {
            Dispatch();
            return;
        }

        if (line[0] == (byte)':')
        {
            return; // comment
        }

        ReadOnlySpan<byte> field;
        ReadOnlySpan<byte> value;
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            field = line;
            value = default;
        }
        else
        {
            field = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == (byte)' ')
            {
                value = value[1..];
            }
        }

        if (field.SequenceEqual("data"u8))
        {
            if (!_eventTooLong && _data.Count + value.Length + 1 > MaxEventBytes)
            {
                // Too much data without a blank line: the event is dropped, what follows it is still read.
                _eventTooLong = true;
                _data.Clear();
            }

            if (!_eventTooLong)
            {
                if (_hasData)
                {
                    _data.Append((byte)'\n');
                }

                _data.Append(value);
            }

            _hasData = true;
        }
        else if (field.SequenceEqual("event"u8))
        {
            _eventType.Clear();
            _eventType.Append(value);
        }
    }

    private void Dispatch()
    {
        if (_eventTooLong)
        {
            DroppedEvents++;
        }
        else if (_hasData)
        {
            EventCount++;
            _handler.OnEvent(_eventType.Span, _data.Memory);
        }

        _hasData = false;
        _eventTooLong = false;
        _data.Clear();
        _eventType.Clear();
    }
}
