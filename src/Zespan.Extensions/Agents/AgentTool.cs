namespace Zespan.Extensions;

/// <summary>A tool an agent can call, listed on its <c>agent</c> event.</summary>
/// <param name="Name">The tool's name.</param>
/// <param name="Description">What the tool does.</param>
public sealed record AgentTool(string Name, string Description);
