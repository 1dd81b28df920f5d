using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Guardrails;

public class GuardrailCheckTests
{
    [Fact]
    public async Task Check_NoPolicies_Passes()
    {
        await using var server = await DevServerHost.StartAsync();

        var answer = await Check(server, Pre("my card is 4111 1111 1111 1111"));

        Assert.True(answer["passed"]!.GetValue<bool>());
        Assert.Empty(answer["results"]!.AsArray());
    }

    [Theory]
    [InlineData("Well, DARN this order", false)]
    [InlineData("darn.", false)]
    [InlineData("this is darned good", true)]
    [InlineData("undarnable", true)]
    public async Task Blocklist_WholeWordsCaseInsensitive_Blocks(string text, bool passes)
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"profanity","kind":"blocklist","words":["darn","heck"],"action":"block"}]""");

        var answer = await Check(server, Pre(text));

        var result = answer["results"]![0]!;
        Assert.Equal("profanity", result["policy"]!.GetValue<string>());
        Assert.Equal(passes, result["passed"]!.GetValue<bool>());
        Assert.Equal(passes ? "allow" : "block", result["action"]!.GetValue<string>());
        Assert.Equal(passes, answer["passed"]!.GetValue<bool>());
        if (!passes)
        {
            Assert.Equal("blocked word: darn", result["reason"]!.GetValue<string>());
            Assert.Null(result["modified_text"]);
        }
    }

    [Fact]
    public async Task Regex_Redact_GivesModifiedText()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"secrets","kind":"regex","pattern":"sk-[A-Za-z0-9]{8,}","action":"redact","reason":"API key"}]""");

        var answer = await Check(server, Pre("my key is sk-abcdef123456 ok?"));

        var result = answer["results"]![0]!;
        Assert.False(result["passed"]!.GetValue<bool>());
        Assert.Equal("redact", result["action"]!.GetValue<string>());
        Assert.Equal("API key", result["reason"]!.GetValue<string>());
        Assert.Equal("my key is [REDACTED] ok?", result["modified_text"]!.GetValue<string>());
        Assert.Equal("my key is [REDACTED] ok?", answer["modified_messages"]![1]!["content"]!.GetValue<string>());
        Assert.Equal("You are helpful.", answer["modified_messages"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pii_Email_RedactsWithDetectorLabel()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"pii","kind":"pii","detectors":["email"],"action":"redact"}]""");

        var answer = await Check(server, Pre("write to jane.doe+orders@example.co.uk today"));

        var result = answer["results"]![0]!;
        Assert.Equal("email address", result["reason"]!.GetValue<string>());
        Assert.Equal("write to [REDACTED:email] today", result["modified_text"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("card 4111 1111 1111 1111 thanks", false)]
    [InlineData("card 4111-1111-1111-1111", false)]
    [InlineData("card 5500005555555559", false)]
    [InlineData("card 4111 1111 1111 1112 thanks", true)]
    [InlineData("order 1234567812345678", true)]
    public async Task Pii_CreditCard_BlocksOnlyLuhnValidNumbers(string text, bool passes)
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"pii","kind":"pii","detectors":["credit_card"],"action":"block"}]""");

        var answer = await Check(server, Pre(text));

        Assert.Equal(passes, answer["passed"]!.GetValue<bool>());
        var result = answer["results"]![0]!;
        Assert.Equal(passes ? "allow" : "block", result["action"]!.GetValue<string>());
        if (!passes)
        {
            Assert.Equal("credit card number", result["reason"]!.GetValue<string>());
        }
    }

    [Theory]
    [InlineData("call me at (555) 123-4567", false)]
    [InlineData("call +1 555 123 4567 now", false)]
    [InlineData("or +442071838750", false)]
    [InlineData("room 12, floor 3", true)]
    public async Task Pii_Phone_Flags(string text, bool passes)
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"phones","kind":"pii","detectors":["phone"],"action":"flag"}]""");

        var answer = await Check(server, Pre(text));

        var result = answer["results"]![0]!;
        Assert.Equal(passes, result["passed"]!.GetValue<bool>());
        Assert.Equal(passes ? "allow" : "flag", result["action"]!.GetValue<string>());
        Assert.Equal(passes, answer["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Pii_AllDetectors_RedactEveryKindInOnePass()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"pii","kind":"pii","action":"redact"}]""");

        var answer = await Check(server, Post("Mail a@b.io, card 4111111111111111, phone 555-123-4567."));

        var result = answer["results"]![0]!;
        Assert.Equal("Mail [REDACTED:email], card [REDACTED:credit_card], phone [REDACTED:phone].", result["modified_text"]!.GetValue<string>());
        Assert.Equal("email address, credit card number, phone number", result["reason"]!.GetValue<string>());
        Assert.Null(answer["modified_messages"]);
    }

    [Fact]
    public async Task Phases_PrePolicySkippedOnPost_PostChecksTheCompletion()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """
            [{"name":"input-words","kind":"blocklist","words":["secret"],"action":"block","phase":"pre"},
             {"name":"output-words","kind":"blocklist","words":["internal"],"action":"block","phase":"post"}]
            """);

        var pre = await Check(server, Pre("the secret and internal stuff"));
        var post = await Check(server, Post("the secret and internal stuff"));

        Assert.Equal("input-words", Assert.Single(pre["results"]!.AsArray())!["policy"]!.GetValue<string>());
        Assert.Equal("output-words", Assert.Single(post["results"]!.AsArray())!["policy"]!.GetValue<string>());
        Assert.False(post["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Check_RedactThenBlock_EveryRedactResultCarriesTheFullyRedactedText()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """
            [{"name":"emails","kind":"pii","detectors":["email"],"action":"redact"},
             {"name":"keys","kind":"regex","pattern":"sk-\\w+","action":"redact"},
             {"name":"words","kind":"blocklist","words":["darn"],"action":"block"}]
            """);

        var answer = await Check(server, Pre("a@b.io sk-123 darn"));

        var results = answer["results"]!.AsArray();
        Assert.Equal("[REDACTED:email] [REDACTED] darn", results[0]!["modified_text"]!.GetValue<string>());
        Assert.Equal("[REDACTED:email] [REDACTED] darn", results[1]!["modified_text"]!.GetValue<string>());
        Assert.Equal("block", results[2]!["action"]!.GetValue<string>());
        Assert.False(answer["passed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Check_ContentParts_AreChecked()
    {
        await using var server = await DevServerHost.StartAsync();
        await SetPolicies(server, """[{"name":"words","kind":"blocklist","words":["darn"],"action":"block"}]""");
        var request = JsonNode.Parse("""
            {"phase":"pre","messages":[{"role":"user","content":[{"type":"text","text":"oh darn"}]}],"completion":null}
            """)!;

        var answer = await Check(server, request);

        Assert.False(answer["passed"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"phase":"during","messages":[]}""")]
    [InlineData("""{"phase":"pre"}""")]
    [InlineData("""{"phase":"post","completion":null}""")]
    public async Task Check_MalformedRequest_Answers400(string json)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.PostJsonAsync("v1/guardrails/check", JsonNode.Parse(json)!);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    internal static JsonNode Pre(string userText) => new JsonObject
    {
        ["phase"] = "pre",
        ["provider"] = "openai",
        ["model"] = "gpt-4o",
        ["environment"] = "production",
        ["trace_id"] = TestEvents.TraceId(),
        ["span_id"] = TestEvents.SpanId(),
        ["messages"] = new JsonArray
        {
            new JsonObject { ["role"] = "system", ["content"] = "You are helpful." },
            new JsonObject { ["role"] = "user", ["content"] = userText },
        },
        ["completion"] = null,
    };

    internal static JsonNode Post(string completion) => new JsonObject
    {
        ["phase"] = "post",
        ["provider"] = "openai",
        ["model"] = "gpt-4o",
        ["messages"] = new JsonArray { new JsonObject { ["role"] = "user", ["content"] = "hello" } },
        ["completion"] = new JsonObject { ["role"] = "assistant", ["content"] = completion },
    };

    internal static async Task SetPolicies(DevServerHost server, string policiesJson)
    {
        using var response = await server.PutJsonAsync("admin/guardrails/policies", new JsonObject { ["policies"] = JsonNode.Parse(policiesJson) });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    internal static async Task<JsonNode> Check(DevServerHost server, JsonNode request)
    {
        using var response = await server.PostJsonAsync("v1/guardrails/check", request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!;
    }
}
