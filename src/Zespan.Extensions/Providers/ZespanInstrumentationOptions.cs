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
    /// Gets or sets a value indicating whether OpenAI-style streamed chat completions are asked to report their usage:
    /// a request with <c>"stream": true</c> and no <c>stream_options.include_usage</c> is sent with
    /// <c>"stream_options": {"include_usage": true}</c>, so the event gets the provider's token counts instead of an
    /// estimate. The caller reads the stream it asked for, plus one last chunk before <c>[DONE]</c> that has
    /// <c>"choices": []</c> and the <c>usage</c> object (OpenAI-compatible SDKs read it as a usage update). A request that
    /// sets <c>include_usage</c> itself, either way, is sent unchanged; so are Mistral's, which report usage anyway.
    /// </summary>
    /// <value>The default is <see langword="false"/>: requests are sent as the app wrote them (the OpenAI .NET SDK asks for usage itself).</value>
    public bool IncludeStreamUsage { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether <c>InstrumentAllHttpClients</c> also records the LLM calls of
    /// <see cref="HttpClient"/>s the app did not create through <c>IHttpClientFactory</c> (the private clients of
    /// provider SDKs: <c>new OpenAIClient(...)</c> with no transport, <c>new AnthropicClient { ... }</c>), through
    /// the runtime's HTTP diagnostics. Those calls are observed only: model overrides and guardrails need a Zespan
    /// handler in the client's pipeline. Read by <c>InstrumentAllHttpClients</c> only; a call that goes through a
    /// Zespan handler or the IChatClient middleware is recorded once whichever way.
    /// </summary>
    /// <value>The default is <see langword="true"/>; false instruments factory clients only.</value>
    public bool IncludeNonFactoryClients { get; set; } = true;

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
