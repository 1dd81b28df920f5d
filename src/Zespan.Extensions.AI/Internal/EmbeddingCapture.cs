using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;

namespace Zespan.Extensions.AI.Internal;

/// <summary>
/// What the embedding generator middleware saw of one call (how many inputs, the embeddings' model, count and
/// dimensions, the usage, the failure), taken when the call ends, plus what an instrumented HttpClient underneath
/// captured of it. The event lifecycle's parse step writes it into the event: the HTTP layer's fields first (status,
/// raw usage), then the middleware's. The same metadata keys as the HTTP layer's embeddings parser.
/// </summary>
internal sealed class EmbeddingCapture : IEventCapture
{
    private ProviderExchange? _http;

    private EmbeddingCapture(ProviderExchange? http) => _http = http;

    public long HeldBytes => _http?.HeldBytes ?? 0;

    private int InputCount { get; init; }

    private int? EmbeddingCount { get; init; }

    private int? Dimensions { get; init; }

    private string? ResponseModel { get; init; }

    private UsageDetails? Usage { get; init; }

    private Exception? Error { get; init; }

    /// <summary>Takes what the call returned (nothing of the vectors but their count and dimensions).</summary>
    public static EmbeddingCapture From<TEmbedding>(int inputCount, GeneratedEmbeddings<TEmbedding>? result, Exception? error, ProviderExchange? http)
        where TEmbedding : Embedding
    {
        var first = result is { Count: > 0 } ? result[0] : null;
        return new EmbeddingCapture(http)
        {
            InputCount = inputCount,
            EmbeddingCount = result?.Count,
            Dimensions = first?.Dimensions is > 0 ? first.Dimensions : null,
            ResponseModel = first?.ModelId,
            Usage = result?.Usage,
            Error = error,
        };
    }

    public void Fill(ZespanEvent item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (Interlocked.Exchange(ref _http, null) is { } http)
        {
            ProviderEventBuilder.AddHttpLayer(item, http);
        }

        item.LogType = LogTypes.Embedding;
        if (!string.IsNullOrEmpty(ResponseModel))
        {
            item.ResponseModel = ResponseModel;
        }

        SetMetadata(item, "input_count", InputCount);
        if (EmbeddingCount is { } count)
        {
            SetMetadata(item, "embedding_count", count);
        }

        if (Dimensions is { } dimensions)
        {
            SetMetadata(item, "embedding_dimensions", dimensions);
        }

        if (Usage is { } usage)
        {
            item.PromptTokens = ToInt(usage.InputTokenCount) ?? item.PromptTokens;
            item.CompletionTokens = 0;
            item.TotalTokens = ToInt(usage.TotalTokenCount) ?? item.PromptTokens ?? item.TotalTokens;
            if (item.Metadata is null || !item.Metadata.ContainsKey("usage"))
            {
                // The provider's raw usage (from an instrumented HttpClient) wins; otherwise the abstraction's.
                var json = new JsonObject();
                if (usage.InputTokenCount is { } input)
                {
                    json["input_tokens"] = input;
                }

                if (usage.TotalTokenCount is { } total)
                {
                    json["total_tokens"] = total;
                }

                item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                item.Metadata["usage"] = json;
            }
        }

        if (Error is { } error)
        {
            item.Error = ZespanTracer.ErrorFrom(error);
            if (item.StatusCode == 0)
            {
                item.StatusCode = 500;
            }
        }

        if (item.StatusCode == 0)
        {
            item.StatusCode = 200;
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _http, null)?.Dispose();

    private static void SetMetadata(ZespanEvent item, string key, int value)
    {
        item.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        item.Metadata[key] = value;
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Clamp(v, 0, int.MaxValue) : null;
}
