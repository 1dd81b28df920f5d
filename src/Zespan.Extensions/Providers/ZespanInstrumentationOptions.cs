namespace Zespan.Extensions;

/// <summary>Settings of the Zespan handler on one instrumented HTTP client.</summary>
/// <remarks>
/// Everything else (what is captured, size limits, model overrides, prices) comes from
/// <see cref="ZespanOptions"/> and is read per request, so a configuration reload applies to
/// clients that already exist.
/// </remarks>
public sealed class ZespanInstrumentationOptions
{
    /// <summary>Gets or sets the guardrail checks run on this client's calls.</summary>
    /// <value>
    /// The default is <see langword="null"/>: no checks, unless a remote <c>guardrail_enable</c> rule
    /// turns them on for the provider.
    /// </value>
    public GuardrailOptions? Guardrails { get; set; }

    /// <summary>
    /// Gets or sets the provider label written on events instead of the wire format's own name, for an
    /// OpenAI-compatible endpoint of another vendor (for example <c>deepseek</c> or <c>together</c>).
    /// </summary>
    /// <value>The default is <see langword="null"/>: the provider's own name (<c>openai</c>, <c>anthropic</c>, ...).</value>
    public string? ProviderName { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether remote <c>guardrail_enable</c> rules (from the Zespan backend's
    /// configuration) may turn guardrail checks on for this client. Local rules (<see cref="ZespanOptions.GuardrailRules"/>)
    /// and <see cref="Guardrails"/> apply either way.
    /// </summary>
    /// <value>
    /// The default is <see langword="true"/>, as the configuration propagation of the original SDK. Set it to
    /// <see langword="false"/> for a client whose prompts and completions must never be held back or sent for a check
    /// unless the app itself asks for it. While <see cref="ZespanOptions.StorePrompts"/> is <see langword="false"/>,
    /// remote rules are ignored whatever this says.
    /// </value>
    public bool AllowRemoteGuardrails { get; set; } = true;
}
