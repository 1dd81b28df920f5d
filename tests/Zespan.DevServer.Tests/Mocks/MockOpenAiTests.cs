using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;

namespace Zespan.DevServer.Tests.Mocks;

/// <summary>The mock OpenAI endpoint, driven by the real OpenAI .NET SDK (2.15.0).</summary>
public class MockOpenAiTests
{
    private static readonly ChatTool LookupOrder = ChatTool.CreateFunctionTool(
        "lookup_order",
        "Finds an order by its id.",
        BinaryData.FromString("""{"type":"object","properties":{"order_id":{"type":"string"},"include_items":{"type":"boolean"}},"required":["order_id"]}"""));

    [Fact]
    public async Task CompleteChat_NonStreaming_ParsesWithUsage()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);

        ChatCompletion completion = await client.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Where is my order?")]);

        Assert.Equal("This is a mock reply from gpt-4o-mini. You said: \"Where is my order?\"", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("gpt-4o-mini", completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChat_SameRequestTwice_SameReply()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);

        ChatCompletion first = await client.CompleteChatAsync([new UserChatMessage("ping")]);
        ChatCompletion second = await client.CompleteChatAsync([new UserChatMessage("ping")]);

        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        Assert.Equal(first.Usage.TotalTokenCount, second.Usage.TotalTokenCount);
        Assert.Equal(first.Id, second.Id);
    }

    [Fact]
    public async Task CompleteChatStreaming_ParsesChunksAndFinalUsage()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        var updates = 0;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Tell me about shipping")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("This is a mock reply from gpt-4o-mini. You said: \"Tell me about shipping\"", text.ToString());
        Assert.True(updates > 5, "the reply must arrive in several chunks");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0);
        Assert.True(usage.OutputTokenCount > 0);
        Assert.Equal(usage.InputTokenCount + usage.OutputTokenCount, usage.TotalTokenCount);
    }

    [Fact]
    public async Task CompleteChat_ToolNamedInTheMessage_ReturnsAToolCallWithSchemaArguments()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var options = new ChatCompletionOptions { Tools = { LookupOrder } };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Please use lookup_order for order_id=A-1001")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("lookup_order", call.FunctionName);
        Assert.StartsWith("call_", call.Id, StringComparison.Ordinal);
        using var arguments = JsonDocument.Parse(call.FunctionArguments);
        Assert.Equal("A-1001", arguments.RootElement.GetProperty("order_id").GetString());
        Assert.False(arguments.RootElement.TryGetProperty("include_items", out _), "only required properties are filled");
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolCall_ArgumentsArriveInPieces()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var options = new ChatCompletionOptions { Tools = { LookupOrder } };
        var arguments = new StringBuilder();
        string? name = null;
        string? id = null;
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("lookup_order order_id: \"B-7\"")], options))
        {
            foreach (var toolUpdate in update.ToolCallUpdates)
            {
                name ??= toolUpdate.FunctionName;
                id ??= toolUpdate.ToolCallId;
                if (toolUpdate.FunctionArgumentsUpdate is { } piece && !piece.ToMemory().IsEmpty)
                {
                    arguments.Append(piece.ToString());
                }
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("lookup_order", name);
        Assert.StartsWith("call_", id, StringComparison.Ordinal);
        Assert.Equal("""{"order_id":"B-7"}""", arguments.ToString());
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.NotNull(usage);
    }

    [Fact]
    public async Task CompleteChat_AfterAToolResult_AnswersWithText()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var options = new ChatCompletionOptions { Tools = { LookupOrder } };
        List<ChatMessage> messages = [new UserChatMessage("use lookup_order for order_id=A-1")];
        ChatCompletion call = await client.CompleteChatAsync(messages, options);
        messages.Add(new AssistantChatMessage(call));
        messages.Add(new ToolChatMessage(call.ToolCalls[0].Id, """{"status":"shipped"}"""));

        ChatCompletion answer = await client.CompleteChatAsync(messages, options);

        Assert.Equal(ChatFinishReason.Stop, answer.FinishReason);
        Assert.Equal("Here is what the tool returned: {\"status\":\"shipped\"}", answer.Content[0].Text);
    }

    [Fact]
    public async Task CompleteChat_ToolsButNoToolNamed_AnswersWithText()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("hello")], new ChatCompletionOptions { Tools = { LookupOrder } });

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Empty(completion.ToolCalls);
    }

    [Fact]
    public async Task CompleteChat_MaxTokensBelowTheReply_CutsWithLengthReason()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("a fairly long question about many things")], new ChatCompletionOptions { MaxOutputTokenCount = 5 });

        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        Assert.True(completion.Content[0].Text.Length <= 20);
    }

    [Fact]
    public async Task ChatCompletions_MockErrorInMessage_AnswersOpenAiErrorBody()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);

        using var response = await http.PostAsync("mock/openai/v1/chat/completions",
            DevServerHost.Json(JsonNode.Parse("""{"model":"gpt-4o","messages":[{"role":"user","content":"fail please mock_error=503"}]}""")!));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("server_error", error["type"]!.GetValue<string>());
        Assert.NotNull(error["message"]);
    }

    [Fact]
    public async Task ChatCompletions_MissingModel_Answers400()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);

        using var response = await http.PostAsync("mock/openai/v1/chat/completions", DevServerHost.Json(JsonNode.Parse("""{"messages":[]}""")!));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ChatCompletions_StreamWithoutIncludeUsage_HasNoUsageChunkButEndsWithDone()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);

        using var response = await http.PostAsync("mock/openai/v1/chat/completions",
            DevServerHost.Json(JsonNode.Parse("""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}""")!));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("\"usage\"", body, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
    }

    private static ChatClient Client(DevServerHost server) =>
        new("gpt-4o-mini", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(server.BaseUrl, "mock/openai/v1"),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });
}
