using System.Text.Json.Nodes;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The incremental parser of one streamed response: a framer (server-sent events, a streamed JSON array,
/// or the AWS binary event stream) feeding the accumulator the endpoint's <see cref="IWireFormat"/> creates.
/// Bytes may be fed in any split; memory stays bounded by the text budget, whatever the stream's length.
/// </summary>
internal sealed class ProviderStreamParser : IDisposable
{
    private readonly SseReader? _sse;
    private readonly JsonArrayStreamReader? _array;
    private readonly AwsEventStreamDecoder? _eventStream;
    private readonly IStreamAccumulator? _accumulator;
    private readonly IEventStreamAccumulator? _events;
    private readonly ParseContext _context;
    private bool _completed;

    private ProviderStreamParser(ParseContext context, IStreamAccumulator? accumulator, IEventStreamAccumulator? events, StreamFraming framing)
    {
        _context = context;
        _accumulator = accumulator;
        _events = events;
        switch (framing)
        {
            case StreamFraming.EventStream:
                _eventStream = new AwsEventStreamDecoder(events!);
                break;
            case StreamFraming.JsonArray:
                _array = new JsonArrayStreamReader(accumulator!);
                break;
            default:
                _sse = new SseReader(accumulator!);
                break;
        }
    }

    /// <summary>Gets the framing in use.</summary>
    public StreamFraming Framing => _eventStream is not null ? StreamFraming.EventStream : _array is not null ? StreamFraming.JsonArray : StreamFraming.ServerSentEvents;

    /// <summary>Gets a value indicating whether the stream's last event was seen (read to its logical end), once <see cref="Complete"/> ran.</summary>
    public bool SawEnd => _accumulator?.SawEnd ?? _events?.SawEnd ?? false;

    /// <summary>Gets the bytes the framer holds for an unfinished line, event, element or message (bounded per framing).</summary>
    public long BufferedBytes => _sse?.BufferedBytes ?? _array?.BufferedBytes ?? _eventStream?.BufferedBytes ?? 0;

    /// <summary>Gets the number of events (SSE events, array elements or event-stream messages) decoded so far.</summary>
    public int EventCount => _sse?.EventCount ?? _array?.EventCount ?? _eventStream?.MessageCount ?? 0;

    /// <summary>Creates the parser for an endpoint's stream, or <see langword="null"/> when the endpoint does not stream.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="contentType">The response's media type (<c>text/event-stream</c>, ...), if known.</param>
    /// <param name="context">The parse rules (text capture, budget).</param>
    public static ProviderStreamParser? Create(LlmEndpoint endpoint, string? contentType, ParseContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var format = WireFormats.For(endpoint.Family);
        var framing = ChooseFraming(endpoint, contentType);
        if (framing == StreamFraming.EventStream)
        {
            // The AWS event stream is Bedrock's framing: under a path whose format has no event-stream reader
            // (a proxy in front of Bedrock) it is read as InvokeModel's, whose chunks carry any model's events.
            var events = format?.CreateEventStreamAccumulator(context)
                ?? BedrockInvokeWireFormat.Instance.CreateEventStreamAccumulator(context)!;
            return new ProviderStreamParser(context, null, events, framing);
        }

        var accumulator = format?.CreateStreamAccumulator(context);
        return accumulator is null ? null : new ProviderStreamParser(context, accumulator, null, framing);
    }

    /// <summary>Decides how a streamed body is framed.</summary>
    public static StreamFraming ChooseFraming(LlmEndpoint endpoint, string? contentType)
    {
        if (contentType is not null)
        {
            if (contentType.StartsWith("application/vnd.amazon.eventstream", StringComparison.OrdinalIgnoreCase))
            {
                return StreamFraming.EventStream;
            }

            if (contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                return StreamFraming.ServerSentEvents;
            }
        }

        return WireFormats.For(endpoint.Family)?.DefaultFraming(endpoint) ?? StreamFraming.ServerSentEvents;
    }

    /// <summary>Feeds the next bytes of the body.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        if (_completed)
        {
            return;
        }

        if (_sse is not null)
        {
            _sse.Feed(data);
        }
        else if (_array is not null)
        {
            _array.Feed(data);
        }
        else
        {
            _eventStream!.Feed(data);
        }
    }

    /// <summary>Ends the body and writes what the stream said onto the event.</summary>
    public void Complete(ZespanEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (_completed)
        {
            return;
        }

        _completed = true;
        _sse?.Complete();
        _array?.Complete();
        if ((_sse?.DroppedLines ?? 0) > 0 || (_sse?.DroppedEvents ?? 0) > 0 || (_array?.DroppedElements ?? 0) > 0
            || (_eventStream?.DroppedMessages ?? 0) > 0)
        {
            // A framing bound dropped part of the stream: the event says it is incomplete.
            _context.MarkTruncated();
        }

        if (_eventStream is not null)
        {
            _eventStream.Complete();
            if (_eventStream.Problem is { } problem)
            {
                EventFields.SetMetadata(evt, "stream_error", problem);
            }

            if (_eventStream.CrcErrors > 0)
            {
                EventFields.SetMetadata(evt, "stream_crc_errors", JsonValue.Create(_eventStream.CrcErrors));
            }
        }

        _accumulator?.Complete(evt);
        _events?.Complete(evt);
    }

    public void Dispose()
    {
        _sse?.Dispose();
        _array?.Dispose();
        _eventStream?.Dispose();
    }
}

/// <summary>How a streamed body is framed.</summary>
internal enum StreamFraming
{
    /// <summary><c>text/event-stream</c>.</summary>
    ServerSentEvents,

    /// <summary>A JSON array streamed element by element (Gemini without <c>alt=sse</c>).</summary>
    JsonArray,

    /// <summary>The AWS binary event stream (<c>application/vnd.amazon.eventstream</c>).</summary>
    EventStream,
}
