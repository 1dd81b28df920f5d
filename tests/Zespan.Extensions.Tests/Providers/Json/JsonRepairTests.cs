using System.Text;
using System.Text.Json.Nodes;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class JsonRepairTests
{
    [Theory]
    [InlineData("{\"a\":1,\"b\":\"hello wor", "{\"a\":1,\"b\":\"hello wor\"}")]
    [InlineData("{\"a\":1,\"b\":", "{\"a\":1}")]
    [InlineData("{\"a\":1,\"b\"", "{\"a\":1}")]
    [InlineData("{\"a\":1,", "{\"a\":1}")]
    [InlineData("{\"a\":12", "{}")]
    [InlineData("{\"a\":[1,2,{\"c\":tr", "{\"a\":[1,2,{}]}")]
    [InlineData("{\"a\":[1,2],\"n\":12", "{\"a\":[1,2]}")]
    [InlineData("{\"a\":\"x\\", "{\"a\":\"x\"}")]
    [InlineData("{\"a\":\"x\\u00", "{\"a\":\"x\"}")]
    [InlineData("{\"a\":\"x\\u00e9", "{\"a\":\"x\\u00e9\"}")]
    [InlineData("{\"a\":{\"b\":{\"c\":\"deep", "{\"a\":{\"b\":{\"c\":\"deep\"}}}")]
    [InlineData("  \n {\"a\":true,\"b\":null", "{\"a\":true,\"b\":null}")]
    [InlineData("[{\"x\":1},{\"y\":", "[{\"x\":1},{}]")]
    public void Complete_CutDocument_KeepsWhatWasWhole(string cut, string expected)
    {
        var completed = JsonRepair.Complete(Encoding.UTF8.GetBytes(cut));

        Assert.NotNull(completed);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(completed)), Encoding.UTF8.GetString(completed!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"just a string")]
    [InlineData("<html>502 Bad Gateway")]
    public void Complete_NothingUsable_ReturnsNull(string cut)
    {
        Assert.Null(JsonRepair.Complete(Encoding.UTF8.GetBytes(cut)));
    }

    [Fact]
    public void Complete_CutInsideMultiByteCharacter_DropsThePartialCharacter()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"t\":\"Olá 👋");
        var completed = JsonRepair.Complete(bytes.AsSpan(0, bytes.Length - 2));

        Assert.Equal("Olá ", (string)JsonNode.Parse(completed)!["t"]!);
    }

    [Fact]
    public void Complete_EveryPrefixOfAFixture_IsValidJsonOrNull()
    {
        var bytes = Fixtures.Bytes("openai-chat-toolcall.json");
        for (var length = 0; length <= bytes.Length; length++)
        {
            var completed = JsonRepair.Complete(bytes.AsSpan(0, length));
            if (completed is not null)
            {
                _ = JsonNode.Parse(completed); // throws when invalid
            }
        }
    }
}

public class TruncationTests
{
    [Fact]
    public void Fill_ResponseOverCaptureLimit_CutsContentMarksTruncatedAndFindsUsageInTail()
    {
        var content = new string('a', 5000);
        var response = Encoding.UTF8.GetBytes(
            "{\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content +
            "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1250,\"total_tokens\":1255}}");
        var call = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions") { Response = response, MaxEventBytes = 1024 };
        var evt = call.Run();

        Assert.True(evt.Truncated);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        Assert.StartsWith("aaaa", evt.CompletionMessage!.Content, StringComparison.Ordinal);
        Assert.True(evt.CompletionMessage.Content!.Length < 1024);
        EventAssert.Tokens(evt, 5, 1250, 1255);
    }

    [Fact]
    public void Fill_PromptTextOverBudget_IsCutAtBudget()
    {
        var request = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('é', 600) + "\"}]}");
        var call = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions")
        {
            Request = request,
            Response = Fixtures.Bytes("openai-chat.json"),
            MaxEventBytes = 1000,
        };
        var evt = call.Run();

        Assert.True(evt.Truncated);
        Assert.Equal("gpt-4o", evt.Model);
        var text = Assert.Single(evt.PromptMessages!).Content!;
        Assert.True(Encoding.UTF8.GetByteCount(text) <= 1000);
        Assert.True(text.Length > 400);
    }

    [Fact]
    public void Fill_SmallBodies_AreNotTruncated()
    {
        var evt = FixtureCall.Of(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions", "openai-chat.request.json", "openai-chat.json").Run();
        Assert.False(evt.Truncated);
    }

    [Fact]
    public void TextBudget_SurrogatePairAtLimit_IsNotSplit()
    {
        var budget = new TextBudget(5);
        var cut = budget.Take("ab👋cd"); // a b (2 bytes) + 👋 (4 bytes) > 5

        Assert.Equal("ab", cut);
        Assert.True(budget.Truncated);
    }
}

public class MalformedBodyTests
{
    public static TheoryData<string, string> Bodies => new()
    {
        { "empty", string.Empty },
        { "html", "<html><body>502 Bad Gateway</body></html>" },
        { "wrong types", "{\"model\":42,\"choices\":\"nope\",\"usage\":{\"prompt_tokens\":\"x\",\"completion_tokens\":[1]}}" },
        { "array", "[1,2,3]" },
        { "nulls", "{\"model\":null,\"choices\":[null,{\"message\":null}],\"usage\":null}" },
        { "deep", new string('[', 5000) },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Fill_MalformedResponseOnEveryFamily_NeverThrows(string label, string body)
    {
        var urls = new (ZespanProvider, string)[]
        {
            (ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions"),
            (ZespanProvider.OpenAI, "https://api.openai.com/v1/responses"),
            (ZespanProvider.OpenAI, "https://api.openai.com/v1/embeddings"),
            (ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages"),
            (ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/g:generateContent"),
            (ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"),
            (ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke"),
        };
        foreach (var (provider, url) in urls)
        {
            foreach (var status in new[] { 200, 500 })
            {
                var evt = new FixtureCall(provider, url) { Request = Encoding.UTF8.GetBytes(body), Response = Encoding.UTF8.GetBytes(body), Status = status }.Run();
                Assert.Equal(status, evt.StatusCode);
                Assert.Equal(status == 500, evt.Error is not null);
                Assert.False(evt.Metadata?.ContainsKey("parse_error") ?? false, label + " " + url);
            }
        }
    }

    [Fact]
    public void Fill_HtmlErrorBody_KeepsTextAsMessage()
    {
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions")
        {
            Response = "<html>502 Bad Gateway</html>"u8.ToArray(),
            Status = 502,
            ContentType = "text/html",
        }.Run();

        Assert.Equal("http_502", evt.Error!.Type);
        Assert.Equal("<html>502 Bad Gateway</html>", evt.Error.Message);
    }

    [Fact]
    public void Fill_MalformedStreamEvents_AreSkipped()
    {
        var body = "data: {not json}\n\ndata: {\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/chat/completions") { Response = body, ContentType = "text/event-stream" }.Run();

        EventAssert.Message(evt.CompletionMessage, "assistant", "ok");
        Assert.Equal("stop", evt.FinishReason);
    }
}
