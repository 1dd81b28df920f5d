namespace Zespan.Extensions;

/// <summary>Fetches, caches, creates and compiles versioned prompts. PLACEHOLDER: completed by the prompts feature.</summary>
public interface IPromptClient
{
}
