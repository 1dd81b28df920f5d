namespace Zespan.Extensions;

/// <summary>
/// Links a generation to the prompt it was made with, through metadata keys Zespan understands:
/// <c>GenerationLog.Metadata = prompt.ToMetadata()</c>, or
/// <c>span.SetMetadata(PromptMetadata.NameKey, prompt.Name)</c> on a <see cref="ZespanSpan"/>.
/// </summary>
public static class PromptMetadata
{
    /// <summary>The metadata key holding the prompt's name.</summary>
    public const string NameKey = "prompt.name";

    /// <summary>The metadata key holding the prompt's version.</summary>
    public const string VersionKey = "prompt.version";

    /// <summary>The metadata key set to <see langword="true"/> when the prompt was a fallback.</summary>
    public const string FallbackKey = "prompt.fallback";

    /// <summary>
    /// Returns metadata naming the prompt: <c>prompt.name</c> and <c>prompt.version</c>, plus <c>prompt.fallback</c>
    /// when <see cref="Prompt.IsFallback"/> is set, followed by <paramref name="additional"/> entries (which win on a clash).
    /// </summary>
    /// <param name="prompt">The prompt the generation was made with.</param>
    /// <param name="additional">More metadata to include.</param>
    /// <returns>A new dictionary, suitable for <see cref="GenerationLog.Metadata"/>.</returns>
    public static IReadOnlyDictionary<string, object?> ToMetadata(this Prompt prompt, IReadOnlyDictionary<string, object?>? additional = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var metadata = new Dictionary<string, object?>(3 + (additional?.Count ?? 0), StringComparer.Ordinal)
        {
            [NameKey] = prompt.Name,
            [VersionKey] = prompt.Version,
        };
        if (prompt.IsFallback)
        {
            metadata[FallbackKey] = true;
        }

        if (additional is not null)
        {
            foreach (var (key, value) in additional)
            {
                metadata[key] = value;
            }
        }

        return metadata;
    }
}
