namespace Zespan.Extensions.Tracing.Internal;

/// <summary>
/// Estimates the cost of an LLM call from its model and token counts (the price table). Optional: when one
/// is registered, <see cref="ZespanTracer.LogGeneration"/> asks it for a <c>generation</c> whose log has no
/// <see cref="GenerationLog.Cost"/>; when none is registered the cost stays null.
/// </summary>
internal interface IZespanCostEstimator
{
    /// <summary>Returns the cost in USD, or null when the model's price is unknown. Must not throw.</summary>
    double? EstimateCost(string? provider, string model, int? promptTokens, int? completionTokens);
}
