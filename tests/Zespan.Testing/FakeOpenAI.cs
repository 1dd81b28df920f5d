using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Zespan.Testing;

/// <summary>
/// A fake OpenAI chat completions endpoint on a real Kestrel server (127.0.0.1, port 0) that plays the model of an agent
/// run: asked with tools and a fresh user message it calls a tool (a handoff function first, then <c>get_weather</c> or
/// <c>fail_tool</c>), otherwise it answers with text. Streams server-sent events when the request asks to.
/// </summary>
public static class FakeOpenAI
{
    public const string Model = "gpt-4o-mini";

    public const string ResponseModel = "gpt-4o-mini-2024-07-18";

    public const string Answer = "It is sunny in Paris.";

    public const string Question = "What is the weather in Paris?";

    public const int PromptTokens = 11;

    public const int CompletionTokens = 7;

    /// <summary>Starts the server; its chat completions endpoint is <c>{BaseUrl}v1/chat/completions</c>.</summary>
    public static Task<LoopbackServer> StartAsync() => LoopbackServer.StartAsync(AnswerAsync);

    /// <summary>Gets the chat completion requests the server received.</summary>
    public static IReadOnlyList<RecordedRequest> Calls(LoopbackServer server) =>
        [.. server.Requests.Where(static r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal))];

    private static async Task AnswerAsync(HttpContext context, RecordedRequest request)
    {
        var body = request.Json!.AsObject();
        var messages = body["messages"]!.AsArray();
        var lastRole = (string?)messages[^1]!["role"];
        var tools = body["tools"]?.AsArray().Select(static t => (string?)t!["function"]!["name"]).OfType<string>().ToList() ?? [];

        JsonObject message;
        string finish;
        var tool = lastRole == "user"
            ? tools.FirstOrDefault(static n => n.StartsWith("handoff_to_", StringComparison.Ordinal))
              ?? tools.FirstOrDefault(static n => n.EndsWith("get_weather", StringComparison.Ordinal) || n.EndsWith("fail_tool", StringComparison.Ordinal))
            : null;
        if (tool is not null)
        {
            var arguments = tool.StartsWith("handoff_to_", StringComparison.Ordinal) ? """{"reasonForHandoff":"a billing question"}""" : """{"city":"Paris"}""";
            message = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = null,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["id"] = "call_" + tool,
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = tool, ["arguments"] = arguments },
                }),
            };
            finish = "tool_calls";
        }
        else
        {
            message = new JsonObject { ["role"] = "assistant", ["content"] = Answer };
            finish = "stop";
        }

        var usage = new JsonObject { ["prompt_tokens"] = PromptTokens, ["completion_tokens"] = CompletionTokens, ["total_tokens"] = PromptTokens + CompletionTokens };
        if ((bool?)body["stream"] == true)
        {
            context.Response.ContentType = "text/event-stream";
            if (message["tool_calls"] is JsonArray calls)
            {
                calls[0]!["index"] = 0;
            }

            await WriteChunkAsync(context, new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = message, ["finish_reason"] = null }), null);
            await WriteChunkAsync(context, new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = new JsonObject(), ["finish_reason"] = finish }), null);
            await WriteChunkAsync(context, [], usage);
            await context.Response.WriteAsync("data: [DONE]\n\n");
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = ResponseModel,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finish }),
            ["usage"] = usage,
        }.ToJsonString());
    }

    private static Task WriteChunkAsync(HttpContext context, JsonArray choices, JsonObject? usage)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-stream",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = ResponseModel,
            ["choices"] = choices,
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }

        return context.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n");
    }
}
