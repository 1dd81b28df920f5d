namespace Zespan.Extensions;

/// <summary>The backend has no prompt with the requested name and label or version (it answered 404).</summary>
public sealed class PromptNotFoundException : ZespanApiException
{
    /// <summary>Initializes a new instance of the <see cref="PromptNotFoundException"/> class.</summary>
    public PromptNotFoundException()
        : this(string.Empty, null, null)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptNotFoundException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public PromptNotFoundException(string message)
        : base(message, 404, "not_found", null)
    {
        PromptName = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="PromptNotFoundException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PromptNotFoundException(string message, Exception? innerException)
        : base(message, 404, "not_found", null, innerException)
    {
        PromptName = string.Empty;
    }

    /// <summary>Initializes a new instance of the <see cref="PromptNotFoundException"/> class for one prompt.</summary>
    /// <param name="promptName">The prompt's name.</param>
    /// <param name="label">The label asked for, if any.</param>
    /// <param name="version">The version asked for, if any.</param>
    /// <param name="serverMessage">The backend's <c>error.message</c>.</param>
    public PromptNotFoundException(string promptName, string? label, int? version, string? serverMessage = null)
        : base(BuildMessage(promptName, label, version), 404, "not_found", serverMessage)
    {
        PromptName = promptName ?? string.Empty;
        Label = label;
        Version = version;
    }

    /// <summary>Gets the name of the prompt asked for.</summary>
    public string PromptName { get; }

    /// <summary>Gets the label asked for, or <see langword="null"/> when a version was asked for.</summary>
    public string? Label { get; }

    /// <summary>Gets the version asked for, or <see langword="null"/> when a label was asked for.</summary>
    public int? Version { get; }

    private static string BuildMessage(string? name, string? label, int? version) => version is { } v
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Zespan has no prompt '{name}' with version {v}.")
        : $"Zespan has no prompt '{name}' with label '{label}'.";
}
