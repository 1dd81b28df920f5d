namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>
/// Tests that run real agent frameworks with <c>CaptureAgentFrameworks</c>: the capture's <see cref="System.Diagnostics.ActivityListener"/>
/// is process-wide (every host that captures sees every framework span of the process), so these tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AgentFrameworkCollection
{
    public const string Name = "Agent framework ActivitySource listeners";
}
