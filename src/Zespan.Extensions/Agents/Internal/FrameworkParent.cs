using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>How <see cref="AgentFrameworkSpans.Resolve"/> placed an event that starts now.</summary>
internal enum FrameworkParentKind
{
    /// <summary>No agent-framework span in the way: the usual rules apply (the current Zespan span, else <c>Activity.Current</c>).</summary>
    None,

    /// <summary>The current Zespan span is the parent (it began inside the nearest recorded framework span, or there is none).</summary>
    Ambient,

    /// <summary>The ids given: a recorded framework span, or the activity around framework spans that record nothing.</summary>
    Explicit,
}

/// <summary>Where an event starting inside agent-framework spans goes.</summary>
/// <param name="Kind">How it was placed.</param>
/// <param name="TraceId">The trace (<see cref="FrameworkParentKind.Explicit"/> only).</param>
/// <param name="ParentSpanId">The parent span id, 0 for none (<see cref="FrameworkParentKind.Explicit"/> only).</param>
/// <param name="ParentObject">The activity the event hangs under, when it is one of this process.</param>
/// <param name="UnderFrameworkEvent">Whether the parent is a recorded agent or tool (a Zespan span under it is <c>custom</c>, not <c>workflow</c>).</param>
internal readonly record struct FrameworkParent(FrameworkParentKind Kind, RawTraceId TraceId, ulong ParentSpanId, object? ParentObject, bool UnderFrameworkEvent)
{
    public static FrameworkParent None => default;

    public static FrameworkParent Ambient => new(FrameworkParentKind.Ambient, default, 0, null, false);
}
