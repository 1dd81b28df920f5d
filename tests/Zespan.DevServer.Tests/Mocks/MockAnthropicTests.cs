using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;

namespace Zespan.DevServer.Tests.Mocks;

/// <summary>The mock Anthropic endpoint, driven by the real Anthropic .NET SDK (13.12.0).</summary>
public class MockAnthropicTests
{
    [Fact]
    public async Task Create_NonStreaming_ParsesWithUsage()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);

        var message = await client.Messages.Create(Params("Where is my order?"));

        var text = Assert.Single(message.Content);
        Assert.True(text.TryPickText(out var block));
        Assert.Equal("This is a mock reply from claude-haiku-4-5. You said: \"Where is my order?\"", block.Text);
        Assert.Equal("claude-haiku-4-5", message.Model.Raw());
        Assert.StartsWith("msg_", message.ID, StringComparison.Ordinal);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.True(message.Usage.InputTokens > 0);
        Assert.True(message.Usage.OutputTokens > 0);
    }

    [Fact]
    public async Task CreateStreaming_RealEventSequence_ParsesTextAndUsage()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var text = new StringBuilder();
        var kinds = new List<string>();
        long? inputTokens = null;
        long? outputTokens = null;

        await foreach (var e in client.Messages.CreateStreaming(Params("Tell me about shipping")))
        {
            if (e.TryPickStart(out var start))
            {
                kinds.Add("message_start");
                inputTokens = start.Message.Usage.InputTokens;
            }
            else if (e.TryPickContentBlockStart(out _))
            {
                kinds.Add("content_block_start");
            }
            else if (e.TryPickContentBlockDelta(out var delta))
            {
                kinds.Add("content_block_delta");
                if (delta.Delta.TryPickText(out var piece))
                {
                    text.Append(piece.Text);
                }
            }
            else if (e.TryPickContentBlockStop(out _))
            {
                kinds.Add("content_block_stop");
            }
            else if (e.TryPickDelta(out var messageDelta))
            {
                kinds.Add("message_delta");
                outputTokens = messageDelta.Usage.OutputTokens;
            }
            else if (e.TryPickStop(out _))
            {
                kinds.Add("message_stop");
            }
        }

        Assert.Equal("This is a mock reply from claude-haiku-4-5. You said: \"Tell me about shipping\"", text.ToString());
        Assert.Equal("message_start", kinds[0]);
        Assert.Equal("content_block_start", kinds[1]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], kinds.TakeLast(3));
        Assert.True(kinds.Count(k => k == "content_block_delta") > 3);
        Assert.True(inputTokens > 0);
        Assert.True(outputTokens > 1);
    }

    [Fact]
    public async Task Create_ToolNamedInTheMessage_ReturnsToolUse()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var parameters = Params("What's the weather? Use get_weather for city: \"Paris\"") with { Tools = [WeatherTool()] };

        var message = await client.Messages.Create(parameters);

        Assert.Equal(StopReason.ToolUse, message.StopReason!.Value());
        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[1].TryPickToolUse(out var toolUse));
        Assert.Equal("get_weather", toolUse.Name);
        Assert.StartsWith("toolu_", toolUse.ID, StringComparison.Ordinal);
        Assert.Equal("Paris", toolUse.Input["city"].GetString());
    }

    [Fact]
    public async Task CreateStreaming_ToolUse_InputJsonArrivesInPieces()
    {
        await using var server = await DevServerHost.StartAsync();
        var client = Client(server);
        var parameters = Params("get_weather city=Oslo") with { Tools = [WeatherTool()] };
        var json = new StringBuilder();
        string? toolName = null;
        StopReason? stop = null;

        await foreach (var e in client.Messages.CreateStreaming(parameters))
        {
            if (e.TryPickContentBlockStart(out var start) && start.ContentBlock.TryPickToolUse(out var toolUse))
            {
                toolName = toolUse.Name;
            }
            else if (e.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickInputJson(out var piece))
            {
                json.Append(piece.PartialJson);
            }
            else if (e.TryPickDelta(out var messageDelta))
            {
                stop = messageDelta.Delta.StopReason?.Value();
            }
        }

        Assert.Equal("get_weather", toolName);
        Assert.Equal("""{"city":"Oslo"}""", json.ToString());
        Assert.Equal(StopReason.ToolUse, stop);
    }

    [Fact]
    public async Task Messages_MissingMaxTokens_AnswersAnthropicErrorBody()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);

        using var response = await http.PostAsync("mock/anthropic/v1/messages",
            DevServerHost.Json(JsonNode.Parse("""{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"hi"}]}""")!));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("error", body["type"]!.GetValue<string>());
        Assert.Equal("invalid_request_error", body["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Messages_ToolResultLast_AnswersWithText()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);
        var request = JsonNode.Parse("""
            {"model":"claude-haiku-4-5","max_tokens":200,"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{}}}],
             "messages":[{"role":"user","content":"get_weather please"},
                         {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}]},
                         {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"sunny, 21C"}]}]}
            """)!;

        using var response = await http.PostAsync("mock/anthropic/v1/messages", DevServerHost.Json(request));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("end_turn", body["stop_reason"]!.GetValue<string>());
        Assert.Equal("Here is what the tool returned: sunny, 21C", body["content"]![0]!["text"]!.GetValue<string>());
    }

    private static AnthropicClient Client(DevServerHost server) =>
        new() { BaseUrl = new Uri(server.BaseUrl, "mock/anthropic").ToString().TrimEnd('/'), ApiKey = "sk-ant-test", MaxRetries = 0 };

    private static MessageCreateParams Params(string text) => new()
    {
        Model = "claude-haiku-4-5",
        MaxTokens = 1024,
        Messages = [new UserMessageParam(text)],
    };

    private static ToolUnion WeatherTool() => new Tool
    {
        Name = "get_weather",
        Description = "Current weather for a city.",
        InputSchema = new InputSchema
        {
            Properties = new Dictionary<string, JsonElement>
            {
                ["city"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["type"] = "string" }),
            },
            Required = ["city"],
        },
    };
}
