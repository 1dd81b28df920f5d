using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// What Zespan keeps about one agent-framework span while it runs (a custom property of its activity): the ids its
/// event and its children's events use, the Zespan span and context scope that were current when it started, and,
/// for a model call, whether Zespan recorded the call itself.
/// </summary>
internal sealed class FrameworkSpan
{
    private volatile bool _covered;
    private volatile AgentNotes? _notes;

    public FrameworkSpan(string framework, ZespanSpan? ambient, ContextScope? scope, bool insideZespanCall)
    {
        Framework = framework;
        Ambient = ambient;
        Scope = scope;
        _covered = insideZespanCall;
    }

    /// <summary>Gets the <c>agent.framework</c> name of the span's source.</summary>
    public string Framework { get; }

    /// <summary>Gets the Zespan span that was current when this span started (a Zespan span begun later, inside it, is its child).</summary>
    public ZespanSpan? Ambient { get; }

    /// <summary>Gets the context scope that was current when this span started (its user, session and tags go on its event).</summary>
    public ContextScope? Scope { get; }

    /// <summary>Gets or sets the trace id of the span's event (the activity's, or the enclosing Zespan span's).</summary>
    public RawTraceId TraceId { get; set; }

    /// <summary>Gets or sets the <c>parent_span_id</c> of the span's event; 0 for none.</summary>
    public ulong ParentSpanId { get; set; }

    /// <summary>Gets or sets what the event hangs under in this process (an <see cref="System.Diagnostics.Activity"/> or a <see cref="ZespanSpan"/>); agents under the same one hand off to each other.</summary>
    public object? ParentObject { get; set; }

    /// <summary>Gets or sets a value indicating whether the trace is recorded (tracing on and sampled in).</summary>
    public bool Sampled { get; set; }

    /// <summary>
    /// Gets a value indicating whether Zespan recorded this model call itself (the HTTP handler or the
    /// <c>IChatClient</c> middleware, inside or around the span): the span then adds no generation.
    /// </summary>
    public bool Covered => _covered;

    /// <summary>Gets what an agent span learnt from its model calls (null until one ended).</summary>
    public AgentNotes? Notes => _notes;

    /// <summary>Records that Zespan recorded the model call this span describes.</summary>
    public void MarkCovered() => _covered = true;

    /// <summary>Gets the notes of an agent span, creating them on first use.</summary>
    public AgentNotes GetNotes()
    {
        var notes = _notes;
        if (notes is null)
        {
            var created = new AgentNotes();
            notes = Interlocked.CompareExchange(ref _notes, created, null) ?? created;
        }

        return notes;
    }
}
