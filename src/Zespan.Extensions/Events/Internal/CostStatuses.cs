namespace Zespan.Extensions.Events.Internal;

/// <summary>The values of the EVENT's <c>cost_status</c> (set on model calls by the lifecycle's pricing step).</summary>
internal static class CostStatuses
{
    /// <summary>The provider (a LiteLLM header, OpenRouter's <c>usage.cost</c>) or the caller (<see cref="GenerationLog.Cost"/>) gave the cost.</summary>
    public const string Provided = "provided";

    /// <summary>The cost was computed from a price (the built-in table, <see cref="ZespanOptions.ModelPrices"/>, a remote <c>model_price</c>).</summary>
    public const string Estimated = "estimated";

    /// <summary>No price is known for the model: <c>cost</c> is null, never 0.</summary>
    public const string Unpriced = "unpriced";
}
