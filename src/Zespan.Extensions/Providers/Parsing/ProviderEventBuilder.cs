using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Pricing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Turns a captured <see cref="ProviderExchange"/> into the fields of a generation event: provider, name,
/// log type, models, messages, completion, finish reason, tokens, usage breakdown, cost, status, error,
/// stream and time to first token. Runs on the export thread. It never throws: a body that is cut,
/// malformed or of an unexpected shape leaves the fields it could not read empty.
/// </summary>
/// <remarks>Trace ids, start and end time and latency are the handler's; this fills the rest.</remarks>
internal static class ProviderEventBuilder
{
    /// <summary>Parses the exchange into the event (<see cref="Parse"/>), then prices it from the built-in table and <paramref name="prices"/> (the lifecycle's pricing rules, <see cref="PricingStep"/>).</summary>
    public static void Fill(ZespanEvent evt, ProviderExchange exchange, IList<ModelPrice>? prices)
    {
        Parse(evt, exchange);
        PricingStep.Apply(evt, new PriceTableCostEstimator(prices));
    }

    /// <summary>
    /// Parses the exchange into the event's fields: everything but the cost from the price table, which is the
    /// lifecycle's to add (a cost the provider reported, such as LiteLLM's header, is read here).
    /// </summary>
    public static void Parse(ZespanEvent evt, ProviderExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(exchange);
        exchange.DecodeBody();
        var endpoint = exchange.Endpoint;
        var ctx = exchange.Context;
        var provider = string.IsNullOrWhiteSpace(exchange.ProviderLabel) ? ProviderNames.ToWireName(endpoint.Provider) : exchange.ProviderLabel;
        evt.Provider = provider;
        evt.Name = provider + "." + ProviderNames.OperationSuffix(endpoint.Operation);
        evt.LogType = ProviderNames.LogType(endpoint.Operation);
        evt.Stream = endpoint.PathStreams;
        if (exchange.StatusCode > 0)
        {
            evt.StatusCode = exchange.StatusCode;
        }

        try
        {
            FillCore(evt, exchange, endpoint, ctx);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A parser bug or a body no rule foresaw: keep what was read, say what happened.
            EventFields.SetMetadata(evt, "parse_error", ex.GetType().Name);
        }

        if (!ctx.StorePrompts)
        {
            evt.PromptMessages = null;
            evt.CompletionMessage = null;
        }

        if (exchange.OverriddenModel is not null && exchange.RequestedModel is not null
            && !string.Equals(exchange.OverriddenModel, exchange.RequestedModel, StringComparison.Ordinal))
        {
            evt.RequestedModel = exchange.RequestedModel;
            evt.Model = exchange.OverriddenModel;
        }

        ApplyHeaders(evt, exchange.ResponseHeaders);

        if (evt.Stream && exchange.FirstByteTimestamp is { } first)
        {
            evt.TimeToFirstToken = exchange.TimeProvider.GetElapsedTime(exchange.StartTimestamp, first).TotalSeconds;
        }

        if (exchange.Outcome is { } outcome and not CaptureOutcome.Completed && !(outcome == CaptureOutcome.DisposedEarly && ReachedEnd(exchange)))
        {
            EventFields.SetMetadata(evt, "capture_outcome", outcome switch
            {
                CaptureOutcome.Canceled => "canceled",
                CaptureOutcome.Failed => "failed",
                _ => "disposed_early",
            });
        }

        if (exchange.Exception is { } exception && evt.Error is null)
        {
            evt.Error = new ZespanError(exception.GetType().Name, exception.Message);
            evt.FinishReason = FinishReasons.Error;
            if (exchange.StatusCode == 0)
            {
                evt.StatusCode = 500;
            }
        }

        if (ctx.Truncated || (exchange.Request?.Truncated ?? false) || (exchange.Response?.Truncated ?? false))
        {
            evt.Truncated = true;
        }
    }

    /// <summary>
    /// Whether a body disposed before its reader saw the connection's end was nevertheless read to its logical end:
    /// a stream whose last event passed (SDKs stop at <c>[DONE]</c> or <c>message_stop</c> and dispose), or a body
    /// whose declared length passed. Only a caller that stopped reading early is <c>disposed_early</c>.
    /// </summary>
    private static bool ReachedEnd(ProviderExchange exchange)
    {
        if (exchange.Stream is { } stream)
        {
            return stream.Parser.SawEnd;
        }

        return exchange.ResponseHeaders.ContentLength is { } length && exchange.BytesRead >= length;
    }

    /// <summary>
    /// Adds what only the HTTP layer saw of a call made under the IChatClient middleware (the status, the provider's
    /// raw usage as <c>metadata.usage</c> and its token counts, a model override, the time to first byte) to the
    /// middleware's event; the middleware's own fields win otherwise. Disposes the exchange.
    /// </summary>
    public static void AddHttpLayer(ZespanEvent target, ProviderExchange exchange)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(exchange);
        var scratch = new ZespanEvent();
        using (exchange)
        {
            Parse(scratch, exchange);
        }

        target.StatusCode = scratch.StatusCode;
        if (scratch.RequestedModel is not null)
        {
            // A model override changed the request: the event's model is the one sent.
            target.Model = scratch.Model;
        }

        target.Provider ??= scratch.Provider;
        target.ResponseModel ??= scratch.ResponseModel;
        target.RequestedModel ??= scratch.RequestedModel;
        target.Cost ??= scratch.Cost;
        target.Error ??= scratch.Error;
        target.TimeToFirstToken ??= scratch.TimeToFirstToken;
        if (scratch.PromptTokens is not null || scratch.CompletionTokens is not null)
        {
            // The wire's usage, mapped explicitly per provider, is the one canonical count: it wins over an adapter's.
            target.PromptTokens = scratch.PromptTokens;
            target.CompletionTokens = scratch.CompletionTokens;
            target.TotalTokens = scratch.TotalTokens;
            target.PromptTokensDetails = scratch.PromptTokensDetails;
            target.CompletionTokensDetails = scratch.CompletionTokensDetails;
        }

        if (scratch.Metadata is { } metadata && metadata.TryGetValue("usage", out var usage))
        {
            target.Metadata ??= new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            target.Metadata["usage"] = usage?.DeepClone();
        }
    }

    private static void FillCore(ZespanEvent evt, ProviderExchange exchange, LlmEndpoint endpoint, ParseContext ctx)
    {
        var format = WireFormats.For(endpoint.Family);

        // The path names the model for Gemini, Vertex and Bedrock; an Azure deployment only when the body does not.
        if (endpoint.PathModel is not null && !endpoint.IsAzureDeployment)
        {
            evt.Model = endpoint.PathModel;
        }

        if (exchange.Request is { } request)
        {
            if (request.Truncated)
            {
                ctx.MarkTruncated();
            }

            using var document = ParseBody(request.Head, request.Truncated);
            if (document is not null)
            {
                try
                {
                    format?.ReadRequest(document.RootElement, evt, ctx);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Text that cannot be decoded (a lone surrogate, invalid UTF-8): the response is still read, and
                    // the model is kept as far as it can be shown.
                    EventFields.SetMetadata(evt, "parse_error", ex.GetType().Name);
                    if (evt.Model is null && ModelOverrides.Internal.ModelOverrideRewriter.TryFindModel(request.Head.Span, out var model))
                    {
                        evt.Model = model.Value;
                    }
                }
            }
        }

        if (endpoint.IsAzureDeployment)
        {
            evt.Model ??= endpoint.PathModel;
        }

        if (exchange.Stream is { } stream)
        {
            stream.Finish(evt);
            evt.Stream = true;
            return;
        }

        if (exchange.Response is not { } response)
        {
            return;
        }

        var body = response.Head;
        using var responseDocument = ParseBody(body, response.Truncated);
        var root = responseDocument?.RootElement ?? default;
        if (exchange.StatusCode >= 400)
        {
            evt.Error = ErrorReader.Read(root, body.Span, exchange.StatusCode, exchange.ResponseHeaders.AmznErrorType);
            evt.FinishReason = FinishReasons.Error;
            return;
        }

        if (responseDocument is null || format is null)
        {
            return;
        }

        format.ReadResponse(root, evt, ctx);
        if (response.Truncated && evt.PromptTokens is null && evt.CompletionTokens is null)
        {
            ReadUsageFromTail(format, response.CopyTail(), evt);
        }
    }

    /// <summary>Parses a captured body; a cut (or otherwise broken) one is completed to what was whole.</summary>
    internal static JsonDocument? ParseBody(ReadOnlyMemory<byte> body, bool truncated)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        if (!truncated)
        {
            var document = JsonHelpers.TryParse(body);
            if (document is not null)
            {
                return document;
            }
        }

        var completed = JsonRepair.Complete(body.Span);
        return completed is null ? null : JsonHelpers.TryParse(completed.AsMemory());
    }

    /// <summary>Bedrock token headers (InvokeModel of any model family) and LiteLLM's cost header.</summary>
    private static void ApplyHeaders(ZespanEvent evt, ProviderResponseHeaders headers)
    {
        if (evt.PromptTokens is null && evt.CompletionTokens is null
            && (headers.BedrockInputTokens is not null || headers.BedrockOutputTokens is not null))
        {
            var prompt = JsonHelpers.Sum(headers.BedrockInputTokens, headers.BedrockCacheReadTokens, headers.BedrockCacheWriteTokens);
            EventFields.SetTokens(evt, prompt, headers.BedrockOutputTokens, null);
            EventFields.SetDetails(evt, PromptTokensDetails.Of(headers.BedrockCacheReadTokens, headers.BedrockCacheWriteTokens, null), null);
        }

        if (headers.LiteLlmCost is { } cost)
        {
            evt.Cost ??= cost;
        }
    }

    /// <summary>
    /// A body over the capture limit: its usage (at the end for most providers) is looked for in the kept tail.
    /// </summary>
    private static void ReadUsageFromTail(IWireFormat format, byte[] tail, ZespanEvent evt)
    {
        var key = format.UsageKey;
        var index = tail.AsSpan().LastIndexOf(key);
        if (index < 0)
        {
            return;
        }

        var rest = tail.AsSpan(index + key.Length).TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty || rest[0] != (byte)':')
        {
            return;
        }

        rest = rest[1..];
        try
        {
            var reader = new Utf8JsonReader(rest, isFinalBlock: false, state: default);
            if (!JsonDocument.TryParseValue(ref reader, out var usageDocument))
            {
                return;
            }

            using (usageDocument)
            {
                var usage = usageDocument.RootElement;
                if (usage.ValueKind != JsonValueKind.Object)
                {
                    return;
                }

                format.ReadUsage(usage, evt);
            }
        }
        catch (JsonException)
        {
        }
    }
}
