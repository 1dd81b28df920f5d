using System.Diagnostics;
using Zespan.Extensions.Diagnostics.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// Finds the span another GenAI instrumentation makes of the same call (Microsoft.Extensions.AI's
/// <c>OpenTelemetryChatClient</c> or <c>OpenTelemetryEmbeddingGenerator</c> in the same pipeline), so the call is
/// one span in OpenTelemetry: theirs. Zespan's event, which goes to Zespan with cost, context and redaction, takes
/// that span's id when the span is outside the middleware, and Zespan starts no activity of its own.
/// </summary>
internal static class GenAiSpans
{
    private const string OperationNameTag = "gen_ai.operation.name";

    /// <summary>
    /// Whether a GenAI operation is one model call (the span another instrumentation makes of the call itself), not an
    /// agent or tool span that merely encloses it (<c>invoke_agent</c> spans are client spans too).
    /// </summary>
    /// <param name="operation">The span's <c>gen_ai.operation.name</c>.</param>
    internal static bool IsModelCall(string? operation) =>
        operation is "chat" or "embeddings" or "generate_content" or "text_completion";

    /// <summary>
    /// Marks <paramref name="evt"/> when another instrumentation records this call as a span: an outer one (its span
    /// is current: the event takes its span id) or an inner one (it exposes its <see cref="ActivitySource"/> through
    /// <c>GetService</c> and something listens to it).
    /// </summary>
    /// <param name="evt">The middleware's event, just started.</param>
    /// <param name="inner">Answers <c>GetService(typeof(ActivitySource))</c> for the pipeline below the middleware.</param>
    /// <returns>True when the call's span is another instrumentation's.</returns>
    public static bool Adopt(ZespanEvent evt, Func<Type, object?> inner)
    {
        if (Activity.Current is { IsStopped: false, Kind: ActivityKind.Client } outer
            && !ReferenceEquals(outer.Source, ZespanDiagnostics.ActivitySource)
            && IsModelCall(outer.GetTagItem(OperationNameTag) as string))
        {
            if (RawIds.From(outer.TraceId) == evt.RawTraceId)
            {
                // One id for both views of the call; the event's parent is the span's parent, as it would be for Zespan's own.
                var spanId = RawIds.From(outer.SpanId);
                if (evt.RawParentSpanId == spanId)
                {
                    evt.RawParentSpanId = outer.ParentSpanId == default ? 0 : RawIds.From(outer.ParentSpanId);
                }

                evt.RawSpanId = spanId;
            }

            evt.SpanRecordedElsewhere = true;
            return true;
        }

        try
        {
            if (inner(typeof(ActivitySource)) is ActivitySource source
                && !ReferenceEquals(source, ZespanDiagnostics.ActivitySource)
                && source.HasListeners())
            {
                evt.SpanRecordedElsewhere = true;
                return true;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // An inner client whose GetService throws: Zespan keeps its own activity.
            Debug.WriteLine(ex);
        }

        return false;
    }
}
