namespace Zespan.Extensions;

/// <summary>The values of an event's <c>log_type</c> field.</summary>
public static class LogTypes
{
    /// <summary>A root span started with <see cref="IZespanTracer.StartSpan"/>.</summary>
    public const string Workflow = "workflow";

    /// <summary>An agent started with <see cref="IZespanTracer.StartAgent"/>.</summary>
    public const string Agent = "agent";

    /// <summary>A tool call traced by an agent.</summary>
    public const string Tool = "tool";

    /// <summary>A chat or completion LLM call.</summary>
    public const string Generation = "generation";

    /// <summary>An OpenAI Responses API call.</summary>
    public const string Response = "response";

    /// <summary>An embedding call.</summary>
    public const string Embedding = "embedding";

    /// <summary>A handoff from one agent to another.</summary>
    public const string Handoff = "handoff";

    /// <summary>A guardrail check.</summary>
    public const string Guardrail = "guardrail";

    /// <summary>An agent's plan.</summary>
    public const string Plan = "plan";

    /// <summary>A span inside another Zespan span or agent.</summary>
    public const string Custom = "custom";
}
