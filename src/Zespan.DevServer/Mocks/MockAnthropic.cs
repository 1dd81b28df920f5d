using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Mocks;

/// <summary>
/// <c>POST /mock/anthropic/v1/messages</c>: an Anthropic Messages API answer, shaped like the real one
/// (non-streaming, and SSE with message_start, content_block_start, ping, content_block_delta,
/// content_block_stop, message_delta with usage, message_stop), so the Anthropic .NET SDK parses it.
/// Replies follow <see cref="MockScript"/>.
/// </summary>
internal sealed class MockAnthropic(DevServerOptions options)
{
    public void Map(WebApplication app) => app.MapPost("/mock/anthropic/v1/messages", MessagesAsync);

    private async Task MessagesAsync(HttpContext context)
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

        var model = MockScript.Str(request["model"]);
        var maxTokens = request["max_tokens"] is JsonValue mt && mt.TryGetValue<long>(out var max) ? max : (long?)null;
        if (string.IsNullOrEmpty(model) || maxTokens is null || request["messages"] is not JsonArray messages || messages.Count == 0)
        {
            await ErrorAsync(context, 400, "model, max_tokens and a non-empty messages array are required").ConfigureAwait(false);
            return;
        }

        var promptTokens = 3 + MockScript.Tokens(HttpJson.ContentText(request["system"]));
        string? lastUser = null;
        string? toolResult = null;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message)
            {
                continue;
            }

            var text = TextOf(message["content"]);
            promptTokens += 4 + MockScript.Tokens(text);
            var result = ToolResultOf(message["content"]);
            if (MockScript.Str(message["role"]) == "user")
            {
                if (!string.IsNullOrEmpty(text))
                {
                    lastUser = text;
                }

                toolResult = i == messages.Count - 1 ? result : null;
            }
        }

        var tools = new List<MockTool>();
        if (request["tools"] is JsonArray toolArray)
        {
            promptTokens += MockScript.Tokens(HttpJson.ToJson(toolArray));
            foreach (var tool in toolArray)
            {
                if (tool is JsonObject t && MockScript.Str(t["name"]) is { } toolName)
                {
                    tools.Add(new MockTool(toolName, t["input_schema"] as JsonObject));
                }
            }
        }

        string? forced = null;
        var forbidden = false;
        if (request["tool_choice"] is JsonObject choice)
        {
            switch (MockScript.Str(choice["type"]))
            {
                case "none":
                    forbidden = true;
                    break;
                case "any":
                    forced = "*";
                    break;
                case "tool":
                    forced = MockScript.Str(choice["name"]);
                    break;
            }
        }

        if (MockScript.RequestedError(lastUser) is { } status)
        {
            await ErrorAsync(context, status, $"mock error {status} requested by the message").ConfigureAwait(false);
            return;
        }

        var reply = MockScript.Decide(model, lastUser, toolResult, tools, forced, forbidden, promptTokens, maxTokens);
        var id = MockScript.Id("msg_", body);
        var stopReason = reply.FinishReason switch
        {
            "tool_calls" => "tool_use",
            "length" => "max_tokens",
            _ => "end_turn",
        };
        var preamble = reply.IsToolCall ? $"I'll use the {reply.ToolName} tool." : null;
        var delay = MockStreaming.DelayOf(context, request, options.MaxMockDelay);
        context.Response.Headers["request-id"] = MockScript.Id("req_", body, 24);
        if (request["stream"] is JsonValue s && s.TryGetValue<bool>(out var stream) && stream)
        {
            await StreamAsync(context, id, model, reply, preamble, stopReason, delay).ConfigureAwait(false);
            return;
        }

        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, options.TimeProvider, context.RequestAborted).ConfigureAwait(false);
        }

        var content = new JsonArray();
        if (reply.IsToolCall)
        {
            content.Add((JsonNode)TextBlock(preamble!));
            content.Add((JsonNode)new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = ToolUseId(id, reply),
                ["name"] = reply.ToolName,
                ["input"] = reply.ToolArguments!.DeepClone(),
            });
        }
        else
        {
            content.Add((JsonNode)TextBlock(reply.Text!));
        }

        var answer = new JsonObject
        {
            ["id"] = id,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = content,
            ["stop_reason"] = stopReason,
            ["stop_sequence"] = null,
            ["usage"] = Usage(reply.PromptTokens, reply.CompletionTokens),
        };
        await HttpJson.WriteAsync(context, 200, answer).ConfigureAwait(false);
    }

    private async Task StreamAsync(HttpContext context, string id, string model, MockReply reply, string? preamble, string stopReason, TimeSpan delay)
    {
        var sse = new MockStreaming(context, delay, options.TimeProvider);
        sse.Start();
        await sse.WriteAsync("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = id,
                ["type"] = "message",
                ["role"] = "assistant",
                ["model"] = model,
                ["content"] = new JsonArray(),
                ["stop_reason"] = null,
                ["stop_sequence"] = null,
                ["usage"] = Usage(reply.PromptTokens, 1),
            },
        }.ToJsonText()).ConfigureAwait(false);

        await sse.WriteAsync("content_block_start", new JsonObject
        {
            ["type"] = "content_block_start",
            ["index"] = 0,
            ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = string.Empty },
        }.ToJsonText()).ConfigureAwait(false);
        await sse.WriteAsync("ping", """{"type": "ping"}""").ConfigureAwait(false);
        foreach (var piece in MockScript.Pieces(preamble ?? reply.Text!))
        {
            await sse.WriteAsync("content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta",
                ["index"] = 0,
                ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
            }.ToJsonText()).ConfigureAwait(false);
        }

        await sse.WriteAsync("content_block_stop", """{"type":"content_block_stop","index":0}""").ConfigureAwait(false);
        if (reply.IsToolCall)
        {
            await sse.WriteAsync("content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = 1,
                ["content_block"] = new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = ToolUseId(id, reply),
                    ["name"] = reply.ToolName,
                    ["input"] = new JsonObject(),
                },
            }.ToJsonText()).ConfigureAwait(false);
            var arguments = HttpJson.ToJson(reply.ToolArguments);
            await sse.WriteAsync("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}""")
                .ConfigureAwait(false);
            for (var i = 0; i < arguments.Length; i += 8)
            {
                await sse.WriteAsync("content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta",
                    ["index"] = 1,
                    ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = arguments.Substring(i, Math.Min(8, arguments.Length - i)) },
                }.ToJsonText()).ConfigureAwait(false);
            }

            await sse.WriteAsync("content_block_stop", """{"type":"content_block_stop","index":1}""").ConfigureAwait(false);
        }

        await sse.WriteAsync("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.CompletionTokens },
        }.ToJsonText()).ConfigureAwait(false);
        await sse.WriteAsync("message_stop", """{"type":"message_stop"}""", pause: false).ConfigureAwait(false);
    }

    private static JsonObject TextBlock(string text) => new() { ["type"] = "text", ["text"] = text, ["citations"] = null };

    private static JsonObject Usage(int input, int output) => new()
    {
        ["input_tokens"] = input,
        ["cache_creation_input_tokens"] = 0,
        ["cache_read_input_tokens"] = 0,
        ["cache_creation"] = new JsonObject { ["ephemeral_5m_input_tokens"] = 0, ["ephemeral_1h_input_tokens"] = 0 },
        ["output_tokens"] = output,
        ["service_tier"] = "standard",
    };

    private static string ToolUseId(string responseId, MockReply reply) =>
        "toolu_" + MockScript.Id(string.Empty, System.Text.Encoding.UTF8.GetBytes(responseId + reply.ToolName), 24);

    /// <summary>The text of a message: a string, or its text blocks joined.</summary>
    private static string? TextOf(JsonNode? content)
    {
        if (content is JsonArray blocks)
        {
            var texts = new List<string>();
            foreach (var block in blocks)
            {
                if (block is JsonObject b && MockScript.Str(b["type"]) == "text" && MockScript.Str(b["text"]) is { } text)
                {
                    texts.Add(text);
                }
            }

            return string.Join("\n", texts);
        }

        return MockScript.Str(content);
    }

    /// <summary>The content of the last <c>tool_result</c> block, or null when there is none.</summary>
    private static string? ToolResultOf(JsonNode? content)
    {
        string? result = null;
        if (content is JsonArray blocks)
        {
            foreach (var block in blocks)
            {
                if (block is JsonObject b && MockScript.Str(b["type"]) == "tool_result")
                {
                    result = HttpJson.ContentText(b["content"]) ?? string.Empty;
                }
            }
        }

        return result;
    }

    /// <summary>The Anthropic error body: <c>{"type": "error", "error": {"type", "message"}}</c>.</summary>
    private static Task ErrorAsync(HttpContext context, int status, string message)
    {
        var type = status switch
        {
            401 => "authentication_error",
            403 => "permission_error",
            404 => "not_found_error",
            413 => "request_too_large",
            429 => "rate_limit_error",
            529 => "overloaded_error",
            >= 500 => "api_error",
            _ => "invalid_request_error",
        };
        return HttpJson.WriteAsync(context, status, new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
            ["request_id"] = "req_mock",
        });
    }
}
