using System.Text.Json;

namespace Zespan.Extensions;

/// <summary>A new prompt version, for <see cref="IPromptClient.CreateAsync"/>.</summary>
public sealed class CreatePromptRequest
{
    /// <summary>Gets the prompt's name. Required.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the kind of prompt: <see cref="PromptType.Text"/> needs <see cref="Text"/>, <see cref="PromptType.Chat"/> needs <see cref="Messages"/>.</summary>
    /// <value>The default is <see cref="PromptType.Text"/>.</value>
    public PromptType PromptType { get; init; }

    /// <summary>Gets the template of a text prompt.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? Text { get; init; }

    /// <summary>Gets the message templates of a chat prompt (at least one).</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public IReadOnlyList<PromptMessage>? Messages { get; init; }

    /// <summary>Gets the labels of the new version; each moves here from the version that had it.</summary>
    /// <value>The default is <see langword="null"/> (no labels).</value>
    public IReadOnlyList<string>? Labels { get; init; }

    /// <summary>
    /// Gets the model configuration stored with the prompt, as JSON values, for example
    /// <c>new Dictionary&lt;string, JsonElement&gt; { ["temperature"] = JsonSerializer.SerializeToElement(0.2) }</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/> (an empty configuration).</value>
    public IReadOnlyDictionary<string, JsonElement>? Config { get; init; }

    /// <summary>Gets a message describing the change.</summary>
    /// <value>The default is <see langword="null"/>.</value>
    public string? CommitMessage { get; init; }
}
