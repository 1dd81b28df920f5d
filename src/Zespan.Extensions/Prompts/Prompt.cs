using System.Collections.ObjectModel;
using System.Text.Json;

namespace Zespan.Extensions;

/// <summary>
/// One version of a prompt stored in Zespan, or a fallback built in code:
/// <c>new Prompt { Name = "support-reply", PromptType = PromptType.Text, Text = "..." }</c>.
/// </summary>
/// <remarks>Instances returned by <see cref="IPromptClient"/> are shared through its cache: treat them as immutable.</remarks>
public sealed record Prompt
{
    /// <summary>Gets the prompt's name.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the version number (from 1); 0 for a prompt built in code.</summary>
    /// <value>The default is 0.</value>
    public int Version { get; init; }

    /// <summary>Gets whether this is a text prompt (<see cref="Text"/>) or a chat prompt (<see cref="Messages"/>).</summary>
    /// <value>The default is <see cref="PromptType.Text"/>.</value>
    public PromptType PromptType { get; init; }

    /// <summary>Gets the template of a text prompt.</summary>
    /// <value>The default is <see langword="null"/>; <see langword="null"/> for chat prompts.</value>
    public string? Text { get; init; }

    /// <summary>Gets the message templates of a chat prompt.</summary>
    /// <value>The default is <see langword="null"/>; <see langword="null"/> for text prompts.</value>
    public IReadOnlyList<PromptMessage>? Messages { get; init; }

    /// <summary>Gets the labels on this version (<c>production</c>, <c>staging</c>, ...).</summary>
    /// <value>The default is empty.</value>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>
    /// Gets the model configuration stored with the prompt (for example <c>temperature</c>), as JSON values:
    /// <c>prompt.Config["temperature"].GetDouble()</c>.
    /// </summary>
    /// <value>The default is empty.</value>
    public IReadOnlyDictionary<string, JsonElement> Config { get; init; } = ReadOnlyDictionary<string, JsonElement>.Empty;

    /// <summary>Gets the message the version was created with.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? CommitMessage { get; init; }

    /// <summary>Gets when the version was created.</summary>
    /// <value>The default is <see langword="null"/> (a prompt built in code).</value>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets a value indicating whether this is the fallback given to <c>GetAsync</c>, returned because the backend gave no prompt.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool IsFallback { get; init; }
}

/// <summary>The kind of a prompt.</summary>
public enum PromptType
{
    /// <summary>A single text template (<see cref="Prompt.Text"/>).</summary>
    Text = 0,

    /// <summary>A list of message templates (<see cref="Prompt.Messages"/>).</summary>
    Chat = 1,
}

/// <summary>One message of a chat prompt.</summary>
/// <param name="Role">The role: <c>system</c>, <c>user</c>, <c>assistant</c>, ...</param>
/// <param name="Content">The content, a template before compilation.</param>
public sealed record PromptMessage(string Role, string Content);
