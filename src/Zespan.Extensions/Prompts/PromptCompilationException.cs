namespace Zespan.Extensions;

/// <summary>A prompt could not be compiled: its template needs variables the call did not give.</summary>
public sealed class PromptCompilationException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PromptCompilationException"/> class.</summary>
    public PromptCompilationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptCompilationException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public PromptCompilationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptCompilationException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PromptCompilationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PromptCompilationException"/> class for a prompt and its missing variables.</summary>
    /// <param name="promptName">The prompt's name.</param>
    /// <param name="version">The prompt's version.</param>
    /// <param name="missingVariables">Every variable the template needs and the call lacked, in order of first use.</param>
    public PromptCompilationException(string promptName, int version, IReadOnlyList<string> missingVariables)
        : base(BuildMessage(promptName, version, missingVariables))
    {
        PromptName = promptName;
        MissingVariables = missingVariables;
    }

    /// <summary>Gets the name of the prompt.</summary>
    public string? PromptName { get; }

    /// <summary>Gets every variable the template needs and the call lacked, in order of first use.</summary>
    /// <value>Empty unless built for missing variables.</value>
    public IReadOnlyList<string> MissingVariables { get; } = [];

    private static string BuildMessage(string promptName, int version, IReadOnlyList<string> missing)
    {
        ArgumentNullException.ThrowIfNull(missing);
        var names = string.Join(", ", missing);
        return string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"Prompt '{promptName}' (version {version}) needs {(missing.Count == 1 ? "a variable" : "variables")} the call did not give: {names}. Add {(missing.Count == 1 ? "it" : "them")} to the variables passed to Compile.");
    }
}
