using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>The log messages of the agent-framework capture (category <c>Zespan</c>).</summary>
internal static partial class AgentFrameworksLog
{
    [LoggerMessage(EventId = ZespanLogEvents.AgentFrameworkCaptureFailed, EventName = nameof(ZespanLogEvents.AgentFrameworkCaptureFailed), Level = LogLevel.Debug,
        Message = "An agent framework span could not be recorded; the framework's work is unaffected.")]
    public static partial void CaptureFailed(ILogger logger, Exception exception);
}
