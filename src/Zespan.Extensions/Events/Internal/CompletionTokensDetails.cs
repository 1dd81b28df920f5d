namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The parts of <see cref="ZespanEvent.CompletionTokens"/> the provider reports (the EVENT's <c>completion_tokens_details</c>).
/// Each part is already counted in <c>completion_tokens</c>.
/// </summary>
internal sealed class CompletionTokensDetails
{
    /// <summary>Gets or sets the reasoning (thinking) tokens (<c>reasoning_tokens</c>), billed as output.</summary>
    public int? ReasoningTokens { get; set; }

    /// <summary>Gets or sets the audio output tokens (<c>audio_tokens</c>).</summary>
    public int? AudioTokens { get; set; }

    /// <summary>A details object, or null when the provider reported none of the parts.</summary>
    public static CompletionTokensDetails? Of(int? reasoning, int? audio) =>
        reasoning is null && audio is null ? null : new CompletionTokensDetails { ReasoningTokens = reasoning, AudioTokens = audio };
}
