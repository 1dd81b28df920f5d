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
    private readonly bool _allowRemoteGuardrails;
    private readonly string? _label;
    private readonly string? _provider;
    private readonly string? _defaultModelId;
    private readonly string _eventName;
    private readonly Func<Type, object?> _innerService;
    private GuardrailClient? _guardrailClient;

    /// <summary>Initializes a new instance.</summary>
    /// <param name="innerClient">The client to wrap.</param>
    /// <param name="services">The service provider <c>services.AddZespan(...)</c> was called on.</param>
    /// <param name="options">This client's options (copied); null for the defaults.</param>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was never called on <paramref name="services"/>.</exception>
    public ZespanChatClient(IChatClient innerClient, IServiceProvider services, ZespanChatClientOptions? options = null)
        : this(innerClient, services, options, registration: "WithZespan")
    {
    }

    /// <summary>Initializes a new instance for a registration (<c>WithZespan</c>, <c>UseZespan</c>), named in the error when Zespan is missing.</summary>
    internal ZespanChatClient(IChatClient innerClient, IServiceProvider services, ZespanChatClientOptions? options, string registration)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(services);
        _services = services;
        _tracer = ZespanAIServices.RequireTracer(services, registration);
        _options = services.GetRequiredService<IOptionsMonitor<ZespanOptions>>();
        _innerService = type => InnerClient.GetService(type);
        _logger = (ILogger?)services.GetService<ILoggerFactory>()?.CreateLogger("Zespan") ?? NullLogger.Instance;
        if (options?.Guardrails is { } guardrails)
        {
            _guardrails = new GuardrailOptions { Pre = guardrails.Pre, Post = guardrails.Post, FailClosed = guardrails.FailClosed };
        }

        _allowRemoteGuardrails = options?.AllowRemoteGuardrails ?? true;
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
        long heldBytes = 0;
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
                        heldBytes += HeldSize(update);
                        if (heldBytes <= GuardrailCheckRunner.MaxHeldBytes)
                        {
                            continue;
                        }

                        // Too large to hold back: the check fails and FailClosed decides. Open, what was held is
                        // released and the rest streams through unchecked.
                        if (HeldBackTooLarge(call) is { } tooLarge)
                        {
                            call.Error = tooLarge;
                            throw tooLarge;
                        }

                        for (var i = 0; i < held.Count; i++)
                        {
                            if (i == firstContent)
                            {
                                MarkFirstToken(call);
                            }

                            yield return held[i];
                        }

                        held = null;
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
            Guard = GuardrailCheckRunner.Resolve(_guardrails, zespan.GuardrailRules, _provider, _label, _allowRemoteGuardrails),
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

            // With Microsoft.Extensions.AI's OpenTelemetryChatClient in the pipeline, its span is the call's span.
            if (!GenAiSpans.Adopt(evt, _innerService) && ZespanDiagnostics.ActivitySource.HasListeners())
            {
                // One id for both views of the call: the Zespan event takes the activity's span id.
                ZespanActivities.Start(evt, ActivityKind.Client);
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
            List<ChatMessage>? redacted;
            try
            {
                redacted = ChatMessageConverter.ReplaceLastUserText(call.List!, text);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Applying the verdict failed: a failed check, so FailClosed decides (open: sent as it is).
                GuardrailCheckRunner.FailOpenOrBlock(GuardrailPhase.Pre, guard.FailClosed, _logger, ex);
                return;
            }

            if (redacted is null)
            {
                throw new GuardrailBlockedException(GuardrailPhase.Pre, verdict.Results);
            }

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

        if (verdict.ModifiedText is not { } text)
        {
            return;
        }

        bool replaced;
        try
        {
            replaced = ChatMessageConverter.ReplaceCompletionText(response, text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Applying the verdict failed (a read-only message list, ...): a failed check, so FailClosed decides.
            GuardrailCheckRunner.FailOpenOrBlock(GuardrailPhase.Post, guard.FailClosed, _logger, ex);
            return;
        }

        if (!replaced)
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

    /// <summary>A held stream outgrew the cap: the failed check is recorded; the exception to throw when it fails closed.</summary>
    private GuardrailBlockedException? HeldBackTooLarge(ChatCall call)
    {
        var evt = call.Event;
        var check = new GuardrailCheckRequest
        {
            Phase = GuardrailPhase.Post,
            Provider = call.Provider,
            Model = call.Model,
            TraceId = evt?.TraceId.ToHexString(),
            SpanId = evt?.SpanId.ToHexString(),
        };
        var failed = GuardrailCheckRunner.Failed(_tracer, _logger, check, call.Guard!.Value.FailClosed, evt, GuardrailCheckRunner.HeldBackTooLarge);
        return failed is null ? null : new GuardrailBlockedException(GuardrailPhase.Post, failed.Results);
    }

    /// <summary>What a held update weighs: its text (UTF-16 code units as bytes, an over-estimate of UTF-8), media and a fixed cost per update and content.</summary>
    private static long HeldSize(ChatResponseUpdate update)
    {
        long size = 64;
        var contents = update.Contents;
        for (var i = 0; i < contents.Count; i++)
        {
            size += 32 + contents[i] switch
            {
                TextContent text => (text.Text?.Length ?? 0) * 2L,
                TextReasoningContent reasoning => (reasoning.Text?.Length ?? 0) * 2L,
                FunctionCallContent call => (call.Name?.Length ?? 0) * 2L + (call.Arguments?.Count ?? 0) * 64L,
                DataContent data => data.Data.Length,
                _ => 0L,
            };
        }

        return size;
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

    /// <summary>
    /// Hands what the call returned or threw to the event's lifecycle (with what an instrumented HttpClient
    /// underneath saw of it). Never throws.
    /// </summary>
    private void Finish(ChatCall call, StreamAccumulator? accumulator)
    {
        var http = call.Context?.TakeHttpExchange();
        if (call.Event is not { } evt)
        {
            http?.Dispose();
            return;
        }

        ChatCapture? capture = null;
        try
        {
            capture = ChatCapture.From(call, accumulator, http);
            http = null;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRecordFailed(_logger, ex);
        }
        finally
        {
            http?.Dispose();
        }

        _tracer.Complete(evt, capture);
    }

    [LoggerMessage(EventId = ZespanAILogEvents.ChatClientRecordFailed, EventName = nameof(ZespanAILogEvents.ChatClientRecordFailed), Level = LogLevel.Debug, Message = "Zespan could not record an IChatClient call.")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception);
}
