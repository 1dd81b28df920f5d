using System.Diagnostics;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// The agent-framework spans one Zespan tracer sees (a <see cref="FrameworkSpan"/> on each activity, under a key of its
/// own, so several hosts in one process keep apart), and the rule that places an event starting inside them:
/// under the nearest framework span Zespan records (an agent or a tool), never under one it leaves out (a model call
/// Zespan recorded itself, a workflow's own spans), so the Zespan trace nests as the framework's does.
/// </summary>
internal sealed class AgentFrameworkSpans
{
    private int _listening;

    /// <summary>Gets the custom-property key of this tracer's <see cref="FrameworkSpan"/>s.</summary>
    public string Key { get; } = "Zespan.AgentFrameworks/" + Guid.NewGuid().ToString("N");

    /// <summary>Gets a value indicating whether the listener runs (otherwise no activity carries a <see cref="FrameworkSpan"/> of this key).</summary>
    public bool IsListening => Volatile.Read(ref _listening) != 0;

    public void SetListening(bool listening) => Volatile.Write(ref _listening, listening ? 1 : 0);

    public FrameworkSpan? Get(Activity activity) => activity.GetCustomProperty(Key) as FrameworkSpan;

    /// <summary>
    /// Places an event (or a framework span) that starts now, walking up from <paramref name="from"/>: the nearest
    /// recorded agent or tool span is the parent, unless the current Zespan span began inside it; model-call spans
    /// on the way are marked as recorded by Zespan when <paramref name="modelCall"/> (the event is that call);
    /// workflow and other framework spans are passed through. With framework spans but no recorded one, the current
    /// Zespan span, else the nearest activity above them, else their root's remote parent, is the parent.
    /// </summary>
    /// <param name="from">The innermost activity (<see cref="Activity.Current"/>, or a framework span's parent).</param>
    /// <param name="ambient">The current Zespan span.</param>
    /// <param name="modelCall">Whether the event is an LLM call Zespan records.</param>
    public FrameworkParent Resolve(Activity? from, ZespanSpan? ambient, bool modelCall)
    {
        var sawFramework = false;
        Activity? above = null;
        Activity? top = null;
        for (var activity = from; activity is not null; activity = activity.Parent)
        {
            if (activity.IsStopped)
            {
                continue;
            }

            top = activity;
            if (ReferenceEquals(activity.Source, ZespanDiagnostics.ActivitySource))
            {
                // A Zespan span's own activity: the Zespan span is the nearest recorded parent.
                return !sawFramework ? FrameworkParent.None
                    : ambient is { Event: not null } ? FrameworkParent.Ambient
                    : new FrameworkParent(FrameworkParentKind.Explicit, RawIds.From(activity.TraceId), RawIds.From(activity.SpanId), activity, false);
            }

            var span = Get(activity);
            if (span is null)
            {
                above ??= activity;
                continue;
            }

            sawFramework = true;
            above = null;
            switch (FrameworkSpanKinds.Classify(activity))
            {
                case FrameworkSpanKind.Agent:
                case FrameworkSpanKind.Tool:
                    if (ambient is { Event: not null } && !ReferenceEquals(ambient, span.Ambient))
                    {
                        // A Zespan span begun inside this framework span is nearer.
                        return FrameworkParent.Ambient;
                    }

                    return new FrameworkParent(FrameworkParentKind.Explicit, span.TraceId, RawIds.From(activity.SpanId), activity, true);
                case FrameworkSpanKind.ModelCall when modelCall:
                    span.MarkCovered();
                    break;
            }
        }

        if (!sawFramework)
        {
            return FrameworkParent.None;
        }

        if (ambient is not null)
        {
            return FrameworkParent.Ambient;
        }

        if (above is not null)
        {
            return new FrameworkParent(FrameworkParentKind.Explicit, RawIds.From(above.TraceId), RawIds.From(above.SpanId), above, false);
        }

        // Only framework spans that record nothing: their root's parent (remote, or none).
        return new FrameworkParent(
            FrameworkParentKind.Explicit,
            RawIds.From(top!.TraceId),
            top.ParentSpanId == default ? 0 : RawIds.From(top.ParentSpanId),
            null,
            false);
    }
}
