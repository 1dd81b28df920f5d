namespace Zespan.Extensions.Agents.Internal;

/// <summary>
/// The <see cref="System.Diagnostics.ActivitySource"/>s of the .NET agent frameworks <c>CaptureAgentFrameworks</c>
/// listens to, and the <c>framework</c> name an agent event of each gets.
/// </summary>
internal static class AgentFrameworkSources
{
    /// <summary>Microsoft Agent Framework's agents (<c>UseOpenTelemetry()</c> on an agent builder), their chat and tool spans.</summary>
    public const string AgentFramework = "Experimental.Microsoft.Agents.AI";

    /// <summary>Microsoft Agent Framework's workflows (<c>WithOpenTelemetry()</c> on a workflow builder).</summary>
    public const string AgentFrameworkWorkflows = "Microsoft.Agents.AI.Workflows";

    /// <summary>Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c> chat clients and <c>FunctionInvokingChatClient</c> under them.</summary>
    public const string ExtensionsAI = "Experimental.Microsoft.Extensions.AI";

    /// <summary>Semantic Kernel: every source whose name starts with this (<c>Microsoft.SemanticKernel</c>, <c>Microsoft.SemanticKernel.Diagnostics</c>, ...).</summary>
    public const string SemanticKernelPrefix = "Microsoft.SemanticKernel";

    /// <summary>The <c>agent.framework</c> of a Microsoft Agent Framework agent.</summary>
    public const string AgentFrameworkName = "microsoft-agent-framework";

    /// <summary>The <c>agent.framework</c> of a Semantic Kernel agent.</summary>
    public const string SemanticKernelName = "semantic-kernel";

    /// <summary>The <c>agent.framework</c> of an agent seen through Microsoft.Extensions.AI.</summary>
    public const string ExtensionsAIName = "microsoft-extensions-ai";

    /// <summary>Gets a value indicating whether the source is one Zespan listens to.</summary>
    public static bool IsFrameworkSource(string name) =>
        name is AgentFramework or AgentFrameworkWorkflows or ExtensionsAI
        || (name.StartsWith(SemanticKernelPrefix, StringComparison.Ordinal)
            && (name.Length == SemanticKernelPrefix.Length || name[SemanticKernelPrefix.Length] == '.'));

    /// <summary>Gets the framework name of an activity source.</summary>
    public static string FrameworkOf(string sourceName) =>
        sourceName.StartsWith(SemanticKernelPrefix, StringComparison.Ordinal) ? SemanticKernelName
        : string.Equals(sourceName, ExtensionsAI, StringComparison.Ordinal) ? ExtensionsAIName
        : AgentFrameworkName;
}
