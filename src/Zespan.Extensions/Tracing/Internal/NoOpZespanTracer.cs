namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// The <see cref="IZespanTracer"/> of a disabled SDK (<c>Enabled</c> false): spans are the shared no-op span,
/// agents run their tools untraced, nothing is recorded. Arguments are still checked, so code that works with
/// the SDK off also works with it on.
/// </summary>
internal sealed class NoOpZespanTracer : IZespanTracer
{
    public static readonly NoOpZespanTracer Instance = new();

    public ZespanSpan StartSpan(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ZespanSpan.NoOp;
    }

    public AgentContext StartAgent(string name, string role = "specialist", string framework = "custom", IEnumerable<AgentTool>? tools = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new AgentContext(null, ZespanSpan.NoOp, name);
    }

    public void LogGeneration(GenerationLog log) => ZespanTracer.ValidateGeneration(log);
}
