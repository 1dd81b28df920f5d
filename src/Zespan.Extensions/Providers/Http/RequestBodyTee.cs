using System.Net;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Wraps a request's <see cref="HttpContent"/> so that its body is copied as the transport sends it, instead of
/// being buffered before the send: <see cref="SerializeToStreamAsync(Stream, TransportContext?, CancellationToken)"/>
/// writes the inner content's bytes straight through to the transport's stream and keeps up to a limit of them in a
/// pooled <see cref="CaptureBuffer"/>. The length and every content header are the inner content's, so the bytes and
/// headers the server receives are the same as without Zespan (what a SigV4-signed Bedrock request needs).
/// </summary>
/// <remarks>
/// Used when nothing reads the body before it is sent (no model override, no stream-usage rewrite, no guardrail).
/// A body serialized again (a retry or a 307 redirect below the handler) restarts the capture, so it holds what was
/// sent last. A serialization that fails keeps nothing (part of a body would be misread, a
/// model cut short); the failure reaches the caller as it would without Zespan, and the event records it. The capture is handed over once (<see cref="TakeCapture"/>); a capture still being written
/// then (an HTTP/2 body still going out) is dropped by the writer when it ends, so its buffer is returned once.
/// </remarks>
internal sealed class RequestBodyTee : HttpContent
{
    private readonly HttpContent _inner;
    private readonly int _limit;
    private readonly Lock _gate = new();
    private CaptureBuffer? _current;
    private bool _writing;
    private bool _closed;
    private bool _started;

    public RequestBodyTee(HttpContent inner, int limit)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _limit = Math.Max(0, limit);
        foreach (var header in inner.Headers)
        {
            // Content-Length is the inner content's, through TryComputeLength (set or computed alike).
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }
    }

    /// <summary>Gets the content this tee sends.</summary>
    public HttpContent Inner => _inner;

    /// <summary>Gets a value indicating whether the body began to be serialized at least once.</summary>
    public bool Started
    {
        get
        {
            lock (_gate)
            {
                return _started;
            }
        }
    }

    /// <summary>
    /// Puts a tee in place of the request's content when the content would have to be buffered to be read
    /// (anything but a byte-array or memory content, whose bytes are read without consuming them).
    /// </summary>
    /// <returns>The tee, or null when the request has no such content.</returns>
    public static RequestBodyTee? TryWrap(HttpRequestMessage request, int limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Content is null or ByteArrayContent or ReadOnlyMemoryContent or RequestBodyTee)
        {
            return null;
        }

        var tee = new RequestBodyTee(request.Content, limit);
        request.Content = tee;
        return tee;
    }

    /// <summary>Gives the request its own content back (the tee stays with the transport if it still sends).</summary>
    public void Restore(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (ReferenceEquals(request.Content, this))
        {
            request.Content = _inner;
        }
    }

    /// <summary>
    /// Hands over the capture of the body as last sent (the caller owns it from now on) and stops capturing.
    /// Null when the body was never serialized, its last serialization failed, or it is being serialized now.
    /// </summary>
    public CaptureBuffer? TakeCapture()
    {
        lock (_gate)
        {
            _closed = true;
            var capture = _current;
            _current = null;
            if (_writing)
            {
                // Still going out: the writer sees it is no longer current and returns its buffer when it ends.
                return null;
            }

            return capture;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var capture = Begin();
        if (capture is null)
        {
            await _inner.CopyToAsync(stream, context, cancellationToken).ConfigureAwait(false);
            return;
        }

        var completed = false;
        try
        {
            await _inner.CopyToAsync(new TeeStream(stream, capture), context, cancellationToken).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            End(capture, completed);
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var capture = Begin();
        if (capture is null)
        {
            _inner.CopyTo(stream, context, cancellationToken);
            return;
        }

        var completed = false;
        try
        {
            _inner.CopyTo(new TeeStream(stream, capture), context, cancellationToken);
            completed = true;
        }
        finally
        {
            End(capture, completed);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        if (_inner.Headers.ContentLength is { } known)
        {
            length = known;
            return true;
        }

        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TakeCapture()?.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Starts the capture of one serialization (a new one replaces the last); null once handed over.</summary>
    private CaptureBuffer? Begin()
    {
        CaptureBuffer? previous;
        CaptureBuffer capture;
        lock (_gate)
        {
            if (_closed)
            {
                return null;
            }

            _started = true;
            previous = _writing ? null : _current; // one still being written is returned by its own writer
            capture = new CaptureBuffer(_limit, tailBytes: 0);
            _current = capture;
            _writing = true;
        }

        previous?.Dispose();
        return capture;
    }

    /// <summary>
    /// Ends the capture of one serialization: kept if it completed and is still current; otherwise (replaced, handed
    /// over while written, or a part of a body whose serialization failed, which would be misread) its buffer goes back.
    /// </summary>
    private void End(CaptureBuffer capture, bool completed)
    {
        lock (_gate)
        {
            if (ReferenceEquals(capture, _current))
            {
                _writing = false;
                if (completed)
                {
                    return;
                }

                _current = null;
            }
        }

        capture.Dispose();
    }

    /// <summary>A write-only stream that writes to the transport, then appends what was written to the capture.</summary>
    private sealed class TeeStream(Stream transport, CaptureBuffer capture) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => transport.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => transport.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            transport.Write(buffer);
            capture.Append(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var pending = transport.WriteAsync(buffer, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult(); // completed: releases a pooled source, never blocks
                capture.Append(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return AwaitAndAppend(pending, buffer);
        }

        private async ValueTask AwaitAndAppend(ValueTask pending, ReadOnlyMemory<byte> buffer)
        {
            await pending.ConfigureAwait(false);
            capture.Append(buffer.Span);
        }
    }
}
