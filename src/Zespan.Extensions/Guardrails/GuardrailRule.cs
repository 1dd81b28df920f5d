namespace Zespan.Extensions;

/// <summary>Turns guardrail checks on for every client of one provider (or all, with <c>*</c>).</summary>
public sealed class GuardrailRule
{
    /// <summary>Gets or sets the provider (<c>openai</c>, <c>anthropic</c>, ...) or <c>*</c> for all.</summary>
    /// <value>The default is <c>*</c>.</value>
    public string Provider { get; set; } = "*";

    /// <summary>Gets or sets a value indicating whether prompts are checked before sending.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Pre { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether completions are checked before the caller gets them.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Post { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a failed check blocks the call.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool FailClosed { get; set; }

    /// <summary>Gets a value indicating whether the rule came from the backend's remote configuration (a <c>guardrail_enable</c> rule).</summary>
    internal bool IsRemote { get; init; }
}
