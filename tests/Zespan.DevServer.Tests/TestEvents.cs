using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests;

/// <summary>Builds ingest batches and events shaped like the SDK's (spec section 1).</summary>
internal static class TestEvents
{
    public static readonly DateTimeOffset BaseTime = new(2026, 11, 21, 23, 0, 0, TimeSpan.Zero);

    public static string TraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string SpanId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string Time(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Event(string traceId, string spanId, string? parent, string logType, string name, DateTimeOffset start, double latency = 0.5)
    {
        return new JsonObject
        {
            ["trace_id"] = traceId,
            ["span_id"] = spanId,
            ["parent_span_id"] = parent,
            ["log_type"] = logType,
            ["name"] = name,
            ["start_time"] = Time(start),
            ["end_time"] = Time(start.AddSeconds(latency)),
            ["latency"] = latency,
            ["time_to_first_token"] = null,
            ["status_code"] = 200,
            ["error"] = null,
            ["environment"] = "production",
            ["stream"] = false,
            ["tags"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["eval_scores"] = new JsonObject(),
            ["truncated"] = false,
        };
    }

    public static JsonObject Generation(string traceId, string spanId, string? parent, DateTimeOffset start, string model = "gpt-4o-mini",
        int promptTokens = 10, int completionTokens = 5, double cost = 0.0001, string user = "user-1", string completion = "Hello!")
    {
        var e = Event(traceId, spanId, parent, "generation", "openai.chat.completions", start);
        e["provider"] = "openai";
        e["model"] = model;
        e["response_model"] = model + "-2024-07-18";
        e["prompt_tokens"] = promptTokens;
        e["completion_tokens"] = completionTokens;
        e["total_tokens"] = promptTokens + completionTokens;
        e["cost"] = cost;
        e["customer_identifier"] = user;
        e["finish_reason"] = "stop";
        e["prompt_messages"] = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are a helpful support bot." },
            new JsonObject { ["role"] = "user", ["content"] = "Where is my order?" },
        };
        e["completion_message"] = new JsonObject { ["role"] = "assistant", ["content"] = completion };
        return e;
    }

    public static JsonObject Batch(params JsonObject[] events)
    {
        var array = new JsonArray();
        foreach (var e in events)
        {
            array.Add(e);
        }

        return new JsonObject
        {
            ["batch_id"] = Guid.NewGuid().ToString(),
            ["sdk"] = new JsonObject { ["name"] = "zespan-dotnet", ["version"] = "1.0.0" },
            ["environment"] = "production",
            ["sent_at"] = Time(BaseTime),
            ["dropped_since_last"] = 0,
            ["events"] = array,
        };
    }

    /// <summary>A trace of one workflow root with one generation child.</summary>
    public static (string TraceId, JsonObject Batch) SimpleTrace(DateTimeOffset start, string user = "user-1", string model = "gpt-4o-mini", bool error = false)
    {
        var traceId = TraceId();
        var root = SpanId();
        var workflow = Event(traceId, root, null, "workflow", "handle-request", start, 1.0);
        workflow["customer_identifier"] = user;
        var generation = Generation(traceId, SpanId(), root, start.AddMilliseconds(100), model, user: user);
        if (error)
        {
            generation["status_code"] = 500;
            generation["error"] = new JsonObject { ["type"] = "HttpRequestException", ["message"] = "upstream failed" };
        }

        return (traceId, Batch(workflow, generation));
    }
}
