namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// The prices of a request whose prompt (every input token, cache reads and writes included) is longer than
/// <paramref name="AboveTokens"/>: every token of such a request is priced at this tier, output included (the way
/// Anthropic, Google and OpenAI bill their long-context tiers).
/// </summary>
internal sealed record LongContextTier(int AboveTokens, decimal InputPerMillion, decimal OutputPerMillion, decimal? CachedInputPerMillion = null, decimal? CacheWritePerMillion = null);
