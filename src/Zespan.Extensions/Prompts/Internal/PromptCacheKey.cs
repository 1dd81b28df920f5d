namespace Zespan.Extensions.Prompts.Internal;

/// <summary>
/// The cache key: the name and either a label or a version, as given (no string is built, so a lookup allocates nothing).
/// Exactly one of <see cref="Label"/> and <see cref="Version"/> is set.
/// </summary>
internal readonly record struct PromptCacheKey(string Name, string? Label, int? Version)
{
    /// <summary>Gets the comparer the cache uses: ordinal, hashing the name and version only (labels of one name are few).</summary>
    public static IEqualityComparer<PromptCacheKey> Comparer { get; } = new KeyComparer();

    private sealed class KeyComparer : IEqualityComparer<PromptCacheKey>
    {
        public bool Equals(PromptCacheKey x, PromptCacheKey y) =>
            x.Version == y.Version
            && string.Equals(x.Name, y.Name, StringComparison.Ordinal)
            && string.Equals(x.Label, y.Label, StringComparison.Ordinal);

        public int GetHashCode(PromptCacheKey obj) => obj.Name.GetHashCode(StringComparison.Ordinal) ^ (obj.Version ?? 0);
    }
}
