using System.ComponentModel.DataAnnotations;

namespace Zespan.Samples.WebApi.Controllers;

/// <summary>The headers the sample reads and writes.</summary>
public static class SampleHeaders
{
    /// <summary>The caller's user id: the development authentication scheme signs the caller in as this user, and Zespan's <c>AddAspNetCore</c> sends it as the trace's <c>customer_identifier</c>.</summary>
    public const string UserId = "X-User-Id";

    /// <summary>The caller's conversation id; <c>AddAspNetCore</c> reads it (its default <c>SessionIdHeader</c>) as the trace's <c>thread_identifier</c>.</summary>
    public const string SessionId = "X-Session-Id";

    /// <summary>Answered on every traced request: the Zespan trace id (open it in the viewer as <c>/#/trace/{id}</c>).</summary>
    public const string TraceId = "X-Zespan-Trace-Id";
}

/// <summary>A chat message from the user.</summary>
/// <param name="Message">What the user wrote.</param>
public sealed record ChatRequest([Required(AllowEmptyStrings = false), StringLength(4000)] string Message);

/// <summary>The model's answer.</summary>
/// <param name="Reply">The text.</param>
/// <param name="TraceId">The Zespan trace of the call.</param>
/// <param name="Model">The model that answered.</param>
/// <param name="TotalTokens">Tokens used, as the provider reported them.</param>
/// <param name="PromptVersion">The version of the <c>support-reply</c> prompt used; null when the built-in fallback was used.</param>
public sealed record ChatReply(string Reply, string TraceId, string Model, int? TotalTokens, int? PromptVersion);

/// <summary>One chunk of a streamed reply (an SSE <c>data:</c> line).</summary>
/// <param name="Text">The text of the chunk.</param>
public sealed record StreamDelta(string Text);

/// <summary>The last SSE event of a streamed reply (<c>event: done</c>).</summary>
/// <param name="TraceId">The Zespan trace of the call.</param>
/// <param name="FinishReason">Why the model stopped.</param>
public sealed record StreamDone(string TraceId, string? FinishReason);

/// <summary>A request to the support agent.</summary>
/// <param name="Message">What the user wrote; mention <c>order_id=A-1001</c> to name an order.</param>
public sealed record AgentRequest([Required(AllowEmptyStrings = false), StringLength(4000)] string Message);

/// <summary>A tool call the agent made.</summary>
/// <param name="Name">The tool.</param>
/// <param name="Arguments">Its arguments, as JSON.</param>
/// <param name="Result">Its result, as JSON.</param>
public sealed record ToolCallSummary(string Name, string Arguments, string Result);

/// <summary>The agent's answer.</summary>
/// <param name="Reply">The final reply (written by the agent the work was handed to).</param>
/// <param name="TraceId">The Zespan trace of the run.</param>
/// <param name="Plan">The plan the agent logged.</param>
/// <param name="Tools">The tools it called, in order.</param>
/// <param name="HandedOffTo">The agent that wrote the reply.</param>
public sealed record AgentReply(string Reply, string TraceId, IReadOnlyList<string> Plan, IReadOnlyList<ToolCallSummary> Tools, string HandedOffTo);
