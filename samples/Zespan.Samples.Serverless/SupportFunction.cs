using Zespan.Extensions;

namespace Zespan.Samples.Serverless;

/// <summary>One invocation's input (what a trigger would hand the function).</summary>
/// <param name="RequestId">The platform's request id; used as the Zespan session.</param>
/// <param name="UserId">Who the invocation is for.</param>
/// <param name="Message">The question.</param>
public sealed record Invocation(string RequestId, string UserId, string Message);

/// <summary>What the invocation returns.</summary>
/// <param name="Reply">The model's answer.</param>
/// <param name="TraceId">The Zespan trace of the invocation.</param>
/// <param name="Flushed">Whether <see cref="IZespanClient.FlushAsync"/> confirmed delivery before returning.</param>
public sealed record InvocationResult(string Reply, string TraceId, bool Flushed);

/// <summary>
/// The function. A serverless platform may freeze or kill the process as soon as the handler returns, so the
/// background flusher may never run again: the handler flushes the events of its invocation itself, last.
/// </summary>
public sealed class SupportFunction(SummaryModel model, IZespanClient zespan, IZespanContextAccessor zespanContext, IZespanTracer tracer)
{
    /// <summary>Handles one invocation.</summary>
    /// <param name="invocation">The input.</param>
    /// <param name="cancellationToken">The platform's deadline.</param>
    /// <returns>The reply, the trace id, and whether the telemetry was delivered.</returns>
    public async Task<InvocationResult> HandleAsync(Invocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        string reply;
        string traceId;
        using (zespanContext.BeginScope(invocation.UserId, invocation.RequestId))
        {
            using var span = tracer.StartSpan("function.invoke");
            span.SetTag("faas.invocation_id", invocation.RequestId);
            traceId = span.TraceId;
            reply = await model.AskAsync(invocation.Message, cancellationToken);
        } // the span ends here and is queued with the model call's event

        // Deliver before returning: true when every event queued so far was accepted by the server.
        // Without a token it waits at most Zespan:ShutdownTimeout (5 s by default); it never throws.
        var flushed = await zespan.FlushAsync(cancellationToken);
        return new InvocationResult(reply, traceId, flushed);
    }
}
