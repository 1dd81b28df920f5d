using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Mocks;

namespace Zespan.DevServer.Tests.Mocks;

public class MockScriptTests
{
    [Theory]
    [InlineData("250", null, 250)]
    [InlineData(null, 40L, 40)]
    [InlineData("999999", null, 5000)]
    [InlineData("soon", null, 0)]
    [InlineData(null, null, 0)]
    public void DelayOf_HeaderOrBodyField_CappedAtTheMaximum(string? header, long? field, int expectedMs)
    {
        var context = new DefaultHttpContext();
        if (header is not null)
        {
            context.Request.Headers["X-Mock-Delay-Ms"] = header;
        }

        var request = new JsonObject();
        if (field is not null)
        {
            request["mock_delay_ms"] = field;
        }

        var delay = MockStreaming.DelayOf(context, request, TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), delay);
    }

    [Fact]
    public void BuildArguments_FillsRequiredPropertiesFromTheMessage()
    {
        var schema = JsonNode.Parse("""
            {"type":"object","properties":{
               "city":{"type":"string"},"days":{"type":"integer"},"metric":{"type":"boolean"},
               "unit":{"type":"string","enum":["celsius","fahrenheit"]},"tags":{"type":"array"}},
             "required":["city","days","metric","unit","tags"]}
            """)!.AsObject();

        var arguments = MockScript.BuildArguments(schema, "forecast for \"New York\" over 3 days, metric=false");

        Assert.Equal("New York", arguments["city"]!.GetValue<string>());
        Assert.Equal(3, arguments["days"]!.GetValue<long>());
        Assert.False(arguments["metric"]!.GetValue<bool>());
        Assert.Equal("celsius", arguments["unit"]!.GetValue<string>());
        Assert.Empty(arguments["tags"]!.AsArray());
    }

    [Fact]
    public void Pieces_SplitOnWordsAndJoinBackExactly()
    {
        const string Text = "Hello  there, \"friend\"!";

        var pieces = MockScript.Pieces(Text);

        Assert.Equal(Text, string.Concat(pieces));
        Assert.Equal("Hello", pieces[0]);
        Assert.True(pieces.Count >= 3);
    }

    [Theory]
    [InlineData("please mock_error=429", 429)]
    [InlineData("mock_error = 500 now", 500)]
    [InlineData("mock_error=200", null)]
    [InlineData("no error here", null)]
    public void RequestedError_ReadsTheMarker(string text, int? expected)
    {
        Assert.Equal(expected, MockScript.RequestedError(text));
    }

    [Fact]
    public async Task Stream_WithDelayHeader_StillCompletes()
    {
        await using var server = await DevServerHost.StartAsync();
        using var http = server.CreateClient(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "mock/anthropic/v1/messages")
        {
            Content = DevServerHost.Json(JsonNode.Parse("""{"model":"claude-haiku-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"hi"}]}""")!),
        };
        request.Headers.Add("X-Mock-Delay-Ms", "1");

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.StartsWith("event: message_start\n", body, StringComparison.Ordinal);
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", body, StringComparison.Ordinal);
    }
}
