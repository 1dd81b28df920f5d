using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Zespan.Extensions.Pricing.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.DevServer.Otlp;

/// <summary>
/// Maps an OTLP span to a Zespan event (spec section 1, EVENT). Spans with OpenTelemetry GenAI semantic-convention
/// attributes become the matching kinds: <c>gen_ai.operation.name</c> <c>chat</c>, <c>text_completion</c>,
/// <c>generate_content</c> a generation, <c>embeddings</c> an embedding, <c>invoke_agent</c> and <c>create_agent</c> an
/// agent, <c>execute_tool</c> a tool; the Zespan SDK's own <c>zespan.*</c> attributes (its <c>EnableOtel</c> export)
/// keep their meaning; any other span is a custom span. Tokens come from <c>gen_ai.usage.*</c>, the cost from the
/// SDK's price table when the span carries none, messages from <c>gen_ai.input.messages</c> /
/// <c>gen_ai.output.messages</c> (or the older message events). Every attribute not mapped is kept in <c>metadata</c>.
/// </summary>
internal static class GenAiSpanMapper
{
    private static readonly HashSet<string> Mapped = new(StringComparer.Ordinal)
    {
        "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
        "zespan.metadata", "zespan.plan", "zespan.guardrail.results",
    };

    /// <summary>The event, or null when the span's ids are not valid (it is counted as rejected).</summary>
    public static JsonObject? Map(OtlpSpan span)
    {
        if (!IsHex(span.TraceId, 32) || !IsHex(span.SpanId, 16))
        {
            return null;
        }

        var a = span.Attributes;
        var operation = Str(a, "gen_ai.operation.name");
        var logType = Str(a, "zespan.entity.log_type") ?? operation switch
        {
            "chat" or "text_completion" or "generate_content" => "generation",
            "embeddings" => "embedding",
            "invoke_agent" or "create_agent" => "agent",
            "execute_tool" => "tool",
            _ when Str(a, "gen_ai.request.model") is not null => "generation",
            _ => "custom",
        };

        var start = FromNanos(span.StartNanos);
        var end = FromNanos(Math.Max(span.EndNanos, span.StartNanos));
        var e = new JsonObject
        {
            ["trace_id"] = span.TraceId,
            ["span_id"] = span.SpanId,
            ["parent_span_id"] = IsHex(span.ParentSpanId, 16) ? span.ParentSpanId : null,
            ["log_type"] = logType,
            ["name"] = Cut(string.IsNullOrEmpty(span.Name) ? operation ?? "span" : span.Name, 1000),
            ["start_time"] = Storage.Rfc3339.Format(start),
            ["end_time"] = Storage.Rfc3339.Format(end),
            ["latency"] = (end - start).TotalSeconds,
        };

        var provider = Str(a, "gen_ai.provider.name") ?? Str(a, "gen_ai.system");
        var model = Str(a, "gen_ai.request.model") ?? Str(a, "gen_ai.response.model");
        Set(e, "provider", provider);
        Set(e, "model", model);
        Set(e, "response_model", Str(a, "gen_ai.response.model"));
        Set(e, "requested_model", Str(a, "zespan.requested_model"));
        Set(e, "environment", Str(a, "zespan.environment") ?? Str(span.Resource, "deployment.environment.name") ?? Str(span.Resource, "deployment.environment"));
        Set(e, "customer_identifier", Str(a, "zespan.customer_params.customer_identifier") ?? Str(a, "user.id") ?? Str(a, "enduser.id"));
        Set(e, "customer_email", Str(a, "zespan.customer_params.customer_email"));
        Set(e, "customer_name", Str(a, "zespan.customer_params.customer_name"));
        Set(e, "thread_identifier", Str(a, "zespan.threads.thread_identifier") ?? Str(a, "gen_ai.conversation.id") ?? Str(a, "session.id"));
        if (Bool(a, "zespan.stream") is { } stream)
        {
            e["stream"] = stream;
        }

        if ((Number(a, "zespan.time_to_first_token") ?? Number(a, "gen_ai.server.time_to_first_token")) is { } ttft && ttft >= 0)
        {
            e["time_to_first_token"] = ttft;
        }

        if (Int(a, "zespan.config_version") is { } configVersion)
        {
            e["config_version"] = configVersion;
        }

        if (a.TryGetValue("gen_ai.response.finish_reasons", out var reasons))
        {
            Set(e, "finish_reason", reasons is JsonArray list && list.Count > 0 ? Text(list[0]) : Text(reasons));
        }

        // status: HTTP status of the call when known; error from the span status and its exception event
        var failed = span.StatusCode == 2;
        var status = Int(a, "http.response.status_code");
        e["status_code"] = status is >= 0 and <= 999 ? status : failed ? 500 : 200;
        if (failed || Str(a, "error.type") is not null)
        {
            var exception = span.Events.Find(static x => x.Name == "exception");
            e["error"] = new JsonObject
            {
                ["type"] = Str(a, "error.type") ?? (exception is null ? null : Str(exception.Attributes, "exception.type")) ?? "error",
                ["message"] = span.StatusMessage ?? (exception is null ? null : Str(exception.Attributes, "exception.message")) ?? string.Empty,
            };
        }

        if (logType is "generation" or "response" or "embedding")
        {
            MapUsage(e, a, model, provider);
            MapMessages(e, span);
        }

        if (logType == "agent" || Str(a, "gen_ai.agent.name") is not null)
        {
            var agentName = Str(a, "gen_ai.agent.name");
            if (agentName is not null || logType == "agent")
            {
                e["agent"] = new JsonObject
                {
                    ["name"] = agentName ?? span.Name,
                    ["role"] = Str(a, "zespan.agent.role") ?? Str(a, "gen_ai.agent.description") ?? "agent",
                    ["framework"] = Str(a, "zespan.agent.framework") ?? span.ScopeName ?? "opentelemetry",
                    ["tools"] = new JsonArray(),
                };
            }
        }

        if (logType == "tool")
        {
            e["tool"] = new JsonObject
            {
                ["name"] = Str(a, "gen_ai.tool.name") ?? span.Name,
                ["arguments"] = Json(a, "gen_ai.tool.call.arguments"),
                ["result"] = Json(a, "gen_ai.tool.call.result"),
            };
        }

        if (Json(a, "zespan.plan") is JsonArray plan)
        {
            e["plan"] = plan;
        }

        if (Str(a, "zespan.handoff.to") is { } to)
        {
            e["handoff"] = new JsonObject { ["from"] = Str(a, "zespan.handoff.from"), ["to"] = to, ["reason"] = Str(a, "zespan.handoff.reason") };
        }

        if (Str(a, "zespan.guardrail.phase") is { } phase)
        {
            e["guardrail"] = new JsonObject { ["phase"] = phase, ["passed"] = Bool(a, "zespan.guardrail.passed") ?? true, ["results"] = Json(a, "zespan.guardrail.results") as JsonArray ?? [] };
        }

        var tags = new JsonObject();
        var scores = new JsonObject();
        var metadata = Json(a, "zespan.metadata") as JsonObject ?? [];
        foreach (var (key, value) in a)
        {
            if (key.StartsWith("zespan.tags.", StringComparison.Ordinal) && Text(value) is { } tag)
            {
                tags[key["zespan.tags.".Length..]] = tag;
            }
            else if (key.StartsWith("zespan.eval_scores.", StringComparison.Ordinal) && value is JsonValue v && v.TryGetValue<double>(out var score))
            {
                scores[key["zespan.eval_scores.".Length..]] = score;
            }
            else if (!Mapped.Contains(key) && !metadata.ContainsKey(key))
            {
                metadata[key] = value?.DeepClone();
            }
        }

        if (Str(span.Resource, "service.name") is { } service && !metadata.ContainsKey("service.name"))
        {
            metadata["service.name"] = service;
        }

        if (span.ScopeName is { } scope)
        {
            metadata["otel.scope.name"] = scope;
        }

        metadata["otel.span.kind"] = span.Kind;
        e["tags"] = tags;
        e["eval_scores"] = scores;
        e["metadata"] = metadata;
        e["truncated"] = false;
        return e;
    }

    private static void MapUsage(JsonObject e, Dictionary<string, JsonNode?> a, string? model, string? provider)
    {
        var input = Int(a, "gen_ai.usage.input_tokens") ?? Int(a, "gen_ai.usage.prompt_tokens");
        var output = Int(a, "gen_ai.usage.output_tokens") ?? Int(a, "gen_ai.usage.completion_tokens");
        e["prompt_tokens"] = input;
        e["completion_tokens"] = output;
        e["total_tokens"] = input is null && output is null ? null : (input ?? 0) + (output ?? 0);
        var cached = Int(a, "gen_ai.usage.cache_read.input_tokens") ?? Int(a, "gen_ai.usage.cache_read_input_tokens") ?? Int(a, "gen_ai.usage.cached_tokens");
        if (cached is not null)
        {
            e["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = cached };
        }

        var reasoning = Int(a, "gen_ai.usage.reasoning.output_tokens") ?? Int(a, "gen_ai.usage.reasoning_tokens");
        if (reasoning is not null)
        {
            e["completion_tokens_details"] = new JsonObject { ["reasoning_tokens"] = reasoning };
        }

        if (Number(a, "zespan.cost") is { } cost && cost >= 0)
        {
            e["cost"] = cost;
            e["cost_status"] = "provided";
        }
        else if (Price(model, provider, input, output) is { } estimate)
        {
            e["cost"] = estimate;
            e["cost_status"] = "estimated";
        }
        else
        {
            e["cost"] = null;
            e["cost_status"] = "unpriced";
        }
    }

    /// <summary>The cost from the Zespan SDK's built-in price table (the same lookup the SDK uses), or null when the model has no price.</summary>
    private static double? Price(string? model, string? provider, long? input, long? output)
    {
        if (model is null || (input is null && output is null) || input > int.MaxValue || output > int.MaxValue)
        {
            return null;
        }

        return ModelPriceTable.EstimateCost(model, provider, (int?)input, (int?)output, null);
    }

    /// <summary>Messages: <c>gen_ai.system_instructions</c> and <c>gen_ai.input.messages</c> make the prompt, <c>gen_ai.output.messages</c> the completion; without them the older <c>gen_ai.*.message</c> / <c>gen_ai.choice</c> events.</summary>
    private static void MapMessages(JsonObject e, OtlpSpan span)
    {
        var prompt = new JsonArray();
        if (Json(span.Attributes, "gen_ai.system_instructions") is { } instructions)
        {
            var text = instructions is JsonArray parts ? PartsText(parts) : Text(instructions);
            if (!string.IsNullOrEmpty(text))
            {
                prompt.Add((JsonNode)new JsonObject { ["role"] = "system", ["content"] = text });
            }
        }

        var input = Json(span.Attributes, "gen_ai.input.messages") as JsonArray;
        if (input is not null)
        {
            foreach (var message in input.OfType<JsonObject>())
            {
                prompt.Add((JsonNode)Message(message));
            }
        }

        JsonObject? completion = null;
        if (Json(span.Attributes, "gen_ai.output.messages") is JsonArray output && output.OfType<JsonObject>().FirstOrDefault() is { } first)
        {
            completion = Message(first);
            if (e["finish_reason"] is null && Text(first["finish_reason"]) is { } reason)
            {
                e["finish_reason"] = reason;
            }
        }

        foreach (var spanEvent in span.Events)
        {
            var role = spanEvent.Name switch
            {
                "gen_ai.system.message" => "system",
                "gen_ai.user.message" => "user",
                "gen_ai.assistant.message" => "assistant",
                "gen_ai.tool.message" => "tool",
                _ => null,
            };
            if (role is not null && input is null)
            {
                prompt.Add((JsonNode)new JsonObject { ["role"] = role, ["content"] = Str(spanEvent.Attributes, "content") ?? Text(Json(spanEvent.Attributes, "body")?["content"]) });
            }
            else if (spanEvent.Name == "gen_ai.choice" && completion is null)
            {
                completion = new JsonObject { ["role"] = "assistant", ["content"] = Str(spanEvent.Attributes, "content") ?? Text(Json(spanEvent.Attributes, "message")?["content"]) };
            }
        }

        if (prompt.Count > 0)
        {
            e["prompt_messages"] = prompt;
        }

        if (completion is not null)
        {
            e["completion_message"] = completion;
        }
    }

    /// <summary>A GenAI message (<c>{"role", "parts": [...]}</c>) as a Zespan message: text parts joined, tool calls and tool results kept.</summary>
    private static JsonObject Message(JsonObject message)
    {
        var role = Text(message["role"]) ?? "user";
        var result = new JsonObject { ["role"] = role };
        if (message["parts"] is not JsonArray parts)
        {
            result["content"] = Text(message["content"]);
            return result;
        }

        var calls = new JsonArray();
        foreach (var part in parts.OfType<JsonObject>())
        {
            switch (Text(part["type"]))
            {
                case "tool_call":
                    calls.Add((JsonNode)new JsonObject
                    {
                        ["id"] = Text(part["id"]),
                        ["name"] = Text(part["name"]),
                        ["arguments"] = part["arguments"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : part["arguments"]?.ToJsonString() ?? "{}",
                    });
                    break;
                case "tool_call_response":
                    result["role"] = "tool";
                    result["tool_call_id"] = Text(part["id"]);
                    result["content"] = part["response"] is JsonValue r && r.TryGetValue<string>(out var text) ? text : part["response"]?.ToJsonString();
                    break;
            }
        }

        if (result["content"] is null)
        {
            result["content"] = PartsText(parts);
        }

        if (calls.Count > 0)
        {
            result["tool_calls"] = calls;
        }

        return result;
    }

    private static string? PartsText(JsonArray parts)
    {
        var texts = parts.OfType<JsonObject>().Where(static p => Text(p["type"]) is null or "text").Select(static p => Text(p["content"]) ?? Text(p["text"])).OfType<string>().ToList();
        return texts.Count == 0 ? null : string.Join("\n", texts);
    }

    private static DateTimeOffset FromNanos(ulong nanos)
    {
        var ticks = nanos / 100;
        var max = (ulong)(DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks);
        return DateTimeOffset.UnixEpoch.AddTicks((long)Math.Min(ticks, max));
    }

    private static void Set(JsonObject e, string name, string? value)
    {
        if (value is not null)
        {
            e[name] = Cut(value, 1000);
        }
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];

    private static string? Str(IReadOnlyDictionary<string, JsonNode?> a, string key) =>
        a.TryGetValue(key, out var value) ? Text(value) : null;

    private static string? Text(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var text) ? text : null;

    private static long? Int(IReadOnlyDictionary<string, JsonNode?> a, string key) =>
        a.TryGetValue(key, out var value) && value is JsonValue v
            ? v.TryGetValue<long>(out var n) ? n
            : v.TryGetValue<double>(out var d) && d >= long.MinValue && d <= long.MaxValue ? (long)d
            : v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n : null
            : null;

    private static double? Number(IReadOnlyDictionary<string, JsonNode?> a, string key) =>
        a.TryGetValue(key, out var value) && value is JsonValue v
            ? v.TryGetValue<double>(out var d) ? d
            : v.TryGetValue<string>(out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && double.IsFinite(d) ? d : null
            : null;

    private static bool? Bool(IReadOnlyDictionary<string, JsonNode?> a, string key) =>
        a.TryGetValue(key, out var value) && value is JsonValue v && v.TryGetValue<bool>(out var b) ? b : null;

    /// <summary>An attribute holding JSON: structured already, or a string of JSON text (parsed; kept as the string when it is not JSON).</summary>
    private static JsonNode? Json(IReadOnlyDictionary<string, JsonNode?> a, string key)
    {
        if (!a.TryGetValue(key, out var value) || value is null)
        {
            return null;
        }

        if (value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            try
            {
                return JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) ?? value.DeepClone();
            }
            catch (JsonException)
            {
                return value.DeepClone();
            }
        }

        return value.DeepClone();
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
            if (!char.IsAsciiHexDigitLower(c))
            {
                return false;
            }

            allZero &= c == '0';
        }

        return !allZero;
    }
}
