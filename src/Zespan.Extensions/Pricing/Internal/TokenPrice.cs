namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// A model's list prices in USD per million tokens. A missing cached-input or cache-write price means the provider
/// bills those tokens as ordinary input.
/// </summary>
internal readonly record struct TokenPrice(decimal InputPerMillion, decimal OutputPerMillion, decimal? CachedInputPerMillion = null, decimal? CacheWritePerMillion = null)
{
    /// <summary>Gets the prices of long prompts, when the model has a long-context tier.</summary>
    public LongContextTier? LongContext { get; init; }

    /// <summary>The cost of a call in USD: fresh input, cache reads, cache writes and output, each at its price.</summary>
    /// <remarks>
    /// Cache reads and writes are parts of <see cref="TokenCounts.Prompt"/>; they are taken out of it, never added
    /// to it, so a call is never billed twice for the same token. A part larger than the prompt (a provider's
    /// inconsistent report) is capped at what is left of it.
    /// </remarks>
    public double Cost(in TokenCounts usage)
    {
        var prompt = Math.Max(0, usage.Prompt ?? 0);
        var completion = Math.Max(0, usage.Completion ?? 0);
        var cached = Math.Clamp(usage.CachedInput ?? 0, 0, prompt);
        var written = Math.Clamp(usage.CacheWrite ?? 0, 0, prompt - cached);
        var fresh = prompt - cached - written;

        decimal input = InputPerMillion, output = OutputPerMillion;
        decimal? cachedPrice = CachedInputPerMillion, writePrice = CacheWritePerMillion;
        if (LongContext is { } tier && prompt > tier.AboveTokens)
        {
            (input, output, cachedPrice, writePrice) = (tier.InputPerMillion, tier.OutputPerMillion, tier.CachedInputPerMillion, tier.CacheWritePerMillion);
        }

        var total = (fresh * input) + (cached * (cachedPrice ?? input)) + (written * (writePrice ?? input)) + (completion * output);
        return (double)(total / 1_000_000m);
    }

    /// <summary>The cost of a call that reports no cache use.</summary>
    public double Cost(int? promptTokens, int? completionTokens) => Cost(new TokenCounts(promptTokens, completionTokens));
}
