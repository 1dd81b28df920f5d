namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// What is known of an LLM call being captured, before its response body has been read: the endpoint, the parse
/// rules, the copied request body, the models of an override, when it was sent and, once they arrive, the
/// response's status and headers. <see cref="Build"/> turns it and the body's capture into the
/// <see cref="ProviderExchange"/> the event lifecycle parses. Shared by the HTTP handler and process-wide capture.
/// </summary>
/// <param name="Endpoint">The endpoint (provider, operation, path model).</param>
/// <param name="Context">The parse rules, created when the call started.</param>
/// <param name="Label">The provider name written on the event when it is not the wire format's.</param>
/// <param name="Request">The copied request body, if any (owned by the exchange once built).</param>
/// <param name="StatusCode">The response status, 0 before it arrives.</param>
/// <param name="Headers">The response headers that matter.</param>
/// <param name="RequestedModel">The model the app asked for when an override changed it.</param>
/// <param name="OverriddenModel">The model the request was sent with when an override changed it.</param>
/// <param name="StartTimestamp">The <see cref="TimeProvider.GetTimestamp"/> when the request was sent (0 when it was not).</param>
internal sealed record ExchangeTemplate(
    LlmEndpoint Endpoint,
    ParseContext Context,
    string? Label,
    CaptureBuffer? Request,
    int StatusCode,
    ProviderResponseHeaders Headers,
    string? RequestedModel,
    string? OverriddenModel,
    long StartTimestamp)
{
    /// <summary>
    /// Gets the tee that copies the request body as it is sent, when it was not copied before (<see cref="Request"/> is
    /// then null): <see cref="Build"/> takes its capture, so the body is handed over once, after it went out.
    /// </summary>
    public RequestBodyTee? RequestTee { get; init; }

    /// <summary>A call about to be sent (no response yet).</summary>
    public static ExchangeTemplate ForRequest(LlmEndpoint endpoint, ParseContext context, string? label, CaptureBuffer? request, string? requestedModel, string? overriddenModel, long startTimestamp, RequestBodyTee? requestTee = null) =>
        new(endpoint, context, label, request, 0, default, requestedModel, overriddenModel, startTimestamp) { RequestTee = requestTee };

    /// <summary>The same call with its response's status and headers.</summary>
    public ExchangeTemplate WithResponse(HttpResponseMessage response) => this with
    {
        StatusCode = (int)response.StatusCode,
        Headers = ProviderResponseHeaders.From(response),
    };

    /// <summary>
    /// The capture of the response body: parsed as a stream when it is one (a long stream is parsed as it passes),
    /// else kept whole up to <paramref name="limit"/> bytes (with its tail, where usage lives).
    /// </summary>
    /// <remarks>
    /// A body that arrives compressed (see <see cref="CompressedCaptureSink"/>) is kept compressed and inflated into
    /// this capture on the export thread; one in a coding Zespan cannot inflate is not kept.
    /// </remarks>
    public IResponseCaptureSink CreateSink(int limit)
    {
        var coding = CompressedCaptureSink.CodingOf(Headers.ContentEncoding);
        if (coding == CompressedCaptureSink.ContentCoding.Unsupported)
        {
            return new CaptureBuffer(0);
        }

        IResponseCaptureSink sink = ProviderExchange.IsStreamResponse(Endpoint, StatusCode, Headers.ContentType)
            && ProviderStreamParser.Create(Endpoint, Headers.ContentType, Context) is { } parser
                ? new StreamCaptureSink(parser, limit)
                : new CaptureBuffer(limit);
        return coding == CompressedCaptureSink.ContentCoding.None ? sink : new CompressedCaptureSink(sink, coding, limit);
    }

    /// <summary>The exchange of the call, with what the body's capture saw (call once: it takes the request tee's capture).</summary>
    public ProviderExchange Build(TimeProvider time, IResponseCaptureSink? sink, in CaptureCompletion? completion, Exception? exception) => new()
    {
        Endpoint = Endpoint,
        Context = Context,
        ProviderLabel = Label,
        Request = Request ?? RequestTee?.TakeCapture(),
        StatusCode = StatusCode,
        ResponseHeaders = Headers,
        Response = (sink is CompressedCaptureSink compressed ? compressed.Inner : sink) as CaptureBuffer,
        Stream = (sink is CompressedCaptureSink packed ? packed.Inner : sink) as StreamCaptureSink,
        Compressed = sink as CompressedCaptureSink,
        RequestedModel = RequestedModel,
        OverriddenModel = OverriddenModel,
        StartTimestamp = StartTimestamp,
        FirstByteTimestamp = completion?.FirstByteTimestamp,
        TimeProvider = time,
        Outcome = completion?.Outcome,
        BytesRead = completion?.BytesRead ?? 0,
        Exception = exception ?? completion?.Exception,
    };
}
