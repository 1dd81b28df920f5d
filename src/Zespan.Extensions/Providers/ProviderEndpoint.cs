namespace Zespan.Extensions;

/// <summary>
/// Maps a host Zespan does not know (a gateway, Azure API Management, vLLM, Ollama, a self-hosted proxy, a
/// loopback test server) to the wire format it speaks, so its calls are recorded by
/// <c>InstrumentAllHttpClients</c>, process-wide capture included. An element of
/// <see cref="ZespanOptions.ProviderEndpoints"/>; bindable from configuration
/// (<c>"ProviderEndpoints": [ { "Host": "localhost:11434", "Provider": "OpenAI", "ProviderName": "ollama" } ]</c>).
/// </summary>
/// <remarks>
/// Entries are matched in order before the built-in hosts, so an entry can also relabel a known host. The
/// operation (chat completions, responses, embeddings, messages, ...) still comes from the request path.
/// </remarks>
public sealed class ProviderEndpoint
{
    /// <summary>
    /// Gets or sets the host: <c>host</c> (any port), <c>host:port</c>, or <c>*.suffix</c> for every host under a
    /// domain (<c>*.example.com</c> matches <c>a.example.com</c> and <c>a.b.example.com</c>, not <c>example.com</c>).
    /// </summary>
    /// <value>The default is empty; validated when the host starts.</value>
    public string Host { get; set; } = string.Empty;

    /// <summary>
    /// Gets or sets the path the endpoint lives under, for a host that serves several providers under
    /// different paths (<c>/openai</c> and <c>/anthropic</c> of one gateway); it must start with <c>/</c> and
    /// matches whole path segments.
    /// </summary>
    /// <value>The default is <see langword="null"/>: every path of the host.</value>
    public string? PathPrefix { get; set; }

    /// <summary>Gets or sets the wire format the endpoint speaks.</summary>
    /// <value>The default is <see cref="ZespanProvider.OpenAI"/> (OpenAI-compatible).</value>
    public ZespanProvider Provider { get; set; } = ZespanProvider.OpenAI;

    /// <summary>
    /// Gets or sets the <c>provider</c> written on events (and matched by guardrail rules and model overrides),
    /// such as <c>ollama</c>, <c>vllm</c> or <c>my-gateway</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: the wire format's own name (<c>openai</c>, <c>anthropic</c>, ...).</value>
    public string? ProviderName { get; set; }
}
