namespace Zespan.Extensions;

/// <summary>One message of a prompt or a completion.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c>, <c>assistant</c> or <c>tool</c>.</param>
/// <param name="Content">The text content, content parts flattened to text.</param>
public sealed record LlmMessage(string Role, string? Content)
{
    /// <summary>Gets the tool calls an assistant message asks for.</summary>
    public IReadOnlyList<LlmToolCall>? ToolCalls { get; init; }

    /// <summary>Gets the id of the tool call a <c>tool</c> message answers.</summary>
    public string? ToolCallId { get; init; }
}

/// <summary>A tool call asked for by the model.</summary>
/// <param name="Id">The call id.</param>
/// <param name="Name">The tool's name.</param>
/// <param name="Arguments">The arguments as JSON text.</param>
public sealed record LlmToolCall(string Id, string Name, string Arguments);

/// <summary>Token counts of one LLM call.</summary>
/// <param name="PromptTokens">All input tokens, cached ones included.</param>
/// <param name="CompletionTokens">All output tokens, reasoning included.</param>
/// <param name="TotalTokens">The sum.</param>
public sealed record TokenUsage(int PromptTokens, int CompletionTokens, int TotalTokens);
