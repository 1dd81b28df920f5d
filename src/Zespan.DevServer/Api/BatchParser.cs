using System.Text.Json.Nodes;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>
/// Validates an ingest batch (spec section 1). A batch is taken whole or refused whole: any malformed event
/// refuses the batch with 400 and a message naming the first problem (<c>events[3].trace_id must be ...</c>).
/// Only the fields the server indexes are checked; everything else is stored as sent.
/// </summary>
internal static class BatchParser
{
    public const int MaxBatchIdLength = 200;

    /// <summary>The longest duration a span may report (a year), in seconds.</summary>
    public const double MaxSeconds = 366 * 24 * 3600.0;

    /// <summary>The largest token count of one event: sums over millions of events stay within 64 bits.</summary>
    public const long MaxTokens = 1_000_000_000_000;

    /// <summary>The largest cost of one event, in USD.</summary>
    public const double MaxCost = 1_000_000;

    private const int MaxShortText = 1000;

    public static BatchRow Parse(JsonNode node, string? idempotencyKey)
    {
        if (node is not JsonObject batch)
        {
            throw ApiException.BadRequest("the batch must be a JSON object");
        }

        var batchId = HttpJson.OptionalString(batch, "batch_id");
        if (string.IsNullOrWhiteSpace(batchId) || batchId.Length > MaxBatchIdLength)
        {
            throw ApiException.BadRequest($"batch_id is required: a non-empty string of at most {MaxBatchIdLength} characters");
        }

        if (!string.IsNullOrEmpty(idempotencyKey) && !string.Equals(idempotencyKey, batchId, StringComparison.Ordinal))
        {
            throw ApiException.BadRequest("the Idempotency-Key header differs from batch_id");
        }

        string? sdkName = null;
        string? sdkVersion = null;
        if (batch["sdk"] is JsonObject sdk)
        {
            sdkName = Short(HttpJson.OptionalString(sdk, "name", "sdk."), "sdk.name");
            sdkVersion = Short(HttpJson.OptionalString(sdk, "version", "sdk."), "sdk.version");
        }
        else if (batch["sdk"] is not null)
        {
            throw ApiException.BadRequest("sdk must be an object");
        }

        var environment = Short(HttpJson.OptionalString(batch, "environment"), "environment");
        var sentAt = HttpJson.OptionalString(batch, "sent_at");
        if (sentAt is not null && !Rfc3339.TryParse(sentAt, out _))
        {
            throw ApiException.BadRequest("sent_at must be an RFC 3339 time");
        }

        var dropped = HttpJson.OptionalInteger(batch, "dropped_since_last") ?? 0;
        if (dropped < 0)
        {
            throw ApiException.BadRequest("dropped_since_last must not be negative");
        }

        if (batch["events"] is not JsonArray events)
        {
            throw ApiException.BadRequest("events is required: an array of events");
        }

        var rows = new List<EventRow>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            rows.Add(ParseEvent(events[i], $"events[{i}].", environment));
        }

        return new BatchRow(batchId, sdkName, sdkVersion, environment, sentAt, dropped, rows);
    }

    private static EventRow ParseEvent(JsonNode? node, string path, string? batchEnvironment)
    {
        if (node is not JsonObject e)
        {
            throw ApiException.BadRequest($"{path[..^1]} must be an object");
        }

        var traceId = HttpJson.OptionalString(e, "trace_id", path);
        if (!IsHex(traceId, 32))
        {
            throw ApiException.BadRequest($"{path}trace_id must be 32 lowercase hex characters, not all zero");
        }

        var spanId = HttpJson.OptionalString(e, "span_id", path);
        if (!IsHex(spanId, 16))
        {
            throw ApiException.BadRequest($"{path}span_id must be 16 lowercase hex characters, not all zero");
        }

        var parent = HttpJson.OptionalString(e, "parent_span_id", path);
        if (parent is not null && !IsHex(parent, 16))
        {
            throw ApiException.BadRequest($"{path}parent_span_id must be null or 16 lowercase hex characters");
        }

        var logType = HttpJson.OptionalString(e, "log_type", path);
        if (string.IsNullOrEmpty(logType) || logType.Length > 64)
        {
            throw ApiException.BadRequest($"{path}log_type is required (workflow, agent, tool, generation, ...)");
        }

        var name = HttpJson.OptionalString(e, "name", path) ?? throw ApiException.BadRequest($"{path}name is required");
        Short(name, path + "name");

        var startText = HttpJson.OptionalString(e, "start_time", path);
        if (!Rfc3339.TryParse(startText, out var start))
        {
            throw ApiException.BadRequest($"{path}start_time is required: an RFC 3339 time");
        }

        var latency = Seconds(e, "latency", path);
        Seconds(e, "time_to_first_token", path);

        DateTimeOffset end;
        var endText = HttpJson.OptionalString(e, "end_time", path);
        if (endText is not null)
        {
            if (!Rfc3339.TryParse(endText, out end))
            {
                throw ApiException.BadRequest($"{path}end_time must be an RFC 3339 time");
            }

            if (end < start)
            {
                throw ApiException.BadRequest($"{path}end_time is before start_time");
            }
        }
        else if ((DateTimeOffset.MaxValue - start).TotalSeconds <= (latency ?? 0))
        {
            throw ApiException.BadRequest($"{path}latency takes the span past the year 9999: give end_time or a smaller latency");
        }
        else
        {
            end = start.AddTicks((long)((latency ?? 0) * TimeSpan.TicksPerSecond));
        }

        var statusCode = HttpJson.OptionalInteger(e, "status_code", path);
        if (statusCode is < 0 or > 999)
        {
            throw ApiException.BadRequest($"{path}status_code must be an HTTP status from 0 to 999");
        }
        var error = e["error"];
        if (error is not null and not JsonObject)
        {
            throw ApiException.BadRequest($"{path}error must be null or an object");
        }

        var promptTokens = Tokens(e, "prompt_tokens", path);
        var completionTokens = Tokens(e, "completion_tokens", path);
        var totalTokens = Tokens(e, "total_tokens", path);
        var cost = HttpJson.OptionalNumber(e, "cost", path);
        if (cost is { } c && !(c >= 0 && c <= MaxCost))
        {
            throw ApiException.BadRequest(FormattableString.Invariant($"{path}cost must be a number of USD from 0 to {MaxCost}"));
        }

        return new EventRow(
            traceId!,
            spanId!,
            parent,
            logType,
            name,
            Short(HttpJson.OptionalString(e, "model", path), path + "model"),
            Short(HttpJson.OptionalString(e, "provider", path), path + "provider"),
            Short(HttpJson.OptionalString(e, "customer_identifier", path), path + "customer_identifier"),
            Short(HttpJson.OptionalString(e, "environment", path), path + "environment") ?? batchEnvironment,
            statusCode,
            statusCode >= 400 || error is JsonObject,
            Rfc3339.Format(start),
            Rfc3339.ToMicroseconds(start),
            Rfc3339.ToMicroseconds(end),
            promptTokens,
            completionTokens,
            totalTokens,
            cost,
            latency ?? (end - start).TotalSeconds,
            HttpJson.ToJson(e))
        {
            Details = ParseDetails(e, path),
        };
    }

    /// <summary>Session, prompt version, token details, cost status, tags, metadata keys and the searchable text of an event.</summary>
    private static EventDetails ParseDetails(JsonObject e, string path)
    {
        long? cached = null, reasoning = null;
        if (Details(e, "prompt_tokens_details", path) is { } promptDetails)
        {
            cached = Tokens(promptDetails, "cached_tokens", path + "prompt_tokens_details.");
        }

        if (Details(e, "completion_tokens_details", path) is { } completionDetails)
        {
            reasoning = Tokens(completionDetails, "reasoning_tokens", path + "completion_tokens_details.");
        }

        var costStatus = Short(HttpJson.OptionalString(e, "cost_status", path), path + "cost_status");
        var tags = new List<string>();
        if (e["tags"] is JsonObject tagObject)
        {
            foreach (var (key, value) in tagObject)
            {
                if (value is JsonValue v && v.TryGetValue<string>(out var text) && key.Length + text.Length < MaxShortText)
                {
                    tags.Add(key + "=" + text);
                }
            }
        }

        string? promptName = null;
        long? promptVersion = null;
        var metadataKeys = new List<string>();
        if (e["metadata"] is JsonObject metadata)
        {
            foreach (var (key, value) in metadata)
            {
                if (key.Length <= MaxShortText)
                {
                    metadataKeys.Add(key);
                }

                if (key == "prompt.name" && value is JsonValue n && n.TryGetValue<string>(out var name) && name.Length <= MaxShortText)
                {
                    promptName = name;
                }
                else if (key == "prompt.version" && value is JsonValue v)
                {
                    promptVersion = v.TryGetValue<long>(out var number) ? number
                        : v.TryGetValue<string>(out var versionText) && long.TryParse(versionText, System.Globalization.CultureInfo.InvariantCulture, out number) ? number : null;
                }
            }
        }

        return new EventDetails(
            Short(HttpJson.OptionalString(e, "thread_identifier", path), path + "thread_identifier"),
            promptName,
            promptName is null ? null : promptVersion,
            cached,
            reasoning,
            costStatus,
            HttpJson.OptionalNumber(e, "time_to_first_token", path),
            tags,
            metadataKeys,
            SearchText(e));
    }

    private static JsonObject? Details(JsonObject e, string name, string path) => e[name] switch
    {
        null => null,
        JsonObject details => details,
        _ => throw ApiException.BadRequest($"{path}{name} must be null or an object"),
    };

    /// <summary>The text a full-text search finds an event by: every prompt message and the completion.</summary>
    private static string SearchText(JsonObject e)
    {
        var text = new System.Text.StringBuilder();
        if (e["prompt_messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                if (message is JsonObject m && HttpJson.ContentText(m["content"]) is { Length: > 0 } content)
                {
                    text.Append(content).Append('\n');
                }
            }
        }

        if (e["completion_message"] is JsonObject completion && HttpJson.ContentText(completion["content"]) is { Length: > 0 } answer)
        {
            text.Append(answer);
        }

        return text.ToString();
    }

    private static bool IsHex(string? text, int length)
    {
        if (text is null || text.Length != length)
        {
            return false;
        }

        var allZero = true;
        foreach (var c in text)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }

            allZero &= c == '0';
        }

        return !allZero;
    }

    /// <summary>A duration in seconds: null, or a number from 0 to <see cref="MaxSeconds"/>; anything else is a 400 naming the field.</summary>
    private static double? Seconds(JsonObject e, string name, string path)
    {
        var value = HttpJson.OptionalNumber(e, name, path);
        return value is { } v && !(v >= 0 && v <= MaxSeconds)
            ? throw ApiException.BadRequest(FormattableString.Invariant($"{path}{name} must be a number of seconds from 0 to {MaxSeconds}"))
            : value;
    }

    /// <summary>A token count: null, or a whole number from 0 to <see cref="MaxTokens"/>.</summary>
    private static long? Tokens(JsonObject e, string name, string path)
    {
        var value = HttpJson.OptionalInteger(e, name, path);
        return value is < 0 or > MaxTokens
            ? throw ApiException.BadRequest(FormattableString.Invariant($"{path}{name} must be a whole number from 0 to {MaxTokens}"))
            : value;
    }

    private static string? Short(string? value, string path) =>
        value is { Length: > MaxShortText } ? throw ApiException.BadRequest($"{path} is longer than {MaxShortText} characters") : value;
}
