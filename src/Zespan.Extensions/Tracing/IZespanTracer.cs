namespace Zespan.Extensions;

/// <summary>Starts Zespan spans and agents, and logs LLM calls made outside an instrumented client.</summary>
public interface IZespanTracer
{
    /// <summary>
    /// Starts a span. Its <c>log_type</c> is <c>workflow</c> when it has no Zespan parent, <c>custom</c>
    /// inside another Zespan span or agent. LLM calls and spans started inside it are its children.
    /// </summary>
    /// <param name="name">The span's name, e.g. <c>rag-pipeline</c>.</param>
    /// <returns>The span; dispose it to end it.</returns>
    ZespanSpan StartSpan(string name);

    /// <summary>Starts an agent span.</summary>
    /// <param name="name">The agent's name.</param>
    /// <param name="role">The agent's role.</param>
    /// <param name="framework">The framework the agent runs on.</param>
    /// <param name="tools">The tools the agent can call.</param>
    /// <returns>The agent; dispose it to end it.</returns>
    AgentContext StartAgent(string name, string role = "specialist", string framework = "custom", IEnumerable<AgentTool>? tools = null);

    /// <summary>Logs an LLM call that went through no instrumented client, as a <c>generation</c> event.</summary>
    /// <param name="log">The call. <see cref="GenerationLog.Model"/> is required.</param>
    /// <exception cref="ArgumentException">The model is missing.</exception>
    void LogGeneration(GenerationLog log);
}
