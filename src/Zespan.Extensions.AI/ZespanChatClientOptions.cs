namespace Zespan.Extensions.AI;

/// <summary>Options of one <see cref="ZespanChatClient"/>.</summary>
public sealed class ZespanChatClientOptions
{
    /// <summary>
    /// Gets or sets the guardrail checks of this client. When set, they win over
    /// <see cref="ZespanOptions.GuardrailRules"/> (local and remote) for this client.
    /// </summary>
    /// <value>The default is <see langword="null"/>: checks are off unless a guardrail rule for the provider (or <c>*</c>) turns them on.</value>
    public GuardrailOptions? Guardrails { get; set; }

    /// <summary>
    /// Gets or sets the <c>provider</c> written on events and matched by guardrail rules, for a client whose
    /// <see cref="Microsoft.Extensions.AI.ChatClientMetadata"/> does not name the vendor (an OpenAI-compatible
    /// endpoint of another vendor, a custom client).
    /// </summary>
    /// <value>The default is <see langword="null"/>: the provider comes from the inner client's <see cref="Microsoft.Extensions.AI.ChatClientMetadata.ProviderName"/>.</value>
    public string? ProviderName { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether remote <c>guardrail_enable</c> rules (from the Zespan backend's
    /// configuration) may turn guardrail checks on for this client. Local rules and <see cref="Guardrails"/> apply either way.
    /// </summary>
    /// <value>
    /// The default is <see langword="true"/>. While <see cref="ZespanOptions.StorePrompts"/> is <see langword="false"/>,
    /// remote rules are ignored whatever this says.
    /// </value>
    public bool AllowRemoteGuardrails { get; set; } = true;
}
