namespace Zespan.Extensions.Pricing.Internal;

/// <summary>
/// Counts the tokens of a text the way a model's tokenizer would (the seam behind usage estimation; the default is
/// <see cref="TiktokenTokenCountEstimator"/>). Called on the export thread only.
/// </summary>
internal interface ITokenCountEstimator
{
    /// <summary>Counts the tokens of <paramref name="text"/> for <paramref name="model"/>. Must not throw.</summary>
    int CountTokens(string? model, string text);
}
