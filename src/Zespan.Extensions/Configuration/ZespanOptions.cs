using Zespan.Extensions.Configuration.Internal;

namespace Zespan.Extensions;

/// <summary>
/// Settings of the Zespan SDK, bound from the <c>Zespan</c> section of <c>appsettings.json</c>
/// or set in code through <c>AddZespan(o =&gt; ...)</c>.
/// </summary>
/// <remarks>
/// Options are validated when the host starts; a bad value fails <c>StartAsync</c> with an
/// <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming the setting and the fix.
/// Remote configuration from the Zespan backend is laid over these values; read the effective
/// values through <c>IOptionsMonitor&lt;ZespanOptions&gt;.CurrentValue</c>.
/// </remarks>
public sealed class ZespanOptions
{
    /// <summary>The name of the configuration section conventionally bound to these options.</summary>
    public const string SectionName = "Zespan";

    /// <summary>The environment variable read when <see cref="ApiKey"/> is not set.</summary>
    public const string ApiKeyEnvironmentVariable = "ZESPAN_API_KEY";

    /// <summary>Gets or sets a value indicating whether the SDK does anything at all.</summary>
    /// <value>The default is <see langword="true"/>. When <see langword="false"/>, every service is a no-op, nothing is validated and nothing is sent.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the Zespan API key (starts with <c>zsp_</c>).</summary>
    /// <value>The default is the value of the <c>ZESPAN_API_KEY</c> environment variable.</value>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the environment label put on every event.</summary>
    /// <value>The default is <c>"production"</c>.</value>
    public string Environment { get; set; } = "production";

    /// <summary>Gets or sets a value indicating whether prompt and completion text is captured.</summary>
    /// <value>The default is <see langword="true"/>. When <see langword="false"/>, events carry no message text and none is captured.</value>
    public bool StorePrompts { get; set; } = true;

    /// <summary>Gets or sets the fraction of traces recorded, decided once per trace.</summary>
    /// <value>The default is 1.0. Must be between 0.0 (none) and 1.0 (all).</value>
    [SettingRange(0, 1, "0 records no trace, 1 records every trace. Set Zespan:SampleRate to a value in that range.")]
    public double SampleRate { get; set; } = 1.0;

    /// <summary>Gets the keys redacted in tags, metadata, tool arguments and message text, merged with the defaults.</summary>
    /// <value>The default is empty (only <see cref="DefaultRedactKeys"/> apply).</value>
    public IList<string> RedactKeys { get; } = new List<string>();

    /// <summary>Gets or sets a value indicating whether <see cref="RedactKeys"/> replaces the default keys instead of adding to them.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool ReplaceDefaultRedactKeys { get; set; }

    /// <summary>Gets or sets the number of events sent in one flush.</summary>
    /// <value>The default is 50.</value>
    [SettingRange(1, int.MaxValue, "Set Zespan:BatchSize to the number of events sent per flush, for example 50.")]
    public int BatchSize { get; set; } = 50;

    /// <summary>Gets or sets the time between flushes and remote configuration polls.</summary>
    /// <value>The default is 2 seconds.</value>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the base URL of the Zespan backend (a path prefix is kept).</summary>
    /// <value>The default is <c>https://api.zespan.com</c>. Must be absolute, and https unless the host is loopback.</value>
    public Uri BaseUrl { get; set; } = new("https://api.zespan.com");

    /// <summary>Gets or sets a value indicating whether spans are also exported over OTLP/HTTP.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool EnableOtel { get; set; }

    /// <summary>Gets or sets the OpenTelemetry collector's base URL; <c>/v1/traces</c> is appended unless present.</summary>
    /// <value>The default is <see langword="null"/>. Required when <see cref="EnableOtel"/> is <see langword="true"/>.</value>
    public Uri? OtelEndpoint { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether message content goes on the <c>Zespan</c> activities:
    /// <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>, <c>gen_ai.system_instructions</c> and tool
    /// arguments and results, after redaction. Off, activities carry the GenAI attributes (model, tokens, cost,
    /// timing, errors) without content. <see cref="StorePrompts"/> alone governs what goes to Zespan; with it off
    /// no content is captured, so activities get none either.
    /// </summary>
    /// <value>
    /// The default is <see langword="null"/> (not set): off, unless the environment variable
    /// <c>OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT</c> is <c>true</c>, the switch the OpenTelemetry GenAI
    /// instrumentations share.
    /// </value>
    public bool? OtelCaptureContent { get; set; }

    /// <summary>Gets the headers sent with each OTLP export.</summary>
    /// <value>The default is empty.</value>
    public IDictionary<string, string> OtelHeaders { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a value indicating whether internal flush errors are logged.</summary>
    /// <value>The default is <see langword="false"/>: only failures that need the user (a rejected key) are logged, once.</value>
    public bool Debug { get; set; }

    /// <summary>Gets or sets a value indicating whether remote configuration is ignored.</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DisableConfigSync { get; set; }

    /// <summary>Gets the model overrides applied to outgoing LLM requests; remote <c>model_override</c> rules add to them.</summary>
    /// <value>The default is empty.</value>
    public IList<ModelOverride> ModelOverrides { get; } = new List<ModelOverride>();

    /// <summary>Gets or sets a value indicating whether nothing is recorded (guardrails and overrides still apply).</summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool DisableTracing { get; set; }

    /// <summary>Gets or sets the most events waiting to be sent; beyond it new events are dropped and counted.</summary>
    /// <value>The default is 10000.</value>
    [SettingRange(1, int.MaxValue, "Set Zespan:MaxQueueSize to the number of events that may wait, for example 10000.")]
    public int MaxQueueSize { get; set; } = 10_000;

    /// <summary>
    /// Gets or sets the most bytes the events waiting to be sent may hold in memory: queued events with their raw
    /// captured bodies, and batches kept to be sent again after a transient failure. At the budget a new event is
    /// dropped and counted (reason <c>memory_budget</c>); with <see cref="OfflineStorageDirectory"/> set, batches
    /// the backend cannot take now go to disk instead of memory. <see cref="MaxQueueSize"/> stays the count limit.
    /// </summary>
    /// <value>The default is 67108864 (64 MiB).</value>
    [SettingRange(65_536, long.MaxValue, "Set Zespan:MaxQueueBytes to the most bytes waiting events may hold, for example 67108864 (64 MiB).")]
    public long MaxQueueBytes { get; set; } = 67_108_864;

    /// <summary>
    /// Gets or sets a directory where batches the backend cannot take now (an outage, a 429 storm, a rejected key, the
    /// memory budget reached, the host stopping with events left) are kept, as their exact gzip bodies, and sent
    /// on the next start or when the backend recovers, before newer events. Processes may share it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: events wait in memory only, and are lost when the process ends.</value>
    public string? OfflineStorageDirectory { get; set; }

    /// <summary>Gets or sets the most bytes kept in <see cref="OfflineStorageDirectory"/>; above it the oldest batches are dropped and counted.</summary>
    /// <value>The default is 104857600 (100 MiB).</value>
    [SettingRange(1_048_576, long.MaxValue, "Set Zespan:MaxOfflineStorageBytes to the most bytes kept on disk, for example 104857600 (100 MiB).")]
    public long MaxOfflineStorageBytes { get; set; } = 104_857_600;

    /// <summary>Gets or sets the longest a drain at host stop, or a <c>FlushAsync</c> without its own token, waits.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the time limit of one attempt of any call to the backend.</summary>
    /// <value>The default is 10 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets the largest uncompressed JSON size of one ingest batch, in bytes.</summary>
    /// <value>The default is 1048576 (1 MiB).</value>
    [SettingRange(1024, int.MaxValue, "Set Zespan:MaxBatchBytes to the largest batch in bytes, for example 1048576.")]
    public int MaxBatchBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Gets or sets the most bytes of one event: the most captured from one body, and the largest event sent (its
    /// JSON). A larger event has its largest text fields cut (UTF-8 safe, the JSON stays valid) and is marked
    /// <c>truncated</c>; only an event that cannot be cut below the limit is dropped and counted.
    /// </summary>
    /// <value>The default is 262144 (256 KiB).</value>
    [SettingRange(256, int.MaxValue, "Set Zespan:MaxEventBytes to the most bytes kept per captured body, for example 262144.")]
    public int MaxEventBytes { get; set; } = 262_144;

    /// <summary>Gets or sets the time limit of one guardrail check.</summary>
    /// <value>The default is 5 seconds.</value>
    public TimeSpan GuardrailTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a fetched prompt is fresh.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan PromptCacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Gets or sets the most prompts (name and label, or name and version) the prompt cache holds; beyond it the
    /// least recently used one is evicted.
    /// </summary>
    /// <value>The default is 1000.</value>
    [SettingRange(1, int.MaxValue, "Set Zespan:PromptCacheMaxEntries to the number of prompts kept in memory, for example 1000 (use PromptCacheTtl = 00:00:00 to turn the cache off).")]
    public int PromptCacheMaxEntries { get; set; } = 1000;

    /// <summary>Gets the prices that extend or override the built-in price table.</summary>
    /// <value>The default is empty (the built-in table applies).</value>
    public IList<ModelPrice> ModelPrices { get; } = new List<ModelPrice>();

    /// <summary>
    /// Gets the event fields that may become dimensions of the <c>gen_ai.client.token.usage</c> and <c>zespan.cost</c>
    /// metrics: <c>customer_identifier</c> (the scope's user id) and tag keys (<c>team</c>, or <c>tags.team</c>), added as
    /// <c>zespan.customer_params.customer_identifier</c> and <c>zespan.tags.team</c>. Each listed field multiplies the
    /// metric's series by its number of values: list only what a metrics backend can hold.
    /// </summary>
    /// <value>The default is empty: no per-user or per-tag dimensions on metrics.</value>
    public IList<string> MetricTagAllowList { get; } = new List<string>();

    /// <summary>
    /// Gets the hosts of LiteLLM proxies, for provider detection: a shorthand for <see cref="ProviderEndpoints"/>
    /// entries with <see cref="ProviderEndpoint.Provider"/> <see cref="ZespanProvider.LiteLlm"/>. Each is
    /// <c>host</c>, <c>host:port</c> or a URL.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<string> LiteLlmHosts { get; } = new List<string>();

    /// <summary>
    /// Gets the endpoints Zespan does not know by their host (gateways, Azure API Management, vLLM, Ollama,
    /// self-hosted proxies, test servers), each mapped to the wire format it speaks and, optionally, the
    /// <c>provider</c> written on its events. Matched in order, before the built-in hosts.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<ProviderEndpoint> ProviderEndpoints { get; } = new List<ProviderEndpoint>();

    /// <summary>Gets the filters an event must all match to be exported.</summary>
    /// <value>The default is empty (every event is exported).</value>
    public IList<ExportFilter> ExportFilters { get; } = new List<ExportFilter>();

    /// <summary>
    /// Gets the guardrail rules by provider: clients of a matching provider check prompts and completions
    /// even without <c>ZespanInstrumentationOptions.Guardrails</c>. Remote <c>guardrail_enable</c>
    /// rules add to it (ignored while <see cref="StorePrompts"/> is false).
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<GuardrailRule> GuardrailRules { get; } = new List<GuardrailRule>();

    /// <summary>Gets the version of the remote configuration laid over these options, set by the SDK.</summary>
    /// <value>The default is <see langword="null"/>: no remote configuration is in force.</value>
    public long? RemoteConfigVersion { get; internal set; }

    /// <summary>Gets the keys redacted by default.</summary>
    public static IReadOnlyList<string> DefaultRedactKeys { get; } =
    [
        "password", "secret", "token", "api_key", "apikey", "auth", "authorization", "access_token",
        "refresh_token", "private_key", "credential", "ssn", "credit_card", "card_number", "cvv",
    ];
}
