namespace Zespan.Extensions;

/// <summary>An agent span. PLACEHOLDER: implemented by the tracing feature.</summary>
public sealed class AgentContext : IDisposable
{
    internal AgentContext()
    {
    }

    /// <summary>Ends the agent.</summary>
    public void Dispose()
    {
    }
}
