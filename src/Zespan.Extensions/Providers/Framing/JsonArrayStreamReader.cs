namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// An incremental reader of a streamed JSON array (<c>[{...},\r\n{...}]</c>), the form of Gemini's
/// <c>streamGenerateContent</c> without <c>alt=sse</c>: each top-level object is handed over as soon as
/// its closing brace arrives. A body that is a single object (an error) is handed over too.
/// </summary>
/// <remarks>
/// Memory is bounded: an element larger than <see cref="MaxElementBytes"/> is not kept (counted in
/// <see cref="DroppedElements"/>, which marks the capture truncated), including one the stream never closes.
/// </remarks>
internal sealed class JsonArrayStreamReader : IDisposable
{
    /// <summary>The largest element kept (a larger one is dropped and counted).</summary>
    public const int MaxElementBytes = 16 * 1024 * 1024;

    private readonly IStreamEventHandler _handler;
    private readonly PooledByteBuffer _element = new();
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _tooLong;

    public JsonArrayStreamReader(IStreamEventHandler handler)
    {
        _handler = handler;
    }

    /// <summary>Gets the number of elements handed over.</summary>
    public int EventCount { get; private set; }

    /// <summary>Gets the number of elements dropped for exceeding <see cref="MaxElementBytes"/>.</summary>
    public int DroppedElements { get; private set; }

    /// <summary>Gets the bytes held for the unfinished element (at most <see cref="MaxElementBytes"/>).</summary>
    public long BufferedBytes => _element.Count;

    /// <summary>Feeds the next bytes of the stream.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        var start = _depth > 0 ? 0 : -1;
        for (var i = 0; i < data.Length; i++)
        {
            var b = data[i];
            if (_depth == 0)
            {
                // Between elements: '[', ',', ']' and whitespace are skipped.
                if (b == (byte)'{')
                {
                    _depth = 1;
                    start = i;
                }

                continue;
            }

            if (_inString)
            {
                if (_escaped)
                {
                    _escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    _escaped = true;
                }
                else if (b == (byte)'"')
                {
                    _inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    _inString = true;
                    break;
                case (byte)'{' or (byte)'[':
                    _depth++;
                    break;
                case (byte)'}' or (byte)']':
                    _depth--;
                    if (_depth == 0)
                    {
                        Keep(data[start..(i + 1)]);
                        Emit();
                        start = -1;
                    }

                    break;
            }
        }

        if (_depth > 0 && start >= 0)
        {
            Keep(data[start..]);
        }
    }

    /// <summary>Ends the stream: an unfinished element that had outgrown the bound counts as dropped.</summary>
    public void Complete()
    {
        if (_depth > 0 && _tooLong)
        {
            DroppedElements++;
        }

        _element.Clear();
        _tooLong = false;
        _depth = 0;
    }

    public void Dispose() => _element.Dispose();

    private void Keep(ReadOnlySpan<byte> part)
    {
        if (_tooLong)
        {
            return;
        }

        if (_element.Count + part.Length > MaxElementBytes)
        {
            _tooLong = true;
            _element.Clear();
            return;
        }

        _element.Append(part);
    }

    private void Emit()
    {
        if (_tooLong)
        {
            DroppedElements++;
        }
        else
        {
            EventCount++;
            _handler.OnEvent(default, _element.Memory);
        }

        _element.Clear();
        _tooLong = false;
    }
}
