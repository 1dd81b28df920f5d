namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// The innermost open Zespan span of the current async flow (an <see cref="AsyncLocal{T}"/>, like
/// <c>Activity.Current</c>): spans, agents and LLM calls started while it is current become its children.
/// </summary>
internal static class SpanAmbient
{
    private static readonly AsyncLocal<ZespanSpan?> s_current = new();

    /// <summary>
    /// Gets the current span, skipping spans that already ended (a span ended in another async flow, or out
    /// of order, stays in this flow's local value; its nearest open ancestor is what counts).
    /// </summary>
    public static ZespanSpan? Current
    {
        get
        {
            var span = s_current.Value;
            while (span is { IsEnded: true })
            {
                span = span.Previous;
            }

            return span;
        }
    }

    public static void Enter(ZespanSpan span) => s_current.Value = span;

    /// <summary>Makes the span's predecessor current again, if the span is still the current one.</summary>
    public static void Exit(ZespanSpan span)
    {
        if (!ReferenceEquals(s_current.Value, span))
        {
            return;
        }

        var previous = span.Previous;
        while (previous is { IsEnded: true })
        {
            previous = previous.Previous;
        }

        s_current.Value = previous;
    }
}
