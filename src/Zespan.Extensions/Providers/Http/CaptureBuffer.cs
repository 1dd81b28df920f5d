using System.Buffers;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>Receives the bytes of a body as the caller reads them.</summary>
internal interface IResponseCaptureSink
{
    /// <summary>Takes a copy of (or parses) bytes that just passed through; must not keep the span.</summary>
    void Append(ReadOnlySpan<byte> data);
}

/// <summary>
/// Keeps the first <see cref="Limit"/> bytes of a body in pooled memory, and once the body is longer,
/// also its last bytes (a small ring), where providers put usage. Memory is bounded whatever the body's size.
/// </summary>
internal sealed class CaptureBuffer : IResponseCaptureSink, IDisposable
{
    /// <summary>The size of the tail kept after the head is full.</summary>
    public const int DefaultTailBytes = 8 * 1024;

    private readonly PooledByteBuffer _head;
    private readonly int _tailCapacity;
    private byte[]? _tail;
    private int _tailStart;
    private int _tailCount;

    public CaptureBuffer(int limit, int tailBytes = DefaultTailBytes)
    {
        Limit = Math.Max(0, limit);
        _tailCapacity = Math.Max(0, Math.Min(tailBytes, Limit));
        _head = new PooledByteBuffer(Math.Min(Limit, 4096));
    }

    /// <summary>Gets the most bytes kept from the start of the body.</summary>
    public int Limit { get; }

    /// <summary>Gets the number of bytes that passed through.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Gets a value indicating whether the body was longer than <see cref="Limit"/>.</summary>
    public bool Truncated => TotalBytes > Limit;

    /// <summary>Gets the bytes this capture holds (the kept head and tail).</summary>
    public long HeldBytes => _head.Count + (_tail is null ? 0 : _tailCapacity);

    /// <summary>Gets the first bytes of the body (all of it when not <see cref="Truncated"/>).</summary>
    public ReadOnlyMemory<byte> Head => _head.Memory;

    public void Append(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        var room = Limit - _head.Count;
        if (room > 0)
        {
            var take = Math.Min(room, data.Length);
            _head.Append(data[..take]);
            data = data[take..];
        }

        if (data.IsEmpty || _tailCapacity == 0)
        {
            return;
        }

        _tail ??= ArrayPool<byte>.Shared.Rent(_tailCapacity);
        if (data.Length >= _tailCapacity)
        {
            data[^_tailCapacity..].CopyTo(_tail);
            _tailStart = 0;
            _tailCount = _tailCapacity;
            return;
        }

        foreach (var b in data)
        {
            var position = (_tailStart + _tailCount) % _tailCapacity;
            _tail[position] = b;
            if (_tailCount < _tailCapacity)
            {
                _tailCount++;
            }
            else
            {
                _tailStart = (_tailStart + 1) % _tailCapacity;
            }
        }
    }

    /// <summary>Copies out the last bytes of a body longer than <see cref="Limit"/> (empty otherwise).</summary>
    public byte[] CopyTail()
    {
        if (_tail is null || _tailCount == 0)
        {
            return [];
        }

        var result = new byte[_tailCount];
        var first = Math.Min(_tailCount, _tailCapacity - _tailStart);
        _tail.AsSpan(_tailStart, first).CopyTo(result);
        _tail.AsSpan(0, _tailCount - first).CopyTo(result.AsSpan(first));
        return result;
    }

    public void Dispose()
    {
        _head.Dispose();
        if (_tail is not null)
        {
            ArrayPool<byte>.Shared.Return(_tail);
            _tail = null;
        }
    }
}

/// <summary>
/// The capture of a streamed body. While the stream stays under <c>limit</c> bytes it is only copied
/// (one memory copy on the caller's path) and parsed later on the export thread. A longer stream is
/// switched to incremental parsing the moment it passes the limit, so its end (where usage lives) is
/// never lost and memory stays bounded.
/// </summary>
internal sealed class StreamCaptureSink : IResponseCaptureSink, IDisposable
{
    private readonly ProviderStreamParser _parser;
    private readonly int _limit;
    private PooledByteBuffer? _buffer;

    public StreamCaptureSink(ProviderStreamParser parser, int limit)
    {
        ArgumentNullException.ThrowIfNull(parser);
        _parser = parser;
        _limit = Math.Max(0, limit);
        _buffer = new PooledByteBuffer(Math.Min(_limit, 4096));
    }

    /// <summary>Gets the number of bytes that passed through.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Gets the bytes of stream kept unparsed (once the stream outgrew the limit it is parsed as it passes).</summary>
    public long HeldBytes => _buffer?.Count ?? 0;

    /// <summary>Gets a value indicating whether the stream outgrew the limit and is parsed as it passes.</summary>
    public bool ParsingIncrementally => _buffer is null;

    /// <summary>Gets the parser.</summary>
    public ProviderStreamParser Parser => _parser;

    public void Append(ReadOnlySpan<byte> data)
    {
        TotalBytes += data.Length;
        if (_buffer is null)
        {
            _parser.Feed(data);
            return;
        }

        if (_buffer.Count + data.Length <= _limit)
        {
            _buffer.Append(data);
            return;
        }

        _parser.Feed(_buffer.Span);
        _buffer.Dispose();
        _buffer = null;
        _parser.Feed(data);
    }

    /// <summary>Parses what is still buffered and writes the stream's result onto the event (export thread).</summary>
    public void Finish(Events.Internal.ZespanEvent evt)
    {
        if (_buffer is not null)
        {
            _parser.Feed(_buffer.Span);
            _buffer.Dispose();
            _buffer = null;
        }

        _parser.Complete(evt);
    }

    public void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
        _parser.Dispose();
    }
}
