namespace Zespan.Extensions.Prompts.Internal;

/// <summary>
/// The cache key: the name and either a label or a version, as given (no string is built, so a lookup allocates nothing).
/// Exactly one of <see cref="Label"/> and <see cref="Version"/> is set.
/// </summary>
internal readonly record struct PromptCacheKey(string Name, string? Label, int? Version);
