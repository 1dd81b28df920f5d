namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// What a call used, as the price table needs it: every input token (<paramref name="Prompt"/>, cache reads and writes
/// included), every output token (reasoning included), and the parts of the input read from and written to the cache.
/// </summary>
/// <param name="Prompt">All input tokens.</param>
/// <param name="Completion">All output tokens.</param>
/// <param name="CachedInput">The input tokens read from the prompt cache (part of <paramref name="Prompt"/>).</param>
/// <param name="CacheWrite">The input tokens written to the prompt cache (part of <paramref name="Prompt"/>).</param>
internal readonly record struct TokenCounts(int? Prompt, int? Completion, int? CachedInput = null, int? CacheWrite = null)
{
    /// <summary>Gets a value indicating whether there is anything to price.</summary>
    public bool IsEmpty => Prompt is null && Completion is null;
}
