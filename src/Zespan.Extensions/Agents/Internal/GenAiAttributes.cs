namespace Zespan.Extensions.Agents.Internal;

/// <summary>The OpenTelemetry GenAI attributes (and Semantic Kernel's variants) Zespan reads from framework spans.</summary>
internal static class GenAiAttributes
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string System = "gen_ai.system";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string FinishReasons = "gen_ai.response.finish_reasons";
    public const string FinishReason = "gen_ai.response.finish_reason";
    public const string InputMessages = "gen_ai.input.messages";
    public const string OutputMessages = "gen_ai.output.messages";
    public const string SystemInstructions = "gen_ai.system_instructions";
    public const string ToolDefinitions = "gen_ai.tool.definitions";
    public const string AgentId = "gen_ai.agent.id";
    public const string AgentName = "gen_ai.agent.name";
    public const string AgentDescription = "gen_ai.agent.description";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string ToolName = "gen_ai.tool.name";
    public const string ToolCallId = "gen_ai.tool.call.id";
    public const string ToolArguments = "gen_ai.tool.call.arguments";
    public const string ToolResult = "gen_ai.tool.call.result";
    public const string ErrorType = "error.type";

    /// <summary>Semantic Kernel's message events carry their message as JSON in this attribute.</summary>
    public const string EventContent = "gen_ai.event.content";

    /// <summary>The prefix of the function a Microsoft Agent Framework handoff workflow gives an agent per target (<c>handoff_to_1</c>, ...).</summary>
    public const string HandoffFunctionPrefix = "handoff_to_";
}
