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
    private readonly TeeStream _gate; // the stream of the first serialization, and the lock of the tee's state
    private CaptureBuffer? _current;
    private bool _writing;
    private bool _closed;
    private bool _started;

    public RequestBodyTee(HttpContent inner, int limit)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
        _limit = Math.Max(0, limit);
        _gate = new TeeStream();
        var headers = inner.Headers;
        if (headers.NonValidated.Count == 1 && headers.ContentType is { } contentType)
        {
            // The common case (an SDK's JSON body): the one header, its value shared as it is.
            Headers.ContentType = contentType;
            return;
        }

        foreach (var header in headers)
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

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var tee = Begin(stream);
        if (tee is null)
        {
            return _inner.CopyToAsync(stream, context, cancellationToken);
        }

        Task copy;
        try
        {
            copy = _inner.CopyToAsync(tee, context, cancellationToken);
        }
        catch
        {
            End(tee, completed: false);
            throw;
        }

        if (copy.IsCompletedSuccessfully)
        {
            // A small body written at once (the usual case): no state machine.
            End(tee, completed: true);
            return copy;
        }

        return AwaitCopyAsync(copy, tee);
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var tee = Begin(stream);
        if (tee is null)
        {
            _inner.CopyTo(stream, context, cancellationToken);
            return;
        }

        var completed = false;
        try
        {
            _inner.CopyTo(tee, context, cancellationToken);
            completed = true;
        }
        finally
        {
            End(tee, completed);
        }
    }

    protected override bool TryComputeLength(out long length) => ForwardedLength.TryGet(_inner, out length);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TakeCapture()?.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task AwaitCopyAsync(Task copy, TeeStream tee)
    {
        var completed = false;
        try
        {
            await copy.ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            End(tee, completed);
        }
    }

    /// <summary>Starts the capture of one serialization (a new one replaces the last); null once handed over.</summary>
    private TeeStream? Begin(Stream transport)
    {
        CaptureBuffer? previous;
        TeeStream tee;
        lock (_gate)
        {
            if (_closed)
            {
                return null;
            }

            _started = true;
            var concurrent = _writing;
            previous = concurrent ? null : _current; // one still being written is returned by its own writer
            _current = new CaptureBuffer(_limit, tailBytes: 0);
            _writing = true;
            tee = concurrent ? new TeeStream() : _gate;
            tee.Attach(transport, _current);
        }

        previous?.Dispose();
        return tee;
    }

    /// <summary>
    /// Ends the capture of one serialization: kept if it completed and is still current; otherwise (replaced, handed
    /// over while written, or a part of a body whose serialization failed, which would be misread) its buffer goes back.
    /// </summary>
    private void End(TeeStream tee, bool completed)
    {
        CaptureBuffer capture;
        lock (_gate)
        {
            capture = tee.Detach();
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
    private sealed class TeeStream : Stream
    {
        private Stream _transport = Null;
        private CaptureBuffer? _capture;

        /// <summary>Points this stream at one serialization's transport stream and capture (under the tee's lock).</summary>
        public void Attach(Stream transport, CaptureBuffer capture)
        {
            _transport = transport;
            _capture = capture;
        }

        /// <summary>Ends a serialization (under the tee's lock): returns its capture.</summary>
        public CaptureBuffer Detach()
        {
            var capture = _capture!;
            _capture = null; // the transport stays: a late write still goes out, uncaptured
            return capture;
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => _transport.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => _transport.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _transport.Write(buffer);
            _capture?.Append(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var pending = _transport.WriteAsync(buffer, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                pending.GetAwaiter().GetResult(); // completed: releases a pooled source, never blocks
                _capture?.Append(buffer.Span);
                return ValueTask.CompletedTask;
            }

            return AwaitAndAppend(pending, buffer, _capture);
        }

        private static async ValueTask AwaitAndAppend(ValueTask pending, ReadOnlyMemory<byte> buffer, CaptureBuffer? capture)
        {
            await pending.ConfigureAwait(false);
            capture?.Append(buffer.Span);
        }
    }
}
