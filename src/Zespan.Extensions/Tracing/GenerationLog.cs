namespace Zespan.Extensions;

/// <summary>
/// An LLM call that went through no instrumented client, logged with <see cref="IZespanTracer.LogGeneration"/>.
/// </summary>
public sealed class GenerationLog
{
    /// <summary>Gets the model the call was sent with. Required.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the provider (<c>openai</c>, <c>anthropic</c>, or a custom name).</summary>
    public string? Provider { get; init; }

    /// <summary>Gets the prompt messages.</summary>
    public IReadOnlyList<LlmMessage>? PromptMessages { get; init; }

    /// <summary>Gets the completion message.</summary>
    public LlmMessage? CompletionMessage { get; init; }

    /// <summary>Gets the input token count.</summary>
    public int? PromptTokens { get; init; }

    /// <summary>Gets the output token count.</summary>
    public int? CompletionTokens { get; init; }

    /// <summary>Gets the cost in USD; when null it is estimated from the price table.</summary>
    public double? Cost { get; init; }

    /// <summary>Gets the call's duration; the event ends when it is logged and starts this long before.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>Gets the HTTP status of the call.</summary>
    /// <value>The default is <see langword="null"/>, sent as 200.</value>
    public int? StatusCode { get; init; }

    /// <summary>Gets a value indicating whether the call streamed.</summary>
    public bool Stream { get; init; }

    /// <summary>Gets the user the call belongs to; the ambient context's user when null.</summary>
    public string? CustomerIdentifier { get; init; }

    /// <summary>Gets the user's email; the ambient context's when null.</summary>
    public string? CustomerEmail { get; init; }

    /// <summary>Gets the user's name; the ambient context's when null.</summary>
    public string? CustomerName { get; init; }

    /// <summary>Gets metadata (any JSON-serializable values), snapshotted when logged.</summary>
    public IReadOnlyDictionary<string, object?>? Metadata { get; init; }
}
