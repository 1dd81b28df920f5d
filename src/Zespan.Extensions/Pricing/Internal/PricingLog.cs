using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Pricing.Internal;

/// <summary>Log messages of usage estimation.</summary>
internal static partial class PricingLog
{
    [LoggerMessage(EventId = ZespanLogEvents.UsageEstimationFailed, EventName = nameof(ZespanLogEvents.UsageEstimationFailed), Level = LogLevel.Debug, Message = "Zespan could not estimate the tokens of a call to model '{Model}'; it is sent without token counts.")]
    public static partial void EstimationFailed(ILogger logger, string? model, Exception exception);
}
