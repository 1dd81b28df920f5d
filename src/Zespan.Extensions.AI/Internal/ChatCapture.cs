using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// What the IChatClient middleware saw of one call (the response or the accumulated stream, its failure), taken
/// when the call ends, plus what an instrumented HttpClient underneath captured of it. The event lifecycle's parse
/// step writes it into the event: the HTTP layer's fields first (status, raw usage, a model override), then the
/// middleware's.
/// </summary>
internal sealed class ChatCapture : IEventCapture
{
    private ProviderExchange? _http;

    private ChatCapture(ProviderExchange? http) => _http = http;

    public long HeldBytes => _http?.HeldBytes ?? 0;

    private bool Stream { get; init; }

    private bool StorePrompts { get; init; }

    private bool Blocked { get; init; }

    private bool Delivered { get; init; }

    private Exception? Error { get; init; }

    private double? TimeToFirstToken { get; init; }

    private UsageDetails? Usage { get; init; }

    private string? ResponseModel { get; init; }

    private ChatFinishReason? FinishReason { get; init; }

    private LlmMessage? Completion { get; init; }

    /// <summary>Takes what the call returned (the completion is converted now: the app owns the response once it returns).</summary>
    public static ChatCapture From(ChatCall call, StreamAccumulator? accumulator, ProviderExchange? http)
    {
        ArgumentNullException.ThrowIfNull(call);
        var blocked = call.Error is GuardrailBlockedException;
        var keepText = call.StorePrompts && !blocked;
        if (accumulator is not null)
        {
            return new ChatCapture(http)
            {
                Stream = true,
                StorePrompts = call.StorePrompts,
                Blocked = blocked,
                Delivered = call.Delivered,
                Error = call.Error,
                TimeToFirstToken = call.TimeToFirstToken,
                Usage = accumulator.Usage,
                ResponseModel = accumulator.ModelId,
                FinishReason = accumulator.FinishReason,
                Completion = keepText ? accumulator.ToCompletion() : null,
            };
        }

        var response = call.Response;
        return new ChatCapture(http)
        {
            Stream = call.Stream,
            StorePrompts = call.StorePrompts,
            Blocked = blocked,
            Delivered = call.Delivered,
            Error = call.Error,
            Usage = response?.Usage,
            ResponseModel = response?.ModelId,
            FinishReason = response?.FinishReason,
            Completion = response is not null && keepText ? ChatMessageConverter.ToCompletion(response) : null,
        };
    }

    public void Fill(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (Interlocked.Exchange(ref _http, null) is { } http)
        {
            ProviderEventBuilder.AddHttpLayer(item, http);
        }

        item.TimeToFirstToken = Stream ? TimeToFirstToken ?? item.TimeToFirstToken : null; // streaming calls only
        if (!string.IsNullOrEmpty(ResponseModel))
        {
            item.ResponseModel = ResponseModel;
        }

        item.FinishReason = ChatMessageConverter.FinishReasonOf(FinishReason) ?? item.FinishReason;
        if (StorePrompts)
        {
            item.CompletionMessage = Completion;
        }
        else
        {
            item.PromptMessages = null;
            item.CompletionMessage = null;
        }

        if (Usage is { } usage)
        {
            if (item.PromptTokens is null && item.CompletionTokens is null)
            {
                // No instrumented HttpClient read the wire's usage: the abstraction's counts are the event's.
                SetTokens(item, usage);
            }

            if (item.Metadata is null || !item.Metadata.ContainsKey("usage"))
            {
                // The provider's raw usage (from an instrumented HttpClient) wins; otherwise the abstraction's breakdown.
                item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                item.Metadata["usage"] = UsageJson(usage);
            }
        }

        if (Error is { } error)
        {
            item.Error = ZespanTracer.ErrorFrom(error);
            if (Blocked)
            {
                item.StatusCode = 403;
            }
            else
            {
                item.FinishReason ??= FinishReasons.Error;
                if (item.StatusCode == 0)
                {
                    item.StatusCode = 500;
                }

                if (error is OperationCanceledException && Stream)
                {
                    SetMetadata(item, "capture_outcome", "canceled");
                }
            }
        }
        else if (Stream && !Delivered)
        {
            // The caller stopped reading early: the event holds what was seen until then.
            SetMetadata(item, "capture_outcome", "disposed_early");
        }

        if (item.StatusCode == 0)
        {
            item.StatusCode = 200;
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _http, null)?.Dispose();

    private static void SetMetadata(ZespanEvent item, string key, string value)
    {
        item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        item.Metadata[key] = value;
    }

    /// <summary>
    /// Tokens from <see cref="UsageDetails"/>: <c>InputTokenCount</c> (which counts cached input, as the GenAI
    /// conventions define it), <c>OutputTokenCount</c> (which counts reasoning), <c>CachedInputTokenCount</c>,
    /// <c>ReasoningTokenCount</c>, and the audio counts the OpenAI adapter puts in <c>AdditionalCounts</c>.
    /// </summary>
    internal static void SetTokens(ZespanEvent item, UsageDetails usage)
    {
        item.PromptTokens = ToInt(usage.InputTokenCount);
        item.CompletionTokens = ToInt(usage.OutputTokenCount);
        item.TotalTokens = ToInt(usage.TotalTokenCount)
            ?? (item.PromptTokens is { } p && item.CompletionTokens is { } c ? p + c : null);
        item.PromptTokensDetails = PromptTokensDetails.Of(
            ToInt(usage.CachedInputTokenCount),
            Additional(usage, "InputTokenDetails.CacheCreationTokenCount"),
            Additional(usage, "InputTokenDetails.AudioTokenCount"));
        item.CompletionTokensDetails = CompletionTokensDetails.Of(
            ToInt(usage.ReasoningTokenCount),
            Additional(usage, "OutputTokenDetails.AudioTokenCount"));
    }

    private static int? Additional(UsageDetails usage, string key) =>
        usage.AdditionalCounts is { } counts && counts.TryGetValue(key, out var value) ? ToInt(value) : null;

    private static JsonObject UsageJson(UsageDetails usage)
    {
        var json = new JsonObject();
        Add(json, "input_tokens", usage.InputTokenCount);
        Add(json, "output_tokens", usage.OutputTokenCount);
        Add(json, "total_tokens", usage.TotalTokenCount);
        Add(json, "cached_input_tokens", usage.CachedInputTokenCount);
        Add(json, "reasoning_tokens", usage.ReasoningTokenCount);
        if (usage.AdditionalCounts is { Count: > 0 } additional)
        {
            foreach (var pair in additional)
            {
                json[pair.Key] = pair.Value;
            }
        }

        return json;

        static void Add(JsonObject json, string key, long? value)
        {
            if (value is { } v)
            {
                json[key] = v;
            }
        }
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Clamp(v, 0, int.MaxValue) : null;
}
