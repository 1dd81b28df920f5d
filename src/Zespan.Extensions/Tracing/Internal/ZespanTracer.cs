using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Agents.Internal;
using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// The <see cref="IZespanTracer"/> of an enabled SDK, and the one path every Zespan event is started and
/// completed through: spans, agents, tools, plans, handoffs, <see cref="LogGeneration"/>, and the provider
/// HTTP handlers and <c>IChatClient</c> middleware (through <see cref="TryStartEvent(string, string, out ZespanEvent?)"/> and
/// <see cref="Complete"/>, documented in docs/tracing.md).
/// </summary>
/// <remarks>
/// Starting an event reads the options snapshot (<see cref="TracerSettings"/>), the current Zespan span, the
/// current context scope and <see cref="Activity.Current"/>; it decides sampling once per trace, fills ids,
/// environment, context fields and the start time. Completing it takes the end time and latency (from
/// <see cref="TimeProvider"/> timestamps) and hands it to the <see cref="EventLifecycle"/>, the one path that
/// finishes every event. Nothing here throws into the caller: failures are logged and the event is lost.
/// </remarks>
internal sealed class ZespanTracer : IZespanTracer, IDisposable
{
    /// <summary>The <c>name</c> of a generation logged without <see cref="GenerationLog.Name"/>.</summary>
    public const string DefaultGenerationName = "generation";

    private readonly EventLifecycle _lifecycle;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly IDisposable? _optionsSubscription;
    private readonly AgentFrameworkSpans? _frameworks;
    private volatile TracerSettings _settings;

    public ZespanTracer(
        IOptionsMonitor<ZespanOptions> options,
        EventLifecycle lifecycle,
        TimeProvider timeProvider,
        ILoggerFactory? loggerFactory = null,
        AgentFrameworkSpans? frameworks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(lifecycle);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _frameworks = frameworks;
        _lifecycle = lifecycle;
        _timeProvider = timeProvider;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
        _settings = TracerSettings.From(options.CurrentValue);
        _optionsSubscription = options.OnChange((value, name) =>
        {
            if (string.IsNullOrEmpty(name))
            {
                _settings = TracerSettings.From(value);
            }
        });
    }

    /// <summary>Gets the options snapshot in force (replaced when the options change).</summary>
    public TracerSettings Settings => _settings;

    public TimeProvider TimeProvider => _timeProvider;

    /// <inheritdoc/>
    public ZespanSpan StartSpan(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return StartSpanCore(null, name, explicitParent: null);
    }

    /// <inheritdoc/>
    public AgentContext StartAgent(string name, string role = "specialist", string framework = "custom", IEnumerable<AgentTool>? tools = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        AgentTool[]? toolList = tools is null ? null : [.. tools];
        var span = StartSpanCore(LogTypes.Agent, name, explicitParent: null);
        span.Update(
            new AgentInfo { Name = name, Role = role ?? "specialist", Framework = framework ?? "custom", Tools = toolList },
            static (item, agent) => item.Agent = agent);
        return new AgentContext(ReferenceEquals(span, ZespanSpan.NoOp) ? null : this, span, name);
    }

    /// <inheritdoc/>
    public void LogGeneration(GenerationLog log)
    {
        ValidateGeneration(log);
        if (!TryStartEvent(LogTypes.Generation, log.Name ?? DefaultGenerationName, out var item))
        {
            return;
        }

        try
        {
            FillGeneration(item, log);
            var now = _timeProvider.GetUtcNow();
            var latency = log.Latency is { } given && given > TimeSpan.Zero ? given : TimeSpan.Zero;
            item.EndTime = now;
            item.StartTime = now - latency;
            item.Latency = latency.TotalSeconds;
            _lifecycle.Complete(item, elapsed: null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TracingLog.LogGenerationFailed(_logger, ex);
        }
    }

    /// <summary>
    /// Starts an event under the current Zespan span (or the ambient <see cref="Activity"/>, or as a new
    /// trace), for instrumentation that does not make its event current (an LLM call has no children).
    /// </summary>
    /// <param name="logType">The event's <c>log_type</c> (<see cref="LogTypes"/>).</param>
    /// <param name="name">The event's <c>name</c>, e.g. <c>openai.chat.completions</c>.</param>
    /// <param name="item">The event, owned by the caller until <see cref="Complete"/>; null when false is returned.</param>
    /// <returns>
    /// False when nothing should be recorded: tracing disabled, or the trace sampled out. The caller then
    /// records nothing (and should skip capturing bodies).
    /// </returns>
    public bool TryStartEvent(string logType, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZespanEvent? item) =>
        TryStartEvent(logType, name, httpActivity: null, out item);

    /// <summary>
    /// Starts the event of an LLM call seen inside the runtime's own HTTP activity (process-wide capture): as
    /// <see cref="TryStartEvent(string, string, out ZespanEvent?)"/>, except that without a Zespan parent the ids come
    /// from that activity's trace and parent, so the event hangs under the app's span (as a handler's would), not
    /// under an HTTP span Zespan never records.
    /// </summary>
    /// <param name="logType">The event's <c>log_type</c>.</param>
    /// <param name="name">The event's <c>name</c>.</param>
    /// <param name="httpActivity">The runtime's <c>System.Net.Http.HttpRequestOut</c> activity of the call; null for the ambient activity.</param>
    /// <param name="item">The event; null when false is returned.</param>
    public bool TryStartEvent(string logType, string name, Activity? httpActivity, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZespanEvent? item)
    {
        item = null;
        var settings = _settings;
        if (!settings.Recording)
        {
            return false;
        }

        try
        {
            var parent = SpanAmbient.Current;
            if (ResolveFrameworkParent(parent, GenAiTelemetry.IsModelCall(logType)) is { Kind: FrameworkParentKind.Explicit } framework)
            {
                // Inside agent-framework spans: under the nearest one Zespan records (an agent, a tool).
                if (!TraceSampler.IsSampled(framework.TraceId, settings.SampleRate))
                {
                    return false;
                }

                item = NewEvent(settings, logType, name, framework.TraceId, framework.ParentSpanId);
                return true;
            }

            if (parent is not null)
            {
                if (parent.Event is not { } parentEvent)
                {
                    return false;
                }

                item = NewEvent(settings, logType, name, parentEvent.RawTraceId, parentEvent.RawSpanId);
                parentEvent.HasChildren = true;
                return true;
            }

            RawTraceId traceId;
            ulong parentId;
            if (httpActivity is { IdFormat: ActivityIdFormat.W3C } http && RawIds.From(http.TraceId) is { IsEmpty: false } httpTrace)
            {
                traceId = httpTrace;
                parentId = http.ParentSpanId == default ? 0 : RawIds.From(http.ParentSpanId);
            }
            else
            {
                GetRootIds(out traceId, out parentId);
            }

            if (!TraceSampler.IsSampled(traceId, settings.SampleRate))
            {
                return false;
            }

            item = NewEvent(settings, logType, name, traceId, parentId);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TracingLog.StartFailed(_logger, logType, ex);
            item = null;
            return false;
        }
    }

    /// <summary>
    /// Starts an event that is a child of another event the caller holds (a guardrail check under its
    /// generation): same trace, <c>parent_span_id</c> = the parent's <c>span_id</c>, recorded because the parent is.
    /// </summary>
    public bool TryStartChildEvent(ZespanEvent parent, string logType, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZespanEvent? item)
    {
        ArgumentNullException.ThrowIfNull(parent);
        item = null;
        var settings = _settings;
        if (!settings.Recording)
        {
            return false;
        }

        item = NewEvent(settings, logType, name, parent.RawTraceId, parent.RawSpanId);
        parent.HasChildren = true;
        return true;
    }

    /// <summary>
    /// Ends an event started with <see cref="TryStartEvent(string, string, out ZespanEvent?)"/> or <c>TryStartChildEvent</c>: its end time and
    /// latency are taken now and it goes through the <see cref="EventLifecycle"/> (with what the producer
    /// captured, if anything). The caller must not touch the event afterwards. Never throws.
    /// </summary>
    public void Complete(ZespanEvent item, IEventCapture? capture = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        _lifecycle.Complete(item, GetElapsed(item), capture);
    }

    /// <summary>Gets the time since the event started (for <c>time_to_first_token</c>); never negative.</summary>
    public TimeSpan GetElapsed(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var elapsed = _timeProvider.GetElapsedTime(item.StartTimestamp);
        return elapsed < TimeSpan.Zero ? TimeSpan.Zero : elapsed;
    }

    /// <summary>Builds the <c>error</c> object of an exception (full type name and message). Never throws.</summary>
    public static ZespanError ErrorFrom(Exception exception)
    {
        var type = exception.GetType();
        string message;
        try
        {
            message = exception.Message;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            message = string.Empty;
        }

        return new ZespanError(type.FullName ?? type.Name, message);
    }

    public static void ValidateGeneration(GenerationLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (string.IsNullOrWhiteSpace(log.Model))
        {
            throw new ArgumentException("GenerationLog.Model is required: set Model to the model the call was sent with, e.g. \"gpt-4o-mini\".", nameof(log));
        }
    }

    public void Dispose() => _optionsSubscription?.Dispose();

    /// <summary>
    /// Starts a span and makes it current. <paramref name="logType"/> null means <c>workflow</c> at the root and
    /// <c>custom</c> under a Zespan parent. <paramref name="explicitParent"/> (an agent, for its tools) replaces
    /// the current span as the logical parent.
    /// </summary>
    internal ZespanSpan StartSpanCore(string? logType, string name, ZespanSpan? explicitParent)
    {
        var settings = _settings;
        if (!settings.Recording)
        {
            return ZespanSpan.NoOp;
        }

        try
        {
            var ambient = SpanAmbient.Current;
            var parent = explicitParent ?? ambient;
            ZespanEvent item;
            if (explicitParent is null && ResolveFrameworkParent(ambient, modelCall: false) is { Kind: FrameworkParentKind.Explicit } framework)
            {
                // Inside agent-framework spans: under the nearest one Zespan records (custom under an agent or a
                // tool; workflow at the root of the Zespan trace).
                if (!TraceSampler.IsSampled(framework.TraceId, settings.SampleRate))
                {
                    return Enter(new ZespanSpan(this, null, ambient));
                }

                item = NewEvent(settings, logType ?? (framework.UnderFrameworkEvent ? LogTypes.Custom : LogTypes.Workflow), name, framework.TraceId, framework.ParentSpanId);
            }
            else if (parent is not null)
            {
                if (parent.Event is not { } parentEvent)
                {
                    // Under a span that is not recorded: the trace was sampled out. The current span already
                    // tells this span's children so; a span with an explicit parent must say it itself.
                    return explicitParent is null ? ZespanSpan.NoOp : Enter(new ZespanSpan(this, null, ambient));
                }

                item = NewEvent(settings, logType ?? LogTypes.Custom, name, parentEvent.RawTraceId, parentEvent.RawSpanId);
                parentEvent.HasChildren = true;
            }
            else
            {
                GetRootIds(out var traceId, out var parentId);
                if (!TraceSampler.IsSampled(traceId, settings.SampleRate))
                {
                    // Sampled out: a span that records nothing but is current, so its children inherit the decision.
                    return Enter(new ZespanSpan(this, null, ambient));
                }

                item = NewEvent(settings, logType ?? LogTypes.Workflow, name, traceId, parentId);
            }

            if (Diagnostics.Internal.ZespanDiagnostics.ActivitySource.HasListeners())
            {
                ZespanActivities.Start(item, ActivityKind.Internal);
            }

            return Enter(new ZespanSpan(this, item, ambient));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            TracingLog.StartFailed(_logger, logType ?? LogTypes.Workflow, ex);
            return ZespanSpan.NoOp;
        }
    }

    /// <summary>
    /// Starts an event that mirrors a span another library recorded (an agent framework's activity, see
    /// <c>CaptureAgentFrameworks</c>): it keeps that span's ids and start time, takes the user, session and tags of
    /// <paramref name="scope"/>, and gets no Zespan activity of its own. False when nothing should be recorded
    /// (tracing disabled, or the trace sampled out). Complete it with <see cref="CompleteMirror"/>.
    /// </summary>
    internal bool TryStartMirrorEvent(string logType, string name, RawTraceId traceId, ulong spanId, ulong parentSpanId, DateTimeOffset startTime, ContextScope? scope, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZespanEvent? item)
    {
        item = null;
        var settings = _settings;
        if (!settings.Recording || traceId.IsEmpty || !TraceSampler.IsSampled(traceId, settings.SampleRate))
        {
            return false;
        }

        item = new ZespanEvent
        {
            RawTraceId = traceId,
            RawSpanId = spanId == 0 ? RawIds.NewSpanId() : spanId,
            RawParentSpanId = parentSpanId,
            LogType = logType,
            Name = name,
            Environment = settings.Environment,
            ConfigVersion = settings.ConfigVersion,
            StartTime = startTime,
            StartTimestamp = _timeProvider.GetTimestamp(),

            // Its id is the other library's: children already carry it, and no activity of Zespan's replaces it.
            HasChildren = true,
            SpanRecordedElsewhere = true,
        };
        scope?.ApplyTo(item);
        return true;
    }

    /// <summary>Ends an event started with <see cref="TryStartMirrorEvent"/>, which lasted <paramref name="duration"/> (the other library's measure). Never throws.</summary>
    internal void CompleteMirror(ZespanEvent item, TimeSpan duration, IEventCapture? capture = null)
    {
        ArgumentNullException.ThrowIfNull(item);
        _lifecycle.Complete(item, duration < TimeSpan.Zero ? TimeSpan.Zero : duration, capture);
    }

    /// <summary>Starts an instant child event of <paramref name="parent"/> (a plan or a handoff); false when the parent is not recorded or ended.</summary>
    internal bool TryStartChildEvent(ZespanSpan parent, string logType, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ZespanEvent? item)
    {
        item = null;
        return parent.Event is { } parentEvent && !parent.IsEnded && TryStartChildEvent(parentEvent, logType, name, out item);
    }

    /// <summary>
    /// Where an event starting now goes when agent-framework spans are captured and <see cref="Activity.Current"/>
    /// is one of them or lies under one; <see cref="FrameworkParentKind.None"/> otherwise (one volatile read when
    /// nothing is captured).
    /// </summary>
    private FrameworkParent ResolveFrameworkParent(ZespanSpan? ambient, bool modelCall) =>
        _frameworks is { IsListening: true } frameworks && Activity.Current is { } current
            ? frameworks.Resolve(current, ambient, modelCall)
            : FrameworkParent.None;

    private static ZespanSpan Enter(ZespanSpan span)
    {
        SpanAmbient.Enter(span);
        return span;
    }

    /// <summary>
    /// The ids of a span with no Zespan parent: the ambient W3C <see cref="Activity"/>'s trace id and span id
    /// (so Zespan joins the app's distributed trace), else a new random trace id and no parent.
    /// </summary>
    private static void GetRootIds(out RawTraceId traceId, out ulong parentId)
    {
        var activity = Activity.Current;

        // An activity stopped in another flow (a span disposed out of order or elsewhere) is no parent.
        while (activity is not null && activity.IsStopped)
        {
            activity = activity.Parent;
        }

        if (activity is not null && activity.IdFormat == ActivityIdFormat.W3C)
        {
            traceId = RawIds.From(activity.TraceId);
            parentId = RawIds.From(activity.SpanId);
            if (!traceId.IsEmpty)
            {
                return;
            }
        }

        traceId = RawIds.NewTraceId();
        parentId = 0;
    }

    private ZespanEvent NewEvent(TracerSettings settings, string logType, string name, RawTraceId traceId, ulong parentId)
    {
        var item = new ZespanEvent
        {
            RawTraceId = traceId,
            RawSpanId = RawIds.NewSpanId(),
            RawParentSpanId = parentId,
            LogType = logType,
            Name = name,
            Environment = settings.Environment,
            ConfigVersion = settings.ConfigVersion,
            StartTime = _timeProvider.GetUtcNow(),
            StartTimestamp = _timeProvider.GetTimestamp(),
        };
        ContextScope.Current?.ApplyTo(item);
        return item;
    }

    private void FillGeneration(ZespanEvent item, GenerationLog log)
    {
        item.Model = log.Model;
        item.Provider = log.Provider;
        item.ResponseModel = log.ResponseModel;
        item.Stream = log.Stream;
        item.StatusCode = log.StatusCode ?? 200;
        item.FinishReason = log.FinishReason;
        item.TimeToFirstToken = log.TimeToFirstToken is { } ttft ? Math.Max(0, ttft.TotalSeconds) : null;
        item.PromptTokens = log.PromptTokens;
        item.CompletionTokens = log.CompletionTokens;
        item.TotalTokens = log.TotalTokens ?? (log.PromptTokens is { } p && log.CompletionTokens is { } c ? p + c : null);
        item.PromptTokensDetails = PromptTokensDetails.Of(log.CachedInputTokens, log.CacheCreationInputTokens, log.InputAudioTokens);
        item.CompletionTokensDetails = CompletionTokensDetails.Of(log.ReasoningTokens, log.OutputAudioTokens);
        if (_settings.StorePrompts)
        {
            item.PromptMessages = CopyMessages(log.PromptMessages);
            item.CompletionMessage = CopyMessage(log.CompletionMessage);
        }

        item.Cost = log.Cost; // priced by the lifecycle when not given
        item.CustomerIdentifier = log.CustomerIdentifier ?? item.CustomerIdentifier;
        item.CustomerEmail = log.CustomerEmail ?? item.CustomerEmail;
        item.CustomerName = log.CustomerName ?? item.CustomerName;
        if (log.Error is { } error)
        {
            item.Error = ErrorFrom(error);
            item.StatusCode = log.StatusCode ?? 500;
        }

        if (log.Tags is { } tags)
        {
            foreach (var pair in tags)
            {
                if (pair.Key is not null && pair.Value is not null)
                {
                    item.AddTag(pair.Key, pair.Value);
                }
            }
        }

        if (log.Metadata is { } metadata && metadata.Count > 0)
        {
            var snapshot = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(metadata.Count, StringComparer.Ordinal);
            foreach (var pair in metadata)
            {
                snapshot[pair.Key] = JsonSnapshot.From(pair.Value);
            }

            item.Metadata = snapshot;
        }
    }

    private static LlmMessage[]? CopyMessages(IReadOnlyList<LlmMessage>? messages)
    {
        if (messages is null)
        {
            return null;
        }

        var copy = new LlmMessage[messages.Count];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = CopyMessage(messages[i])!;
        }

        return copy;
    }

    private static LlmMessage? CopyMessage(LlmMessage? message) =>
        message?.ToolCalls is { } calls ? message with { ToolCalls = [.. calls] } : message;
}
