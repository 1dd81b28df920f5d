using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// Listens to the agent frameworks' <see cref="ActivitySource"/>s (<see cref="AgentFrameworkSources"/>) and turns their
/// spans into Zespan events as they end: <c>invoke_agent</c> into <c>agent</c> events (and a <c>plan</c> with the
/// agent's instructions), <c>execute_tool</c> into <c>tool</c> events, a model call Zespan did not record itself into a
/// <c>generation</c>, and a handoff workflow's transfer from one agent to the next into a <c>handoff</c> event. Events
/// keep the spans' trace and span ids.
/// </summary>
/// <remarks>
/// <para>
/// The producer side only: when a span starts it notes where the span's event goes (<see cref="AgentFrameworkSpans.Resolve"/>)
/// and what was current; when it ends it copies the span's attributes (<see cref="FrameworkSpanCapture"/>) and completes the
/// event through the tracer, whose lifecycle parses, prices, filters, redacts and counts it like every other event.
/// </para>
/// <para>
/// It asks the frameworks for all their data (<see cref="ActivitySamplingResult.AllData"/>) only for traces Zespan
/// records, and never marks an activity as recorded, so an OpenTelemetry sampler's decision stands. Started with the
/// host (or when the tracer is first resolved), stopped with it. Never throws into the framework.
/// </para>
/// </remarks>
internal sealed class AgentFrameworkListener : IHostedService, IDisposable
{
    /// <summary>How far the next agent's start may seem to precede the previous agent's end (both measured by <see cref="Activity"/>, rounded).</summary>
    private static readonly TimeSpan HandoffClockSlack = TimeSpan.FromMilliseconds(1);

    private readonly AgentFrameworkSpans _spans;
    private readonly IServiceProvider _services;
    private readonly IOptionsMonitor<ZespanOptions> _options;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<object, PendingHandoff> _handoffs = [];
    private readonly Lock _gate = new();
    private ActivityListener? _listener;
    private ZespanTracer? _tracer;
    private bool _disposed;

    public AgentFrameworkListener(AgentFrameworkSpans spans, IServiceProvider services, IOptionsMonitor<ZespanOptions> options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(spans);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        _spans = spans;
        _services = services;
        _options = options;
        _logger = (ILogger?)loggerFactory?.CreateLogger("Zespan") ?? NullLogger.Instance;
    }

    private ZespanTracer Tracer => _tracer ??= _services.GetRequiredService<ZespanTracer>();

    /// <summary>Starts listening (once; not while Zespan is disabled).</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_listener is not null || _disposed || !_options.CurrentValue.Enabled)
            {
                return;
            }

            var listener = new ActivityListener
            {
                ShouldListenTo = static source => AgentFrameworkSources.IsFrameworkSource(source.Name),
                Sample = Sample,
                SampleUsingParentId = static (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllData,
                ActivityStarted = OnStarted,
                ActivityStopped = OnStopped,
            };
            _listener = listener;
            _spans.SetListening(true);
            ActivitySource.AddActivityListener(listener);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        Stop();
    }

    private void Stop()
    {
        ActivityListener? listener;
        lock (_gate)
        {
            listener = _listener;
            _listener = null;
        }

        if (listener is not null)
        {
            _spans.SetListening(false);
            listener.Dispose();
        }
    }

    /// <summary>All data for traces Zespan records (so the frameworks fill in their attributes), propagation only for the rest.</summary>
    private ActivitySamplingResult Sample(ref ActivityCreationOptions<ActivityContext> options)
    {
        try
        {
            var settings = Tracer.Settings;
            if (!settings.Recording)
            {
                return ActivitySamplingResult.None;
            }

            if (settings.SampleRate >= 1)
            {
                return ActivitySamplingResult.AllData;
            }

            RawTraceId trace;
            if (options.Parent.TraceId != default)
            {
                trace = RawIds.From(options.Parent.TraceId);
            }
            else if (SpanAmbient.Current is { Event: { } current })
            {
                trace = current.RawTraceId;
            }
            else
            {
                trace = RawIds.From(options.TraceId);
            }

            return TraceSampler.IsSampled(trace, settings.SampleRate) ? ActivitySamplingResult.AllData : ActivitySamplingResult.PropagationData;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AgentFrameworksLog.CaptureFailed(_logger, ex);
            return ActivitySamplingResult.PropagationData;
        }
    }

    /// <summary>Notes where the span's event goes and what was current when it started.</summary>
    private void OnStarted(Activity activity)
    {
        try
        {
            var tracer = Tracer;
            var ambient = SpanAmbient.Current;
            var span = new FrameworkSpan(
                AgentFrameworkSources.FrameworkOf(activity.Source.Name),
                ambient,
                ContextScope.Current,
                insideZespanCall: ZespanCallContext.Current is { IsMiddleware: true });

            var parent = _spans.Resolve(activity.Parent, ambient, modelCall: false);
            if (parent.Kind == FrameworkParentKind.Explicit)
            {
                span.TraceId = parent.TraceId;
                span.ParentSpanId = parent.ParentSpanId;
                span.ParentObject = parent.ParentObject;
            }
            else if (ambient is { Event: { } ambientEvent })
            {
                // Under the current Zespan span, which keeps its id for this child.
                span.TraceId = ambientEvent.RawTraceId;
                span.ParentSpanId = ambientEvent.RawSpanId;
                span.ParentObject = ambient;
                ambientEvent.HasChildren = true;
            }
            else
            {
                span.TraceId = RawIds.From(activity.TraceId);
                span.ParentSpanId = activity.ParentSpanId == default ? 0 : RawIds.From(activity.ParentSpanId);
                span.ParentObject = activity.Parent;
            }

            var settings = tracer.Settings;
            span.Sampled = settings.Recording
                && activity.IsAllDataRequested
                && ambient is not { Event: null }
                && TraceSampler.IsSampled(span.TraceId, settings.SampleRate);
            activity.SetCustomProperty(_spans.Key, span);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AgentFrameworksLog.CaptureFailed(_logger, ex);
        }
    }

    /// <summary>Records the ended span's event, if it is one Zespan records.</summary>
    private void OnStopped(Activity activity)
    {
        try
        {
            if (_spans.Get(activity) is not { Sampled: true } span)
            {
                return;
            }

            var tracer = Tracer;
            switch (FrameworkSpanKinds.Classify(activity))
            {
                case FrameworkSpanKind.Agent:
                    RecordAgent(tracer, activity, span);
                    break;
                case FrameworkSpanKind.Tool:
                    Record(tracer, FrameworkSpanKind.Tool, LogTypes.Tool, FrameworkSpanCapture.ToolName(activity), activity, span);
                    break;
                case FrameworkSpanKind.ModelCall:
                    TellAgent(activity);
                    if (!span.Covered)
                    {
                        Record(tracer, FrameworkSpanKind.ModelCall, LogTypes.Generation, FrameworkSpanCapture.GenerationName(activity), activity, span);
                    }

                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AgentFrameworksLog.CaptureFailed(_logger, ex);
        }
    }

    private static DateTimeOffset Start(Activity activity) => new(DateTime.SpecifyKind(activity.StartTimeUtc, DateTimeKind.Utc));

    private bool Record(ZespanTracer tracer, FrameworkSpanKind kind, string logType, string name, Activity activity, FrameworkSpan span, AgentNotes? notes = null)
    {
        if (!tracer.TryStartMirrorEvent(logType, name, span.TraceId, RawIds.From(activity.SpanId), span.ParentSpanId, Start(activity), span.Scope, out var item))
        {
            return false;
        }

        var settings = tracer.Settings;
        var options = _options.CurrentValue;
        tracer.CompleteMirror(item, activity.Duration, FrameworkSpanCapture.Create(kind, activity, span.Framework, settings.StorePrompts, options.MaxEventBytes, notes));
        return true;
    }

    /// <summary>The agent's event, its instructions as a <c>plan</c>, and the handoff that brought the work to it.</summary>
    private void RecordAgent(ZespanTracer tracer, Activity activity, FrameworkSpan span)
    {
        var name = FrameworkSpanCapture.AgentName(activity);
        var notes = span.Notes;
        if (!Record(tracer, FrameworkSpanKind.Agent, LogTypes.Agent, name, activity, span, notes))
        {
            return;
        }

        var spanId = RawIds.From(activity.SpanId);
        var instructions = activity.GetTagItem(GenAiAttributes.SystemInstructions) as string ?? notes?.Instructions;
        if (tracer.Settings.StorePrompts && PlanSteps(instructions) is { Count: > 0 } steps
            && tracer.TryStartMirrorEvent(LogTypes.Plan, name, span.TraceId, 0, spanId, Start(activity), span.Scope, out var plan))
        {
            plan.Plan = steps;
            tracer.CompleteMirror(plan, TimeSpan.Zero);
        }

        if (span.ParentObject is not { } parent)
        {
            return;
        }

        // A handoff workflow: the agent before this one, under the same parent, asked to hand the work over.
        if (_handoffs.TryGetValue(parent, out var pending) && pending.FromSpanId != spanId && pending.End <= Start(activity) + HandoffClockSlack)
        {
            _handoffs.Remove(parent);
            if (tracer.TryStartMirrorEvent(LogTypes.Handoff, pending.FromName, pending.TraceId, 0, pending.FromSpanId, Start(activity), span.Scope, out var handoff))
            {
                handoff.Handoff = new Events.Internal.HandoffInfo(pending.FromName, name, pending.Reason);
                tracer.CompleteMirror(handoff, TimeSpan.Zero);
            }
        }

        if (TryGetHandoffRequest(activity, notes, out var reason))
        {
            _handoffs.AddOrUpdate(parent, new PendingHandoff(name, span.TraceId, spanId, reason, Start(activity) + activity.Duration));
        }
    }

    /// <summary>
    /// Whether an agent asked for a handoff when it ended: a Microsoft Agent Framework handoff workflow gives the agent
    /// one <c>handoff_to_N</c> function per target, and the agent's last model call ended calling one of them. The
    /// reason is that function's description (the target's description), when the framework records it.
    /// </summary>
    private static bool TryGetHandoffRequest(Activity activity, AgentNotes? notes, out string? reason)
    {
        reason = null;
        var definitions = activity.GetTagItem(GenAiAttributes.ToolDefinitions) ?? notes?.ToolDefinitions;
        var handoffTools = FrameworkSpanCapture.ParseToolDefinitions(definitions)?
            .Where(static t => t.Name.StartsWith(GenAiAttributes.HandoffFunctionPrefix, StringComparison.Ordinal))
            .ToList();
        if (handoffTools is not { Count: > 0 })
        {
            return false;
        }

        var output = activity.GetTagItem(GenAiAttributes.OutputMessages) as string ?? notes?.OutputMessages;
        var called = FrameworkSpanCapture.ToolCallNames(output).FirstOrDefault(static n => n.StartsWith(GenAiAttributes.HandoffFunctionPrefix, StringComparison.Ordinal));
        var reasons = FrameworkSpanCapture.FinishReasonsOf(activity.GetTagItem(GenAiAttributes.FinishReasons) ?? notes?.FinishReasons);
        if (called is null && !reasons.Any(static r => FrameworkSpanCapture.NormalizeFinishReason(r) == "tool_calls"))
        {
            return false;
        }

        var tool = called is null ? (handoffTools.Count == 1 ? handoffTools[0] : null) : handoffTools.Find(t => t.Name == called);
        reason = string.IsNullOrEmpty(tool?.Description) ? null : tool.Description;
        return true;
    }

    /// <summary>An agent's instructions as plan steps: one per non-empty line.</summary>
    private static List<string>? PlanSteps(string? instructions)
    {
        if (string.IsNullOrWhiteSpace(instructions))
        {
            return null;
        }

        var text = instructions;
        if (instructions.TrimStart().StartsWith('['))
        {
            // gen_ai.system_instructions: [{"type": "text", "content": "..."}]
            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(instructions) is System.Text.Json.Nodes.JsonArray parts)
                {
                    text = string.Join('\n', parts.Select(static p => p?["content"]?.GetValue<string>()).OfType<string>());
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON after all: the text is the instructions.
            }
            catch (InvalidOperationException)
            {
                // A part whose content is not a string.
            }
        }

        var steps = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        return steps.Count == 0 ? null : steps;
    }

    /// <summary>Hands what a model call learnt (tools, instructions, how it ended) to the agent span it ran under.</summary>
    private void TellAgent(Activity modelCall)
    {
        for (var ancestor = modelCall.Parent; ancestor is not null; ancestor = ancestor.Parent)
        {
            if (_spans.Get(ancestor) is not { } span)
            {
                continue;
            }

            var kind = FrameworkSpanKinds.Classify(ancestor);
            if (kind == FrameworkSpanKind.Tool)
            {
                return;
            }

            if (kind != FrameworkSpanKind.Agent)
            {
                continue;
            }

            var notes = span.GetNotes();
            notes.ToolDefinitions ??= modelCall.GetTagItem(GenAiAttributes.ToolDefinitions) as string;
            if (Tracer.Settings.StorePrompts)
            {
                notes.Instructions ??= modelCall.GetTagItem(GenAiAttributes.SystemInstructions) as string;
            }

            notes.OutputMessages = modelCall.GetTagItem(GenAiAttributes.OutputMessages) as string;
            notes.FinishReasons = modelCall.GetTagItem(GenAiAttributes.FinishReasons) ?? modelCall.GetTagItem(GenAiAttributes.FinishReason);
            return;
        }
    }

    /// <summary>An agent that asked to hand its work to the next agent under the same parent.</summary>
    private sealed record PendingHandoff(string FromName, RawTraceId TraceId, ulong FromSpanId, string? Reason, DateTimeOffset End);
}
