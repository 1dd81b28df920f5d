using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Everything the handler captured about one LLM call: the event lifecycle's parse step turns it into the
/// event's fields with <see cref="ProviderEventBuilder"/>. It owns the pooled capture buffers; dispose it after the build.
/// </summary>
internal sealed class ProviderExchange : IEventCapture
{
    /// <summary>Gets the endpoint (provider, operation, path model).</summary>
    public required LlmEndpoint Endpoint { get; init; }

    /// <summary>Gets the parse rules, created when the call started (a long stream is parsed while it passes).</summary>
    public required ParseContext Context { get; init; }

    /// <summary>Gets the custom provider label of the client (<see cref="ZespanInstrumentationOptions.ProviderName"/>).</summary>
    public string? ProviderLabel { get; init; }

    /// <summary>Gets the captured request body.</summary>
    public CaptureBuffer? Request { get; init; }

    /// <summary>Gets the HTTP status code, or 0 when no response arrived.</summary>
    public int StatusCode { get; init; }

    /// <summary>Gets the response headers that matter.</summary>
    public ProviderResponseHeaders ResponseHeaders { get; init; }

    /// <summary>Gets the captured body of a response that is not a stream.</summary>
    public CaptureBuffer? Response { get; init; }

    /// <summary>Gets the capture of a streamed response.</summary>
    public StreamCaptureSink? Stream { get; init; }

    /// <summary>Gets the compressed body, when the response reached the tee compressed: inflated into <see cref="Response"/> or <see cref="Stream"/> by <see cref="DecodeBody"/>.</summary>
    public CompressedCaptureSink? Compressed { get; init; }

    /// <summary>Gets the model the app asked for when a model override changed it.</summary>
    public string? RequestedModel { get; init; }

    /// <summary>Gets the model the request went out with when a model override changed it.</summary>
    public string? OverriddenModel { get; init; }

    /// <summary>Gets the <see cref="TimeProvider.GetTimestamp"/> when the request was sent.</summary>
    public long StartTimestamp { get; init; }

    /// <summary>Gets the timestamp of the first response byte, if any arrived.</summary>
    public long? FirstByteTimestamp { get; init; }

    /// <summary>Gets the time provider the timestamps come from.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Gets how the response body's capture ended.</summary>
    public CaptureOutcome? Outcome { get; init; }

    /// <summary>Gets the number of response bytes the caller read.</summary>
    public long BytesRead { get; init; }

    /// <summary>Gets the failure of the call when no response (or no complete body) arrived.</summary>
    public Exception? Exception { get; init; }

    /// <summary>Whether a response should be captured as a stream: a successful response framed as a stream.</summary>
    public static bool IsStreamResponse(LlmEndpoint endpoint, int statusCode, string? contentType)
    {
        if (statusCode is < 200 or >= 300)
        {
            return false;
        }

        if (contentType is not null
            && (contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase)
                || contentType.StartsWith("application/vnd.amazon.eventstream", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        return WireFormats.For(endpoint.Family)?.StreamsByPath(endpoint) ?? false;
    }

    /// <inheritdoc/>
    public long HeldBytes => (Request?.HeldBytes ?? 0) + (Response?.HeldBytes ?? 0) + (Stream?.HeldBytes ?? 0) + (Compressed?.HeldBytes ?? 0);

    /// <inheritdoc/>
    public void Fill(ZespanEvent item) => ProviderEventBuilder.Parse(item, this);

    /// <summary>Inflates a body that arrived compressed into its capture (once, before parsing; on the export thread).</summary>
    public void DecodeBody() => Compressed?.Decode(Context);

    public void Dispose()
    {
        Request?.Dispose();
        Response?.Dispose();
        Stream?.Dispose();
        Compressed?.Dispose();
    }
}
