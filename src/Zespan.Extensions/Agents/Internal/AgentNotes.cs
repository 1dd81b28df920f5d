namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// What the model calls under an agent span told it (a Microsoft Agent Framework agent span carries neither its
/// tools nor its instructions itself): set by each model call as it ends, read when the agent ends.
/// </summary>
internal sealed class AgentNotes
{
    /// <summary>Gets or sets the first model call's <c>gen_ai.tool.definitions</c>.</summary>
    public volatile string? ToolDefinitions;

    /// <summary>Gets or sets the first model call's <c>gen_ai.system_instructions</c> (only while prompts are stored).</summary>
    public volatile string? Instructions;

    /// <summary>Gets or sets the last model call's finish reasons.</summary>
    public volatile object? FinishReasons;

    /// <summary>Gets or sets the last model call's <c>gen_ai.output.messages</c>.</summary>
    public volatile string? OutputMessages;
}
