using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.AI.Internal;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.AI;

/// <summary>
/// An <see cref="IChatClient"/> middleware that records every call of the client it wraps as a Zespan
/// <c>generation</c> event (streaming too) and applies Zespan guardrails: the <see cref="IChatClient"/>
/// counterpart of the provider HTTP handlers. Created with
/// <see cref="ZespanChatClientExtensions.WithZespan(IChatClient, IServiceProvider)"/>.
/// </summary>
/// <remarks>
/// <para>
/// The event takes its trace from the current Zespan span (or the ambient <see cref="Activity"/>), its user,
/// session and tags from the current context scope; redaction and export filters apply on export, as for
/// every event. Under an HTTP client instrumented by Zespan, the HTTP layer adds what only it sees (the status
/// code, the provider's raw usage as <c>metadata.usage</c>, a model override) to this event instead of
/// recording its own: one logical call gives one event.
/// </para>
/// <para>
/// Telemetry never fails a call: a failure to record is logged (category <c>Zespan</c>) and the call goes on.
/// The exceptions the caller sees are the inner client's, unchanged, and
/// <see cref="GuardrailBlockedException"/> when a guardrail blocks. Thread-safe: one instance serves
/// concurrent calls.
/// </para>
/// </remarks>
public sealed partial class ZespanChatClient : DelegatingChatClient
{
    private readonly IServiceProvider _services;
    private readonly ZespanTracer _tracer;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly GuardrailOptions? _guardrails;
    private readonly string? _label;
    private readonly string? _provider;
    private readonly string? _defaultModelId;
    private readonly string _eventName;
    private GuardrailClient? _guardrailClient;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="innerClient">The client to wrap.</param>
    /// <param name="services">The service provider <c>services.AddZespan(...)</c> was called on.</param>
    /// <param name="options">This client's options (copied); null for the defaults.</param>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was never called on <paramref name="services"/>.</exception>
    public ZespanChatClient(IChatClient innerClient, IServiceProvider services, ZespanChatClientOptions? options = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        _tracer = services.GetService<ZespanTracer>()
            ?? throw new InvalidOperationException(
                "Zespan is not registered in this service provider: call services.AddZespan(...) (package Zespan.Extensions) before WithZespan, and pass the service provider built from those services.");
        _options = services.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("Zespan") ?? NullLogger.Instance;
        if (options?.Guardrails is { } guardrails)
        {
            _guardrails = new GuardrailOptions { Pre = guardrails.Pre, Post = guardrails.Post, FailClosed = guardrails.FailClosed };
        }

        _label = string.IsNullOrWhiteSpace(options?.ProviderName) ? null : options!.ProviderName!.Trim();
        var metadata = GetMetadata(innerClient);
        _provider = ChatProviderNames.ToZespanName(metadata?.ProviderName);
        _defaultModelId = metadata?.DefaultModelId;
        var provider = _label ?? _provider;
        _eventName = provider is null ? "chat" : provider + ".chat";
    }

    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return IsActive(out var zespan)
            ? GetResponseCoreAsync(messages, options, zespan, cancellationToken)
            : base.GetResponseAsync(messages, options, cancellationToken);
    }

    /// <inheritdoc/>
    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return IsActive(out var zespan)
            ? GetStreamingResponseCoreAsync(messages, options, zespan, cancellationToken)
            : base.GetStreamingResponseAsync(messages, options, cancellationToken);
    }

    private GuardrailClient Guardrails => _guardrailClient ??= _services.GetRequiredService<GuardrailClient>();

    private ChatClientMetadata? GetMetadata(IChatClient inner)
    {
        try
        {
            return inner.GetService<ChatClientMetadata>();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
            return null;
        }
    }

    /// <summary>
    /// False when the call passes straight through: Zespan disabled, or another Zespan middleware further out
    /// already owns this call (a client wrapped twice).
    /// </summary>
    private bool IsActive(out ZespanOptions options)
    {
        options = _options.CurrentValue;
        return options.Enabled && ZespanCallContext.Current is not { IsMiddleware: true };
    }

    private async Task<ChatResponse> GetResponseCoreAsync(IEnumerable<ChatMessage> messages, ChatOptions? options, ZespanOptions zespan, CancellationToken cancellationToken)
    {
        var call = Begin(messages, options, zespan, stream: false);
        ChatResponse? response = null;
        try
        {
            await PreCheckAsync(call, cancellationToken).ConfigureAwait(false);

            var previous = ZespanCallContext.Current;
            ZespanCallContext.Current = call.Context;
            try
            {
                response = await base.GetResponseAsync(call.Messages, options, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ZespanCallContext.Current = previous;
            }

            call.Response = response;
            await PostCheckAsync(call, response, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch (Exception ex)
        {
            call.Error = ex;
            throw;
        }
        finally
        {
            Finish(call, accumulator: null);
        }
    }

    private async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseCoreAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        ZespanOptions zespan,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var call = Begin(messages, options, zespan, stream: true);
        var holdBack = call.Guard is { Post: true };
        var accumulator = new StreamAccumulator(captureText: (call.Event is not null && call.StorePrompts) || holdBack);
        List<ChatResponseUpdate>? held = holdBack ? [] : null;
        var firstContent = -1;
        try
        {
            IAsyncEnumerator<ChatResponseUpdate>? updates = null;
            var previous = ZespanCallContext.Current;
            try
            {
                try
                {
                    await PreCheckAsync(call, cancellationToken).ConfigureAwait(false);
                    ZespanCallContext.Current = call.Context;
                    updates = base.GetStreamingResponseAsync(call.Messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
                }
                catch (Exception ex)
                {
                    call.Error = ex;
                    throw;
                }

                while (true)
                {
                    ChatResponseUpdate update;
                    try
                    {
                        // Each MoveNextAsync of this iterator starts in the caller's execution context (the
                        // change below never flows back to it), so the call context is set again per step.
                        ZespanCallContext.Current = call.Context;
                        if (!await updates.MoveNextAsync().ConfigureAwait(false))
                        {
                            break;
                        }

                        update = updates.Current;
                    }
                    catch (Exception ex)
                    {
                        call.Error = ex;
                        throw;
                    }

                    var hasContent = Observe(accumulator, update);
                    if (held is not null)
                    {
                        if (hasContent && firstContent < 0)
                        {
                            firstContent = held.Count;
                        }

                        held.Add(update);
                        continue;
                    }

                    if (hasContent)
                    {
                        MarkFirstToken(call);
                    }

                    yield return update;
                }
            }
            finally
            {
                if (updates is not null)
                {
                    // Disposed before the event is completed, so an instrumented HttpClient underneath has enriched it.
                    try
                    {
                        ZespanCallContext.Current = call.Context;
                        await updates.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex)
                    {
                        call.Error ??= ex;
                        throw;
                    }
                    finally
                    {
                        ZespanCallContext.Current = previous;
                    }
                }
            }

            if (held is not null)
            {
                try
                {
                    await PostCheckStreamAsync(call, accumulator, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    call.Error = ex;
                    throw;
                }

                for (var i = 0; i < held.Count; i++)
                {
                    if (i == firstContent)
                    {
                        MarkFirstToken(call);
                    }

                    yield return held[i];
                }
            }

            call.Delivered = true;
        }
        finally
        {
            Finish(call, accumulator);
        }
    }

    /// <summary>Starts the call: its event (when recorded), its guardrail plan, the prompt in text form when needed.</summary>
    private ChatCall Begin(IEnumerable<ChatMessage> messages, ChatOptions? options, ZespanOptions zespan, bool stream)
    {
        var provider = _label ?? _provider;
        var call = new ChatCall
        {
            Messages = messages,
            Provider = provider,
            Model = options?.ModelId ?? _defaultModelId,
            StorePrompts = zespan.StorePrompts,
            Stream = stream,
            ModelPrices = zespan.ModelPrices,
            Guard = GuardrailCheckRunner.Resolve(_guardrails, zespan.GuardrailRules, _provider, _label),
        };

        // The messages are read once, before the event starts (an enumerable that throws loses no event).
        IList<ChatMessage>? list = null;
        if ((call.StorePrompts && _tracer.Settings.Recording) || call.Guard is not null)
        {
            list = messages as IList<ChatMessage> ?? [.. messages];
            call.Messages = list;
            call.List = list;
        }

        _tracer.TryStartEvent(LogTypes.Generation, _eventName, out var evt);
        call.Event = evt;
        if (list is not null && ((evt is not null && call.StorePrompts) || call.Guard is not null))
        {
            call.Prompt = TryConvert(list);
        }

        if (evt is not null)
        {
            evt.Provider = provider;
            evt.Model = call.Model;
            evt.Stream = stream;
            evt.StatusCode = 0; // "not set": the HTTP layer's status wins when it enriches this event
            if (call.StorePrompts)
            {
                evt.PromptMessages = call.Prompt;
            }

            if (ZespanDiagnostics.ActivitySource.HasListeners())
            {
                call.Activity = StartActivity(evt);
            }
        }

        call.Context = ZespanCallContext.ForMiddleware(evt, preChecked: call.Guard is { Pre: true }, postChecked: call.Guard is { Post: true });
        return call;
    }

    private LlmMessage[]? TryConvert(IList<ChatMessage> messages)
    {
        try
        {
            return ChatMessageConverter.ToPromptMessages(messages);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
            return null;
        }
    }

    private async ValueTask PreCheckAsync(ChatCall call, CancellationToken cancellationToken)
    {
        if (call.Guard is not { Pre: true } guard)
        {
            return;
        }

        var evt = call.Event;
        var check = new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Pre,
            Provider = call.Provider,
            Model = call.Model,
            TraceId = evt?.TraceId.ToHexString(),
            SpanId = evt?.SpanId.ToHexString(),
            Messages = call.Prompt ?? [],
        };
        var verdict = await GuardrailCheckRunner.CheckAsync(Guardrails, _tracer, _logger, check, guard.FailClosed, evt, async: true, cancellationToken).ConfigureAwait(false);
        if (verdict is null)
        {
            return;
        }

        if (verdict.Blocked)
        {
            throw new GuardrailBlockedException(GuardrailPhase.Pre, verdict.Results);
        }

        if (verdict.ModifiedText is { } text)
        {
            // The inner client gets a copy with the last user message redacted; the caller's list is untouched.
            var redacted = ChatMessageConverter.ReplaceLastUserText(call.List!, text)
                ?? throw new GuardrailBlockedException(GuardrailPhase.Pre, verdict.Results);
            call.Messages = redacted;
            call.List = redacted;
            call.Prompt = TryConvert(redacted);
            if (evt is not null && call.StorePrompts)
            {
                evt.PromptMessages = call.Prompt;
            }
        }
    }

    private async ValueTask PostCheckAsync(ChatCall call, ChatResponse response, CancellationToken cancellationToken)
    {
        if (call.Guard is not { Post: true } guard)
        {
            return;
        }

        var verdict = await RunPostCheckAsync(call, ChatMessageConverter.ToCompletion(response), guard.FailClosed, cancellationToken).ConfigureAwait(false);
        if (verdict is null)
        {
            return;
        }

        if (verdict.Blocked)
        {
            throw new GuardrailBlockedException(GuardrailPhase.Post, verdict.Results);
        }

        if (verdict.ModifiedText is { } text && !ChatMessageConverter.ReplaceCompletionText(response, text))
        {
            // The verdict cannot be applied (no completion text): blocking is the only safe choice.
            throw new GuardrailBlockedException(GuardrailPhase.Post, verdict.Results);
        }
    }

    private async ValueTask PostCheckStreamAsync(ChatCall call, StreamAccumulator accumulator, CancellationToken cancellationToken)
    {
        var verdict = await RunPostCheckAsync(call, accumulator.ToCompletion(), call.Guard!.Value.FailClosed, cancellationToken).ConfigureAwait(false);

        // A stream cannot be rewritten once promised to the caller: a redact verdict on a stream blocks.
        if (verdict is not null && (verdict.Blocked || verdict.ModifiedText is not null))
        {
            throw new GuardrailBlockedException(GuardrailPhase.Post, verdict.Results);
        }
    }

    private ValueTask<GuardrailCheckResult?> RunPostCheckAsync(ChatCall call, LlmMessage? completion, bool failClosed, CancellationToken cancellationToken)
    {
        var evt = call.Event;
        var check = new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Post,
            Provider = call.Provider,
            Model = call.Model,
            TraceId = evt?.TraceId.ToHexString(),
            SpanId = evt?.SpanId.ToHexString(),
            Messages = call.Prompt ?? [],
            Completion = completion,
        };
        return GuardrailCheckRunner.CheckAsync(Guardrails, _tracer, _logger, check, failClosed, evt, async: true, cancellationToken);
    }

    private bool Observe(StreamAccumulator accumulator, ChatResponseUpdate update)
    {
        try
        {
            return accumulator.Add(update);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
            return false;
        }
    }

    private void MarkFirstToken(ChatCall call)
    {
        if (call.Event is { } evt && call.TimeToFirstToken is null)
        {
            call.TimeToFirstToken = _tracer.GetElapsed(evt).TotalSeconds;
        }
    }

    private static Activity? StartActivity(ZespanEvent evt)
    {
        var parent = new ActivityContext(evt.TraceId, evt.ParentSpanId ?? default, ActivityTraceFlags.Recorded);
        var activity = ZespanDiagnostics.ActivitySource.StartActivity(ActivityKind.Client, parent, name: "chat");
        if (activity is not null)
        {
            // One id for both views of the call: the Zespan event takes the activity's span id.
            evt.SpanId = activity.SpanId;
        }

        return activity;
    }

    /// <summary>Fills the event from what the call returned or threw, and queues it. Never throws.</summary>
    private void Finish(ChatCall call, StreamAccumulator? accumulator)
    {
        var activity = call.Activity;
        if (call.Event is not { } evt)
        {
            activity?.Dispose();
            return;
        }

        try
        {
            // The HTTP layer may write to the event too (under its lock) when it enriches it.
            lock (evt)
            {
                Fill(call, evt, accumulator);
            }

            if (activity is not null)
            {
                evt.Latency = _tracer.GetElapsed(evt).TotalSeconds;
                GenAiTelemetry.Enrich(activity, evt, call.StorePrompts);
                GenAiTelemetry.RecordMetrics(evt);
                evt.MetricsRecorded = true;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
        }
        finally
        {
            activity?.Dispose();
        }

        _tracer.Complete(evt);
    }

    private static void Fill(ChatCall call, ZespanEvent evt, StreamAccumulator? accumulator)
    {
        UsageDetails? usage;
        string? responseModel;
        ChatFinishReason? finishReason;
        LlmMessage? completion = null;
        var blocked = call.Error is GuardrailBlockedException;
        if (accumulator is not null)
        {
            usage = accumulator.Usage;
            responseModel = accumulator.ModelId;
            finishReason = accumulator.FinishReason;
            if (call.StorePrompts && !blocked)
            {
                completion = accumulator.ToCompletion();
            }

            evt.TimeToFirstToken = call.TimeToFirstToken ?? evt.TimeToFirstToken;
        }
        else
        {
            var response = call.Response;
            usage = response?.Usage;
            responseModel = response?.ModelId;
            finishReason = response?.FinishReason;
            if (response is not null && call.StorePrompts && !blocked)
            {
                completion = ChatMessageConverter.ToCompletion(response);
            }

            evt.TimeToFirstToken = null; // streaming calls only
        }

        if (!string.IsNullOrEmpty(responseModel))
        {
            evt.ResponseModel = responseModel;
        }

        evt.FinishReason = ChatMessageConverter.FinishReasonOf(finishReason) ?? evt.FinishReason;
        if (call.StorePrompts)
        {
            evt.CompletionMessage = completion;
        }
        else
        {
            evt.PromptMessages = null;
            evt.CompletionMessage = null;
        }

        if (usage is not null)
        {
            var prompt = ToInt(usage.InputTokenCount);
            var output = ToInt(usage.OutputTokenCount);
            evt.PromptTokens = prompt ?? evt.PromptTokens;
            evt.CompletionTokens = output ?? evt.CompletionTokens;
            evt.TotalTokens = ToInt(usage.TotalTokenCount)
                ?? (evt.PromptTokens is { } p && evt.CompletionTokens is { } c ? p + c : evt.TotalTokens);
            if (evt.Metadata is null || !evt.Metadata.ContainsKey("usage"))
            {
                // The provider's raw usage (from an instrumented HttpClient) wins; otherwise the abstraction's breakdown.
                evt.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                evt.Metadata["usage"] = UsageJson(usage);
            }
        }

        // Cost: the provider's or the HTTP layer's figure when there is one, else the price table.
        evt.Cost ??= ModelPriceTable.EstimateCost(evt.Model ?? evt.ResponseModel, evt.Provider, evt.PromptTokens, evt.CompletionTokens, call.ModelPrices)
            ?? (evt.ResponseModel is not null && evt.Model is not null
                ? ModelPriceTable.EstimateCost(evt.ResponseModel, evt.Provider, evt.PromptTokens, evt.CompletionTokens, call.ModelPrices)
                : null);

        if (call.Error is { } error)
        {
            evt.Error = ZespanTracer.ErrorFrom(error);
            if (blocked)
            {
                evt.StatusCode = 403;
            }
            else
            {
                evt.FinishReason ??= FinishReasons.Error;
                if (evt.StatusCode == 0)
                {
                    evt.StatusCode = 500;
                }

                if (error is OperationCanceledException && call.Stream)
                {
                    SetMetadata(evt, "capture_outcome", "canceled");
                }
            }
        }
        else if (call.Stream && !call.Delivered)
        {
            // The caller stopped reading early: the event holds what was seen until then.
            SetMetadata(evt, "capture_outcome", "disposed_early");
        }

        if (evt.StatusCode == 0)
        {
            evt.StatusCode = 200;
        }
    }

    private static void SetMetadata(ZespanEvent evt, string key, string value)
    {
        evt.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        evt.Metadata[key] = value;
    }

    private static JsonObject UsageJson(UsageDetails usage)
    {
        var json = new JsonObject();
        Add(json, "input_tokens", usage.InputTokenCount);
        Add(json, "output_tokens", usage.OutputTokenCount);
        Add(json, "total_tokens", usage.TotalTokenCount);
        Add(json, "cached_input_tokens", usage.CachedInputTokenCount);
        Add(json, "reasoning_tokens", usage.ReasoningTokenCount);
        if (usage.AdditionalCounts is { Count: > 0 } additional)
        {
            foreach (var pair in additional)
            {
                json[pair.Key] = pair.Value;
            }
        }

        return json;

        static void Add(JsonObject json, string key, long? value)
        {
            if (value is { } v)
            {
                json[key] = v;
            }
        }
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Clamp(v, 0, int.MaxValue) : null;

    [LoggerMessage(EventId = ZespanAILogEvents.ChatClientRecordFailed, EventName = nameof(ZespanAILogEvents.ChatClientRecordFailed), Level = LogLevel.Debug, Message = "Zespan could not record an IChatClient call.")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception);

    /// <summary>The state of one call.</summary>
    private sealed class ChatCall
    {
        public required IEnumerable<ChatMessage> Messages { get; set; }

        public IList<ChatMessage>? List { get; set; }

        public LlmMessage[]? Prompt { get; set; }

        public string? Provider { get; init; }

        public string? Model { get; init; }

        public bool StorePrompts { get; init; }

        public bool Stream { get; init; }

        public IList<ModelPrice>? ModelPrices { get; init; }

        public (bool Pre, bool Post, bool FailClosed)? Guard { get; init; }

        public ZespanEvent? Event { get; set; }

        public Activity? Activity { get; set; }

        public ZespanCallContext Context { get; set; } = null!;

        public ChatResponse? Response { get; set; }

        public Exception? Error { get; set; }

        public double? TimeToFirstToken { get; set; }

        public bool Delivered { get; set; }
    }
}
