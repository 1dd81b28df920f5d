using System.Runtime.CompilerServices;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>How the capture of a body ended.</summary>
internal enum CaptureOutcome
{
    /// <summary>The body was read to its end.</summary>
    Completed,

    /// <summary>A read failed (connection reset, ...).</summary>
    Failed,

    /// <summary>A read was canceled.</summary>
    Canceled,

    /// <summary>The stream (or its content) was disposed before its end was read.</summary>
    DisposedEarly,
}

/// <summary>What a capture saw, reported once when it ends.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="BytesRead">The bytes that passed through.</param>
/// <param name="FirstByteTimestamp">The <see cref="TimeProvider.GetTimestamp"/> of the first byte, if any arrived.</param>
/// <param name="EndTimestamp">The <see cref="TimeProvider.GetTimestamp"/> of the end.</param>
/// <param name="Exception">The failure, for <see cref="CaptureOutcome.Failed"/> and <see cref="CaptureOutcome.Canceled"/>.</param>
internal readonly record struct CaptureCompletion(
    CaptureOutcome Outcome,
    long BytesRead,
    long? FirstByteTimestamp,
    long EndTimestamp,
    Exception? Exception);

/// <summary>Told once, when a capture ends; must not throw (an exception is swallowed to protect the caller).</summary>
internal interface ICaptureObserver
{
    void OnCaptureCompleted(in CaptureCompletion completion);
}

/// <summary>
/// A read-through tee over a response body: every read goes to the inner stream and its bytes are
/// returned to the caller as they arrive (nothing is buffered first); a copy of what passed is handed
/// to an <see cref="IResponseCaptureSink"/>. The time of the first byte is recorded, and the observer is
/// told exactly once when the body ends, a read fails or is canceled, or the stream is disposed early.
/// </summary>
internal sealed class CapturingStream : Stream
{
    private readonly Stream _inner;
    private readonly IResponseCaptureSink? _sink;
    private readonly TimeProvider _timeProvider;
    private readonly ICaptureObserver _observer;
    private readonly Lock _gate = new();
    private long _bytes;
    private long _firstByte = -1;
    private bool _completed;

    public CapturingStream(Stream inner, IResponseCaptureSink? sink, TimeProvider timeProvider, ICaptureObserver observer)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(observer);
        _inner = inner;
        _sink = sink;
        _timeProvider = timeProvider;
        _observer = observer;
    }

    /// <summary>Gets the number of bytes read so far.</summary>
    public long BytesRead => Volatile.Read(ref _bytes);

    /// <summary>Gets the timestamp of the first byte, or <see langword="null"/> before it.</summary>
    public long? FirstByteTimestamp => Volatile.Read(ref _firstByte) is var t and >= 0 ? t : null;

    /// <summary>Gets a value indicating whether the observer has been told.</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _completed;
            }
        }
    }

    public override bool CanRead => _inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override bool CanTimeout => _inner.CanTimeout;

    public override int ReadTimeout
    {
        get => _inner.ReadTimeout;
        set => _inner.ReadTimeout = value;
    }

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (Exception ex)
        {
            Complete(ex is OperationCanceledException ? CaptureOutcome.Canceled : CaptureOutcome.Failed, ex);
            throw;
        }

        OnRead(buffer[..read], buffer.Length);
        return read;
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Complete(ex is OperationCanceledException ? CaptureOutcome.Canceled : CaptureOutcome.Failed, ex);
            throw;
        }

        OnRead(buffer.Span[..read], buffer.Length);
        return read;
    }

    public override IAsyncResult BeginRead(byte[] buffer, int offset, int count, AsyncCallback? callback, object? state) =>
        TaskToAsyncResult.Begin(ReadAsync(buffer, offset, count), callback, state);

    public override int EndRead(IAsyncResult asyncResult) => TaskToAsyncResult.End<int>(asyncResult);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Complete(CaptureOutcome.DisposedEarly, null);
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Complete(CaptureOutcome.DisposedEarly, null);
        await _inner.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private void OnRead(ReadOnlySpan<byte> data, int requested)
    {
        if (data.IsEmpty)
        {
            if (requested > 0)
            {
                Complete(CaptureOutcome.Completed, null);
            }

            return;
        }

        if (_firstByte < 0)
        {
            Volatile.Write(ref _firstByte, _timeProvider.GetTimestamp());
        }

        Interlocked.Add(ref _bytes, data.Length);
        if (_sink is null)
        {
            return;
        }

        lock (_gate)
        {
            // After the end was reported the sink belongs to whoever handles the event.
            if (!_completed)
            {
                try
                {
                    _sink.Append(data);
                }
                catch (Exception)
                {
                    // Capture must never break the caller's read.
                }
            }
        }
    }

    private void Complete(CaptureOutcome outcome, Exception? exception)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
        }

        var completion = new CaptureCompletion(outcome, BytesRead, FirstByteTimestamp, _timeProvider.GetTimestamp(), exception);
        try
        {
            _observer.OnCaptureCompleted(completion);
        }
        catch (Exception)
        {
            // The observer records telemetry; its failure is not the caller's.
        }
    }
}
