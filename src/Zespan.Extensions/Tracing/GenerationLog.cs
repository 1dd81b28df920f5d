namespace Zespan.Extensions;

/// <summary>
/// An LLM call that went through no instrumented client, logged with <see cref="IZespanTracer.LogGeneration"/>.
/// </summary>
public sealed class GenerationLog
{
    /// <summary>Gets the event's <c>name</c>.</summary>
    /// <value>The default is <see langword="null"/>, sent as <c>generation</c>.</value>
    public string? Name { get; init; }

    /// <summary>Gets the model the call was sent with. Required.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the provider (<c>openai</c>, <c>anthropic</c>, or a custom name).</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the model the response reports, when it names one (often a dated snapshot).</summary>
    public string? ResponseModel { get; init; }

    /// <summary>Gets the prompt messages (not sent when <see cref="ZespanOptions.StorePrompts"/> is false).</summary>
    public IReadOnlyList<LlmMessage>? PromptMessages { get; init; }

    /// <summary>Gets the completion message (not sent when <see cref="ZespanOptions.StorePrompts"/> is false).</summary>
    public LlmMessage? CompletionMessage { get; init; }

    /// <summary>Gets the input token count: every input token, cached ones included (as <c>gen_ai.usage.input_tokens</c> counts them).</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Gets the output token count: every output token, reasoning included.</summary>
    public int? CompletionTokens { get; init; }

    /// <summary>Gets the part of <see cref="PromptTokens"/> read from the provider's prompt cache.</summary>
    /// <value>The default is <see langword="null"/>: not reported. A cost estimated from the price table prices these at the cached-input price.</value>
    public int? CachedInputTokens { get; init; }

    /// <summary>Gets the part of <see cref="PromptTokens"/> written to the provider's prompt cache (Anthropic's and Bedrock's cache writes).</summary>
    /// <value>The default is <see langword="null"/>: not reported. A cost estimated from the price table prices these at the cache-write price.</value>
    public int? CacheCreationInputTokens { get; init; }

    /// <summary>Gets the part of <see cref="CompletionTokens"/> spent on reasoning.</summary>
    /// <value>The default is <see langword="null"/>: not reported.</value>
    public int? ReasoningTokens { get; init; }

    /// <summary>Gets the part of <see cref="PromptTokens"/> that was audio.</summary>
    /// <value>The default is <see langword="null"/>: not reported.</value>
    public int? InputAudioTokens { get; init; }

    /// <summary>Gets the part of <see cref="CompletionTokens"/> that was audio.</summary>
    /// <value>The default is <see langword="null"/>: not reported.</value>
    public int? OutputAudioTokens { get; init; }

    /// <summary>Gets the total token count.</summary>
    /// <value>The default is <see langword="null"/>: the sum of <see cref="PromptTokens"/> and <see cref="CompletionTokens"/> when both are set.</value>
    public int? TotalTokens { get; init; }

    /// <summary>Gets why the model stopped: <c>stop</c>, <c>length</c>, <c>tool_calls</c>, <c>content_filter</c> or <c>error</c>.</summary>
    public string? FinishReason { get; init; }

    /// <summary>
    /// Gets the cost in USD (sent with <c>cost_status</c> <c>provided</c>); when null it is estimated from the model's
    /// price (the built-in table, <see cref="ZespanOptions.ModelPrices"/> and remote <c>model_price</c> rules; <c>estimated</c>),
    /// or sent as null with <c>unpriced</c> when the price is unknown, never as 0.
    /// </summary>
    public double? Cost { get; init; }

    /// <summary>Gets the call's duration; the event ends when it is logged and starts this long before.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>Gets the HTTP status of the call.</summary>
    /// <value>The default is <see langword="null"/>, sent as 200.</value>
    public int? StatusCode { get; init; }

    /// <summary>Gets the time from the request to the first streamed token.</summary>
    public TimeSpan? TimeToFirstToken { get; init; }

    /// <summary>Gets the exception the call failed with; sent as <c>error</c>, with status 500 unless <see cref="StatusCode"/> says otherwise.</summary>
    public Exception? Error { get; init; }

    /// <summary>Gets a value indicating whether the call streamed.</summary>
    public bool Stream { get; init; }

    /// <summary>Gets the user the call belongs to; the ambient context's user when null.</summary>
    public string? CustomerIdentifier { get; init; }

    /// <summary>Gets the user's email; the ambient context's when null.</summary>
    public string? CustomerEmail { get; init; }

    /// <summary>Gets the user's name; the ambient context's when null.</summary>
    public string? CustomerName { get; init; }

    /// <summary>Gets tags, merged over the ambient scope's tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Gets metadata (any JSON-serializable values), snapshotted when logged.</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }
}
