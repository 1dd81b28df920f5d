namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The parts of <see cref="ZespanEvent.PromptTokens"/> the provider reports (the EVENT's <c>prompt_tokens_details</c>).
/// Each part is already counted in <c>prompt_tokens</c>: a total never adds them again.
/// </summary>
internal sealed class PromptTokensDetails
{
    /// <summary>Gets or sets the input tokens read from the provider's prompt cache (<c>cached_tokens</c>).</summary>
    public int? CachedTokens { get; set; }

    /// <summary>Gets or sets the input tokens written to the provider's prompt cache (<c>cache_creation_tokens</c>).</summary>
    public int? CacheCreationTokens { get; set; }

    /// <summary>Gets or sets the audio input tokens (<c>audio_tokens</c>).</summary>
    public int? AudioTokens { get; set; }

    /// <summary>A details object, or null when the provider reported none of the parts.</summary>
    public static PromptTokensDetails? Of(int? cached, int? cacheCreation, int? audio) =>
        cached is null && cacheCreation is null && audio is null
            ? null
            : new PromptTokensDetails { CachedTokens = cached, CacheCreationTokens = cacheCreation, AudioTokens = audio };
}
