using System.Net;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Wraps a response's <see cref="HttpContent"/> so that whoever reads it (the caller's stream, or
/// <see cref="HttpClient"/> buffering it) reads through a <see cref="CapturingStream"/>. Headers are
/// copied unchanged, and the bytes the caller gets are the inner content's bytes, as they arrive.
/// </summary>
internal sealed class CapturingContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly IResponseCaptureSink? _sink;
    private readonly TimeProvider _timeProvider;
    private readonly ICaptureObserver _observer;
    private CapturingStream? _stream;
    private int _reported;

    public CapturingContent(HttpContent inner, IResponseCaptureSink? sink, TimeProvider timeProvider, ICaptureObserver observer)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(observer);
        _inner = inner;
        _sink = sink;
        _timeProvider = timeProvider;
        _observer = new OnceObserver(this, observer);
        foreach (var header in inner.Headers)
        {
            Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
    }

    /// <summary>Gets the capturing stream once the body is being read.</summary>
    internal CapturingStream? CaptureStream => _stream;

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken)
    {
        if (_stream is not null)
        {
            return _stream;
        }

        var inner = await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return _stream = new CapturingStream(inner, _sink, _timeProvider, _observer);
    }

    protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) =>
        _stream ??= new CapturingStream(_inner.ReadAsStream(cancellationToken), _sink, _timeProvider, _observer);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var source = await CreateContentReadStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var source = CreateContentReadStream(cancellationToken);
        source.CopyTo(stream);
    }

    protected override bool TryComputeLength(out long length) => ForwardedLength.TryGet(_inner, out length);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (_stream is null)
            {
                // Never read: still report, so the call is recorded with what was seen (nothing).
                _observer.OnCaptureCompleted(new CaptureCompletion(CaptureOutcome.DisposedEarly, 0, null, _timeProvider.GetTimestamp(), null));
            }
            else
            {
                _stream.Dispose();
            }

            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Guarantees one report per content, whether it came from the stream or from disposal.</summary>
    private sealed class OnceObserver(CapturingContent owner, ICaptureObserver inner) : ICaptureObserver
    {
        public void OnCaptureCompleted(in CaptureCompletion completion)
        {
            if (Interlocked.Exchange(ref owner._reported, 1) != 0)
            {
                return;
            }

            try
            {
                inner.OnCaptureCompleted(completion);
            }
            catch (Exception)
            {
                // never into the caller
            }
        }
    }
}
