using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Mocks;

/// <summary>
/// <c>POST /mock/openai/v1/chat/completions</c>: an OpenAI-compatible chat completion, shaped like the real API
/// (non-streaming, and SSE chunks with <c>stream_options.include_usage</c> giving a final usage chunk before
/// <c>data: [DONE]</c>), so the OpenAI .NET SDK parses it. Replies follow <see cref="MockScript"/>.
/// </summary>
internal sealed class MockOpenAi(DevServerOptions options)
{
    private const string Fingerprint = "fp_zespan_mock";

    public void Map(WebApplication app) => app.MapPost("/mock/openai/v1/chat/completions", ChatCompletionsAsync);

    private async Task ChatCompletionsAsync(HttpContext context)
    {
        byte[] body;
        JsonObject request;
        try
        {
            body = await HttpJson.ReadBodyAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
            request = HttpJson.ParseObject(body);
        }
        catch (ApiException e)
        {
            await ErrorAsync(context, e.Status, e.Message).ConfigureAwait(false);
            return;
        }

        var model = request["model"] is JsonValue m && m.TryGetValue<string>(out var name) && name.Length > 0 ? name : null;
        if (model is null || request["messages"] is not JsonArray messages || messages.Count == 0)
        {
            await ErrorAsync(context, 400, "model and a non-empty messages array are required").ConfigureAwait(false);
            return;
        }

        string? lastUser = null;
        string? toolResult = null;
        var promptTokens = 3;
        foreach (var node in messages)
        {
            if (node is not JsonObject message)
            {
                continue;
            }

            var text = HttpJson.ContentText(message["content"]) ?? string.Empty;
            promptTokens += 4 + MockScript.Tokens(text);
            var role = MockScript.Str(message["role"]);
            if (role == "user")
            {
                lastUser = text;
            }
        }

        if (messages[^1] is JsonObject last && MockScript.Str(last["role"]) == "tool")
        {
            toolResult = HttpJson.ContentText(last["content"]) ?? string.Empty;
        }

        var tools = new List<MockTool>();
        if (request["tools"] is JsonArray toolArray)
        {
            promptTokens += MockScript.Tokens(HttpJson.ToJson(toolArray));
            foreach (var tool in toolArray)
            {
                if (tool?["function"] is JsonObject function && function["name"] is JsonValue n && n.TryGetValue<string>(out var toolName))
                {
                    tools.Add(new MockTool(toolName, function["parameters"] as JsonObject));
                }
            }
        }

        string? forced = null;
        var forbidden = false;
        switch (request["tool_choice"])
        {
            case JsonValue choice when choice.TryGetValue<string>(out var mode):
                forbidden = mode == "none";
                forced = mode == "required" ? "*" : null;
                break;
            case JsonObject choice when MockScript.Str(choice["function"]?["name"]) is { } forcedName:
                forced = forcedName;
                break;
        }

        if (MockScript.RequestedError(lastUser) is { } status)
        {
            await ErrorAsync(context, status, $"mock error {status} requested by the message").ConfigureAwait(false);
            return;
        }

        var maxTokens = Long(request["max_completion_tokens"]) ?? Long(request["max_tokens"]);
        var reply = MockScript.Decide(model, lastUser, toolResult, tools, forced, forbidden, promptTokens, maxTokens);
        var id = MockScript.Id("chatcmpl-", body);
        var created = options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();
        var delay = MockStreaming.DelayOf(context, request, options.MaxMockDelay);
        var stream = request["stream"] is JsonValue s && s.TryGetValue<bool>(out var streaming) && streaming;
        var includeUsage = request["stream_options"]?["include_usage"] is JsonValue u && u.TryGetValue<bool>(out var usage) && usage;
        context.Response.Headers["x-request-id"] = MockScript.Id("req_", body, 16);
        context.Response.Headers["openai-processing-ms"] = "1";
        if (stream)
        {
            await StreamAsync(context, id, created, model, reply, includeUsage, delay).ConfigureAwait(false);
            return;
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, options.TimeProvider, context.RequestAborted).ConfigureAwait(false);
        }

        var responseMessage = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = reply.Text,
            ["refusal"] = null,
            ["annotations"] = new JsonArray(),
        };
        if (reply.IsToolCall)
        {
            responseMessage["tool_calls"] = new JsonArray
            {
                (JsonNode)new JsonObject
                {
                    ["id"] = ToolCallId(id, reply),
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = reply.ToolName, ["arguments"] = HttpJson.ToJson(reply.ToolArguments) },
                },
            };
        }

        var answer = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray
            {
                (JsonNode)new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = responseMessage,
                    ["logprobs"] = null,
                    ["finish_reason"] = reply.FinishReason,
                },
            },
            ["usage"] = Usage(reply),
            ["service_tier"] = "default",
            ["system_fingerprint"] = Fingerprint,
        };
        await HttpJson.WriteAsync(context, 200, answer).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, string id, long created, string model, MockReply reply, bool includeUsage, TimeSpan delay)
    {
        var sse = new MockStreaming(context, delay, options.TimeProvider);
        sse.Start();

        JsonObject Chunk(JsonObject delta, string? finishReason)
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["service_tier"] = "default",
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = new JsonArray
                {
                    (JsonNode)new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finishReason },
                },
            };
            if (includeUsage)
            {
                chunk["usage"] = null;
            }

            return chunk;
        }

        if (reply.IsToolCall)
        {
            var arguments = HttpJson.ToJson(reply.ToolArguments);
            await sse.WriteAsync(null, Chunk(new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray
                {
                    (JsonNode)new JsonObject
                    {
                        ["index"] = 0,
                        ["id"] = ToolCallId(id, reply),
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = reply.ToolName, ["arguments"] = string.Empty },
                    },
                },
                ["refusal"] = null,
            }, null).ToJsonText()).ConfigureAwait(false);
            for (var i = 0; i < arguments.Length; i += 8)
            {
                var piece = arguments.Substring(i, Math.Min(8, arguments.Length - i));
                await sse.WriteAsync(null, Chunk(new JsonObject
                {
                    ["tool_calls"] = new JsonArray { (JsonNode)new JsonObject { ["index"] = 0, ["function"] = new JsonObject { ["arguments"] = piece } } },
                }, null).ToJsonText()).ConfigureAwait(false);
            }
        }
        else
        {
            await sse.WriteAsync(null, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty, ["refusal"] = null }, null).ToJsonText())
                .ConfigureAwait(false);
            foreach (var piece in MockScript.Pieces(reply.Text!))
            {
                await sse.WriteAsync(null, Chunk(new JsonObject { ["content"] = piece }, null).ToJsonText()).ConfigureAwait(false);
            }
        }

        await sse.WriteAsync(null, Chunk(new JsonObject(), reply.FinishReason).ToJsonText(), pause: includeUsage).ConfigureAwait(false);
        if (includeUsage)
        {
            var usageChunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["service_tier"] = "default",
                ["system_fingerprint"] = Fingerprint,
                ["choices"] = new JsonArray(),
                ["usage"] = Usage(reply),
            };
            await sse.WriteAsync(null, usageChunk.ToJsonText(), pause: false).ConfigureAwait(false);
        }

        await sse.WriteAsync(null, "[DONE]", pause: false).ConfigureAwait(false);
    }

    private static JsonObject Usage(MockReply reply) => new()
    {
        ["prompt_tokens"] = reply.PromptTokens,
        ["completion_tokens"] = reply.CompletionTokens,
        ["total_tokens"] = reply.PromptTokens + reply.CompletionTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = 0, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = 0,
            ["audio_tokens"] = 0,
            ["accepted_prediction_tokens"] = 0,
            ["rejected_prediction_tokens"] = 0,
        },
    };

    private static string ToolCallId(string responseId, MockReply reply) =>
        "call_" + MockScript.Id(string.Empty, System.Text.Encoding.UTF8.GetBytes(responseId + reply.ToolName), 24);

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    /// <summary>The OpenAI error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        var type = status switch
        {
            401 => "invalid_request_error",
            429 => "rate_limit_exceeded",
            >= 500 => "server_error",
            _ => "invalid_request_error",
        };
        return HttpJson.WriteAsync(context, status, new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = null },
        });
    }
}
