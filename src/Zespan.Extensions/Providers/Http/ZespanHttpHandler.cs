using System.Diagnostics;
using System.Net.Http.Headers;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// The Zespan <see cref="DelegatingHandler"/>: traces LLM calls of one provider (or of any known provider
/// host, in <c>InstrumentAllHttpClients</c> mode), applies model overrides and guardrails. It sits outermost
/// in the client's pipeline, so a user's retry handler does not repeat events or checks. Transient and
/// stateless: settings are read per request through the options monitor.
/// </summary>
/// <remarks>
/// On the caller's path it only copies bytes (the request body up to <see cref="ZespanOptions.MaxEventBytes"/>
/// as the transport sends it, through a <see cref="RequestBodyTee"/>, and the response as it passes through a tee);
/// parsing into the event happens on the export thread. The exceptions are the features that must act before
/// sending or returning: a model override reads the body's <c>model</c>, guardrails parse the prompt or completion
/// they check, and <see cref="ZespanInstrumentationOptions.IncludeStreamUsage"/> rewrites a stream request; then the
/// body is read (buffered) before the send, as it must be.
/// </remarks>
internal sealed class ZespanHttpHandler : DelegatingHandler
{
    private readonly ZespanHandlerServices _services;
    private readonly ZespanProvider? _provider;
    private readonly ZespanInstrumentationOptions? _client;

    /// <param name="services">The shared singletons.</param>
    /// <param name="provider">The provider whose wire format the client speaks; null to detect it from the host.</param>
    /// <param name="client">The client's own options (guardrails, provider label).</param>
    public ZespanHttpHandler(ZespanHandlerServices services, ZespanProvider? provider, ZespanInstrumentationOptions? client)
    {
        _services = services;
        _provider = provider;
        _client = client;
    }

    /// <summary>Gets the provider this handler is registered for, or null in detection mode.</summary>
    internal ZespanProvider? Provider => _provider;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!TryGetEndpoint(request, out var endpoint, out var options, out var label))
        {
            return base.SendAsync(request, cancellationToken);
        }

        return SendCoreAsync(request, endpoint, options, label, async: true, cancellationToken).AsTask();
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!TryGetEndpoint(request, out var endpoint, out var options, out var label))
        {
            return base.Send(request, cancellationToken);
        }

        var previous = ZespanCallContext.Current;
        try
        {
            // async: false runs every step synchronously, so the ValueTask has completed here: no sync-over-async.
            var pending = SendCoreAsync(request, endpoint, options, label, async: false, cancellationToken);
            Debug.Assert(pending.IsCompleted, "The synchronous path must complete synchronously.");
            return pending.GetAwaiter().GetResult();
        }
        finally
        {
            ZespanCallContext.Current = previous;
        }
    }

    private bool TryGetEndpoint(HttpRequestMessage request, out LlmEndpoint endpoint, out ZespanOptions options, out string? label)
    {
        endpoint = default;
        options = null!;
        label = null;
        var uri = request.RequestUri;
        if (uri is null)
        {
            return false;
        }

        // The host first: most requests of an app (InstrumentAllHttpClients) go to hosts that are no LLM
        // provider, and detection alone answers them, before the async-local call context is read.
        var detected = ProviderDetector.Detect(uri, _services.Endpoints);
        var provider = _provider ?? detected?.Provider;
        if (provider is null)
        {
            return false;
        }

        var call = ZespanCallContext.Current;
        if (call is not null && !call.IsMiddleware)
        {
            // An outer Zespan handler already instruments this call.
            return false;
        }

        options = _services.Options.CurrentValue;
        if (!options.Enabled)
        {
            return false;
        }

        // The host's vendor name (a configured ProviderName, deepseek, xai, ...) when it speaks this wire format.
        label = !string.IsNullOrWhiteSpace(_client?.ProviderName) ? _client.ProviderName
            : detected is { } found && found.Provider == provider ? found.Label
            : null;
        endpoint = LlmEndpoint.Detect(provider.Value, uri);
        return endpoint.IsKnown;
    }

    private async ValueTask<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, LlmEndpoint endpoint, ZespanOptions options, string? label, bool async, CancellationToken cancellationToken)
    {
        var services = _services;
        var call = ZespanCallContext.Current;
        var middlewareEvent = call?.MiddlewareEvent;
        ZespanCallContext.Current = ZespanCallContext.HttpHandler;
        var providerWire = string.IsNullOrWhiteSpace(label) ? ProviderNames.ToWireName(endpoint.Provider) : label!;
        var guard = ResolveGuardrails(options, endpoint.Provider, label);
        if (call is not null && guard is { } resolved)
        {
            // Under the IChatClient middleware: the phases it checks itself are not checked twice.
            var checkPre = resolved.Pre && !call.PreChecked;
            var checkPost = resolved.Post && !call.PostChecked;
            guard = checkPre || checkPost ? (checkPre, checkPost, resolved.FailClosed) : null;
        }

        // 1. Model override: the request's model is rewritten before anything else sees it.
        string? requestedModel = null;
        string? overriddenModel = null;
        var body = new RequestBody();
        if (options.ModelOverrides.Count > 0)
        {
            var result = ModelOverrideRewriter.Apply(request, endpoint, await body.GetAsync(request, async, cancellationToken).ConfigureAwait(false), options.ModelOverrides, label);
            if (result.Applied)
            {
                body.Reset();
                requestedModel = result.RequestedModel;
                overriddenModel = result.SentModel;
                endpoint = LlmEndpoint.Detect(endpoint.Provider, request.RequestUri!);
            }
            else if (result.Skip != ModelOverrideSkip.None)
            {
                services.OverrideSkipped(result.Skip, result.RequestedModel);
            }
        }

        if (_client?.IncludeStreamUsage == true && StreamUsageRewriter.AppliesTo(endpoint)
            && StreamUsageRewriter.Apply(request, endpoint, await body.GetAsync(request, async, cancellationToken).ConfigureAwait(false)))
        {
            body.Reset(); // IncludeStreamUsage: the stream is asked for its usage (see StreamUsageRewriter)
        }

        // 2. The event (null when tracing is off or the trace is sampled out; the call still goes through).
        ZespanEvent? evt = null;
        if (call is null)
        {
            if (services.Tracer.TryStartEvent(LogTypes.Generation, providerWire, out evt))
            {
                // The version whose rules this call was sent under (the override above read the same snapshot).
                evt.ConfigVersion = options.RemoteConfigVersion;
            }
        }

        if (evt is not null && ZespanDiagnostics.ActivitySource.HasListeners())
        {
            // One id for both views of the call: the Zespan event takes the activity's span id.
            ZespanActivities.Start(evt, ActivityKind.Client);
        }

        var capture = evt is not null || middlewareEvent is not null;
        var context = new ParseContext(options.StorePrompts, options.MaxEventBytes);
        CaptureBuffer? requestCapture = null;
        RequestBodyTee? requestTee = null;
        try
        {
            // With StorePrompts off no message text is captured at all: the request body is not copied.
            if (capture && options.StorePrompts)
            {
                // Nothing reads the body before it is sent: it is copied as it goes out, not buffered first.
                requestTee = guard is null && !body.WasRead ? RequestBodyTee.TryWrap(request, options.MaxEventBytes) : null;
                if (requestTee is null)
                {
                    requestCapture = async
                        ? await RequestBodyCapture.CaptureAsync(request, options.MaxEventBytes, cancellationToken).ConfigureAwait(false)
                        : RequestBodyCapture.Capture(request, options.MaxEventBytes, cancellationToken);
                }
            }
            else if (evt is not null)
            {
                evt.Model = await ReadModelAsync(request, endpoint, body, async, cancellationToken).ConfigureAwait(false);
            }

            // 3. Pre-check of the prompt: when blocked, the provider receives nothing.
            if (guard is { Pre: true } pre
                && await PreCheckAsync(request, endpoint, pre, providerWire, evt, body, async, cancellationToken).ConfigureAwait(false)
                && requestCapture is not null)
            {
                // A redact verdict rewrote the prompt: record what was sent, never the text the policy removed.
                requestCapture.Dispose();
                requestCapture = async
                    ? await RequestBodyCapture.CaptureAsync(request, options.MaxEventBytes, cancellationToken).ConfigureAwait(false)
                    : RequestBodyCapture.Capture(request, options.MaxEventBytes, cancellationToken);
            }
        }
        catch (GuardrailBlockedException blocked) when (evt is not null)
        {
            // No request was sent: the generation is recorded with the block as its error and no status.
            var notSent = ExchangeTemplate.ForRequest(endpoint, context, label, requestCapture, requestedModel, overriddenModel, startTimestamp: 0).Build(services.TimeProvider, null, null, null);
            ExchangeCapture.Finish(services, evt, null, notSent, blocked);
            throw;
        }
        catch
        {
            requestTee?.Restore(request);
            requestCapture?.Dispose();
            ExchangeCapture.Abandon(evt);
            throw;
        }

        // 4. Send (a tee in place of the content copies the body as it goes out; the request gets its content back).
        var startTimestamp = services.TimeProvider.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = async
                ? await base.SendAsync(request, cancellationToken).ConfigureAwait(false)
                : base.Send(request, cancellationToken);
        }
        catch (Exception ex)
        {
            if (requestTee is not null)
            {
                requestTee.Restore(request);
                if (!requestTee.Started)
                {
                    // The body never went out (no connection, canceled before sending): read it now, as before a send.
                    requestCapture = await RequestBodyCapture.TryCaptureUnsentAsync(requestTee.Inner, options.MaxEventBytes, async, cancellationToken).ConfigureAwait(false);
                    requestTee.TakeCapture()?.Dispose(); // closed: nothing it sees later is kept
                }
            }

            var failed = ExchangeTemplate.ForRequest(endpoint, context, label, requestCapture, requestedModel, overriddenModel, startTimestamp, requestTee).Build(services.TimeProvider, null, null, ex);
            ExchangeCapture.Finish(services, evt, call, failed, ex);
            throw;
        }

        requestTee?.Restore(request);

        // 5. Post-check of the completion before the caller gets it (a stream is held back until it passes).
        var postState = new PostCheckState();
        if (guard is { Post: true } post && response.IsSuccessStatusCode && response.Content is not null)
        {
            try
            {
                await PostCheckAsync(response, endpoint, post, providerWire, request, evt, postState, body, async, cancellationToken).ConfigureAwait(false);
            }
            catch (GuardrailBlockedException blocked) when (evt is not null)
            {
                // The model answered (and was paid for): record its usage with the block, withhold the text.
                var withheldTemplate = ExchangeTemplate.ForRequest(endpoint, context, label, requestCapture, requestedModel, overriddenModel, startTimestamp).WithResponse(response);
                response.Dispose();
                IResponseCaptureSink? withheldSink = null;
                if (postState.Body is { } seen)
                {
                    withheldSink = withheldTemplate.CreateSink(options.MaxEventBytes);
                    withheldSink.Append(seen);
                }

                var withheld = withheldTemplate.Build(services.TimeProvider, withheldSink, null, null);
                ExchangeCapture.Finish(services, evt, null, withheld, blocked);
                throw;
            }
            catch
            {
                requestCapture?.Dispose();
                ExchangeCapture.Abandon(evt);
                response.Dispose();
                throw;
            }
        }

        // 6. Capture the response as it passes to the caller.
        if (capture)
        {
            var exchange = ExchangeTemplate.ForRequest(endpoint, context, label, requestCapture, requestedModel, overriddenModel, startTimestamp, requestTee).WithResponse(response);
            ExchangeCapture.CaptureResponse(services, response, exchange, evt, call, options.MaxEventBytes);
        }

        return response;
    }

    private (bool Pre, bool Post, bool FailClosed)? ResolveGuardrails(ZespanOptions options, ZespanProvider provider, string? label) =>
        // The client's own options win; then the first rule (local, then remote) for its provider or "*".
        GuardrailCheckRunner.Resolve(_client?.Guardrails, options.GuardrailRules, ProviderNames.ToWireName(provider), label, _client?.AllowRemoteGuardrails ?? true);

    /// <returns>True when a redact verdict rewrote the request body.</returns>
    private async ValueTask<bool> PreCheckAsync(HttpRequestMessage request, LlmEndpoint endpoint, (bool Pre, bool Post, bool FailClosed) guard, string provider, ZespanEvent? evt, RequestBody requestBody, bool async, CancellationToken cancellationToken)
    {
        var body = await requestBody.GetAsync(request, async, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return false;
        }

        var scratch = ReadExchange(endpoint, body, response: null, statusCode: 0, contentType: null);
        var check = new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Pre,
            Provider = provider,
            Model = scratch.Model,
            TraceId = evt?.TraceId.ToHexString(),
            SpanId = evt?.SpanId.ToHexString(),
            Messages = scratch.PromptMessages ?? [],
        };
        var verdict = await CheckAsync(check, guard.FailClosed, evt, async, cancellationToken).ConfigureAwait(false);
        if (verdict is null)
        {
            return false;
        }

        if (verdict.Blocked)
        {
            throw new GuardrailBlockedException(GuardrailPhase.Pre, verdict.Results);
        }

        if (verdict.ModifiedText is { } text)
        {
            byte[]? rewritten;
            try
            {
                rewritten = GuardrailBodyRewriter.ReplaceLastUserMessage(body, endpoint.Family, text);
            }
            catch (GuardrailUnavailableException failed)
            {
                // Applying the verdict failed: a failed check, so FailClosed decides (open: sent as it is).
                GuardrailCheckRunner.FailOpenOrBlock(GuardrailPhase.Pre, guard.FailClosed, _services.Logger, failed);
                return false;
            }

            if (rewritten is null)
            {
                // The verdict cannot be applied to this body: blocking is the only safe choice.
                throw new GuardrailBlockedException(GuardrailPhase.Pre, verdict.Results);
            }

            request.Content = CopyHeaders(new ByteArrayContent(rewritten), request.Content);
            requestBody.Set(rewritten);
            return true;
        }

        return false;
    }

    private async ValueTask PostCheckAsync(HttpResponseMessage response, LlmEndpoint endpoint, (bool Pre, bool Post, bool FailClosed) guard, string provider, HttpRequestMessage request, ZespanEvent? evt, PostCheckState state, RequestBody body, bool async, CancellationToken cancellationToken)
    {
        var original = response.Content!;
        var held = async
            ? await HeldBackContent.ReadAsync(original, GuardrailCheckRunner.MaxHeldBytes, cancellationToken).ConfigureAwait(false)
            : HeldBackContent.Read(original, GuardrailCheckRunner.MaxHeldBytes, cancellationToken);
        var bytes = held.Head;
        state.Body = bytes;
        if (held.Rest is not null)
        {
            // Too large to hold back: the check fails and FailClosed decides. Open, the caller gets what was read and
            // then the rest as it arrives, unchecked.
            response.Content = new HeldBackContent(bytes, held.Rest, original);
            var notChecked = new GuardrailCheckRequest
            {
                Phase = GuardrailPhase.Post,
                Provider = provider,
                Model = await ReadModelAsync(request, endpoint, body, async, cancellationToken).ConfigureAwait(false),
                TraceId = evt?.TraceId.ToHexString(),
                SpanId = evt?.SpanId.ToHexString(),
            };
            var failed = GuardrailCheckRunner.Failed(_services.Tracer, _services.Logger, notChecked, guard.FailClosed, evt, GuardrailCheckRunner.HeldBackTooLarge);
            if (failed is not null)
            {
                throw new GuardrailBlockedException(GuardrailPhase.Post, failed.Results);
            }

            return;
        }

        var contentType = original.Headers.ContentType?.MediaType;
        var isStream = ProviderExchange.IsStreamResponse(endpoint, (int)response.StatusCode, contentType);
        var requestBody = await body.GetAsync(request, async, cancellationToken).ConfigureAwait(false);
        var scratch = ReadExchange(endpoint, requestBody, bytes, (int)response.StatusCode, contentType);
        var check = new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Post,
            Provider = provider,
            Model = scratch.Model,
            TraceId = evt?.TraceId.ToHexString(),
            SpanId = evt?.SpanId.ToHexString(),
            Messages = scratch.PromptMessages ?? [],
            Completion = scratch.CompletionMessage,
        };
        var verdict = await CheckAsync(check, guard.FailClosed, evt, async, cancellationToken).ConfigureAwait(false);
        if (verdict is not null && verdict.Blocked)
        {
            throw new GuardrailBlockedException(GuardrailPhase.Post, verdict.Results);
        }

        if (verdict?.ModifiedText is { } text)
        {
            // A stream already promised to the caller cannot be rewritten in place: a redact on a stream blocks.
            byte[]? rewritten;
            try
            {
                rewritten = isStream ? null : GuardrailBodyRewriter.ReplaceCompletion(bytes, endpoint.Family, text);
            }
            catch (GuardrailUnavailableException failed)
            {
                // Applying the verdict failed: a failed check, so FailClosed decides (open: the answer as it came).
                GuardrailCheckRunner.FailOpenOrBlock(GuardrailPhase.Post, guard.FailClosed, _services.Logger, failed);
                rewritten = bytes;
            }

            if (rewritten is null)
            {
                throw new GuardrailBlockedException(GuardrailPhase.Post, verdict.Results);
            }

            bytes = rewritten;
        }

        response.Content = CopyHeaders(new ByteArrayContent(bytes), original);
        original.Dispose();
    }

    /// <summary>Runs a check and records it as a <c>guardrail</c> event; null when the check failed open.</summary>
    private ValueTask<GuardrailCheckResult?> CheckAsync(GuardrailCheckRequest check, bool failClosed, ZespanEvent? evt, bool async, CancellationToken cancellationToken) =>
        GuardrailCheckRunner.CheckAsync(_services.Guardrails, _services.Tracer, _services.Logger, check, failClosed, evt, async, cancellationToken);

    /// <summary>Parses a request (and optionally a response) into a scratch event, with text (guardrails send what they check).</summary>
    private static ZespanEvent ReadExchange(LlmEndpoint endpoint, byte[]? requestBody, byte[]? response, int statusCode, string? contentType)
    {
        var scratch = new ZespanEvent();
        var context = new ParseContext(storePrompts: true, maxTextBytes: int.MaxValue);
        CaptureBuffer? request = null;
        if (requestBody is not null)
        {
            request = new CaptureBuffer(requestBody.Length, tailBytes: 0);
            request.Append(requestBody);
        }

        CaptureBuffer? responseBuffer = null;
        StreamCaptureSink? stream = null;
        if (response is not null)
        {
            if (ProviderExchange.IsStreamResponse(endpoint, statusCode, contentType) && ProviderStreamParser.Create(endpoint, contentType, context) is { } parser)
            {
                stream = new StreamCaptureSink(parser, response.Length);
                stream.Append(response);
            }
            else
            {
                responseBuffer = new CaptureBuffer(response.Length, tailBytes: 0);
                responseBuffer.Append(response);
            }
        }

        using var exchange = new ProviderExchange
        {
            Endpoint = endpoint,
            Context = context,
            Request = request,
            Response = responseBuffer,
            Stream = stream,
            StatusCode = statusCode,
        };
        ProviderEventBuilder.Fill(scratch, exchange, prices: null);
        return scratch;
    }

    private static async ValueTask<string?> ReadModelAsync(HttpRequestMessage request, LlmEndpoint endpoint, RequestBody requestBody, bool async, CancellationToken cancellationToken)
    {
        if (endpoint.PathModel is not null || request.Content is null)
        {
            return endpoint.PathModel;
        }

        var body = await requestBody.GetAsync(request, async, cancellationToken).ConfigureAwait(false);
        return body is not null && ModelOverrideRewriter.TryFindModel(body, out var location) ? location.Value : null;
    }

    private static ByteArrayContent CopyHeaders(ByteArrayContent target, HttpContent? source)
    {
        if (source is not null)
        {
            foreach (var header in source.Headers)
            {
                if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    target.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
            }
        }

        target.Headers.ContentType ??= new MediaTypeHeaderValue("application/json");
        return target;
    }

    /// <summary>The whole request body, read at most once per call by the features that need it (overrides, guardrails).</summary>
    private sealed class RequestBody
    {
        private byte[]? _bytes;
        private bool _read;

        /// <summary>Gets a value indicating whether a feature read the body before the send (it is then held in memory).</summary>
        public bool WasRead { get; private set; }

        public async ValueTask<byte[]?> GetAsync(HttpRequestMessage request, bool async, CancellationToken cancellationToken)
        {
            if (!_read)
            {
                WasRead = true;
                _bytes = async
                    ? await RequestBodyCapture.ReadAllAsync(request, cancellationToken).ConfigureAwait(false)
                    : RequestBodyCapture.ReadAll(request, cancellationToken);
                _read = true;
            }

            return _bytes;
        }

        /// <summary>The body was replaced (an override rewrote it): read it again when next asked.</summary>
        public void Reset()
        {
            _bytes = null;
            _read = false;
        }

        /// <summary>The body was replaced by these bytes.</summary>
        public void Set(byte[] bytes)
        {
            _bytes = bytes;
            _read = true;
        }
    }

    /// <summary>What a post-check read, kept for the event when the check blocks.</summary>
    private sealed class PostCheckState
    {
        public byte[]? Body { get; set; }
    }
}
