using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Tests.Tracing;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Redaction;

public class RedactionTests
{
    private const string R = RedactionKeySet.Redacted;

    private static readonly RedactionKeySet Defaults = RedactionKeySet.Create(new ZespanOptions());

    public static TheoryData<string, bool> Keys => new()
    {
        // equal, after normalization (lower case, '-' and '.' become '_')
        { "password", true },
        { "PASSWORD", true },
        { "API-Key", true },
        { "api.key", true },
        { "apikey", true },
        { "Authorization", true },
        { "cvv", true },
        // ends with _k
        { "db_password", true },
        { "oauth_token", true },
        { "x-api-key", true },
        { "user.password", true },
        { "user_ssn", true },
        { "session-token", true },
        // starts with k_
        { "password_hash", true },
        { "auth_header", true },
        { "credit_card_number", true },
        { "api_key_id", true },
        // camelCase and PascalCase boundaries split like '_'
        { "accessToken", true },
        { "clientSecret", true },
        { "privateKey", true },
        { "apiKey", true },
        { "AuthToken", true },
        { "APIKey", true },
        { "OAuthToken", true },
        { "dbPassword", true },
        { "x-ApiKey", true },
        { "refreshToken", true },
        { "userSSN", true },
        { "creditCardNumber", true },
        // no match
        { "author", false },
        { "Author", false },
        { "AuthorName", false },
        { "promptTokens", false },
        { "PromptTokens", false },
        { "tokensUsed", false },
        { "maxTokens", false },
        { "isAuthenticated", false },
        { "Passwords", false },
        { "TOKENIZER", false },
        { "prompt_tokens", false },
        { "tokens_used", false },
        { "authentication", false },
        { "passwords", false },
        { "mypassword", false },
        { "my_secret_value", false },
        { "tokenizer", false },
        { "max_tokens", false },
        { "secretary", false },
        { "cvv2", false },
        { "", false },
    };

    [Theory]
    [MemberData(nameof(Keys))]
    public void Matches_DefaultKeys_FollowsSpecRule(string key, bool expected) =>
        Assert.Equal(expected, Defaults.Matches(key));

    [Theory]
    [InlineData("ClientSecret", "client_secret", true)]
    [InlineData("ClientSecret", "clientsecret", true)]
    [InlineData("ClientSecret", "CLIENTSECRET", true)]
    [InlineData("ClientSecret", "appClientSecret", true)]
    [InlineData("client_secret", "clientSecret", true)]
    [InlineData("ClientSecret", "client", false)]
    public void Matches_ConfiguredCamelCaseKey_MatchesBothSpellings(string configured, string key, bool expected)
    {
        var keys = RedactionKeySet.Create([configured]);

        Assert.Equal(expected, keys.Matches(key));
    }

    [Fact]
    public void Create_RedactKeysMergedWithDefaults_OrReplaceThem()
    {
        var merged = new ZespanOptions();
        merged.RedactKeys.Add("Customer-Email");
        var replaced = new ZespanOptions { ReplaceDefaultRedactKeys = true };
        replaced.RedactKeys.Add("email");

        var mergedKeys = RedactionKeySet.Create(merged);
        var replacedKeys = RedactionKeySet.Create(replaced);

        Assert.True(mergedKeys.Matches("customer_email"));
        Assert.True(mergedKeys.Matches("primary.customer-email"));
        Assert.True(mergedKeys.Matches("password"));
        Assert.True(replacedKeys.Matches("work_email"));
        Assert.False(replacedKeys.Matches("password"));
        Assert.True(RedactionKeySet.Create(new ZespanOptions { ReplaceDefaultRedactKeys = true }).IsEmpty);
    }

    public static TheoryData<string, string> Texts => new()
    {
        { "api_key=sk-123", $"api_key={R}" },
        { "password: hunter2", $"password: {R}" },
        { "authorization: Bearer sk-123", $"authorization: {R}" },
        { "Authorization:Bearer sk-123\r\nHost: x", $"Authorization:{R}\r\nHost: x" },
        { """{"api_key": "sk-abc", "user": "bob"}""", $$"""{"api_key": "{{R}}", "user": "bob"}""" },
        { """{"api_key":"sk-abc"}""", $$"""{"api_key":"{{R}}"}""" },
        { "'password': 'x y z'", $"'password': '{R}'" },
        { "password=abc, user=bob", $"password={R}, user=bob" },
        { "token=abc; next=1", $"token={R}; next=1" },
        { "{token=abc}", $"{{token={R}}}" },
        { "line1\npassword: secret value\nline3", $"line1\npassword: {R}\nline3" },
        { "X-Api-Key:abc", $"X-Api-Key:{R}" },
        { "db.password = s3cr3t ", $"db.password = {R} " },
        { "\"secret\": \"a\\\"b\", \"x\": 1", $"\"secret\": \"{R}\", \"x\": 1" },
        { """{\"api_key\": \"sk-1\", \"q\": \"ok\"}""", $$"""{\"api_key\": \"{{R}}\", \"q\": \"ok\"}""" },
        { "Password = \"unterminated", $"Password = \"{R}" },
        { "user=bob password=x token=y", $"user=bob password={R}" },
        { "credit_card_number: 4111 1111 1111 1111", $"credit_card_number: {R}" },
        { "a=1, access_token=t1, refresh_token=t2", $"a=1, access_token={R}, refresh_token={R}" },
        { "accessToken=abc123, user=bob", $"accessToken={R}, user=bob" },
        { """{"clientSecret": "s-1", "promptTokens": 12}""", $$"""{"clientSecret": "{{R}}", "promptTokens": 12}""" },
        { "author: Jane", "author: Jane" },
        { "prompt_tokens: 12, tokens_used=5", "prompt_tokens: 12, tokens_used=5" },
        { "url: https://example.com/?a=1", "url: https://example.com/?a=1" },
        { "password:", "password:" },
        { "password: \"\"", "password: \"\"" },
        { "the password is hunter2", "the password is hunter2" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Redact_Text_ReplacesValuesOfMatchingKeys(string input, string expected) =>
        Assert.Equal(expected, TextRedactor.Redact(input, Defaults));

    [Theory]
    [InlineData("note: the accessToken: abc123 expires", "note: the accessToken: [REDACTED]")]
    [InlineData("ACCESS-TOKEN=abc123", "ACCESS-TOKEN=[REDACTED]")]
    [InlineData("{\"user\":\"ada\",\"Api.Key\":\"k-1\"}", "{\"user\":\"ada\",\"Api.Key\":\"[REDACTED]\"}")]
    [InlineData("caf\u00e9 password: hunter2", "caf\u00e9 password: [REDACTED]")]
    [InlineData("{\"args\":\"{\\\"pass\\u0077ord\\\":\\\"x\\\"}\"}", "{\"args\":\"{\\\"password\\\":\\\"[REDACTED]\\\"}\"}")]
    [InlineData("time: 12:30, order: 42, status: shipped", "time: 12:30, order: 42, status: shipped")]
    public void RedactString_KeyWordSearch_SkipsOnlyTextThatHoldsNoKey(string input, string expected) =>
        Assert.Equal(expected, EventRedactor.RedactString(input, Defaults, 0));

    [Fact]
    public void RedactString_KelvinSignKey_StillRedacted()
    {
        // U+212A lower-cases to 'k': the word search only rules out ASCII text, so this key is still found.
        var keys = RedactionKeySet.Create(["key"]);

        Assert.Equal("\u212Aey: [REDACTED]", EventRedactor.RedactString("\u212Aey: v", keys, 0));
    }

    [Fact]
    public void RedactString_DeepJsonWithoutKeys_StillRedactedWhole()
    {
        // No key word in it, but too deep to walk: redacted whole, as before the word search.
        var deep = new string('[', 200) + "{\"x\":1}" + new string(']', 200);

        Assert.Equal(RedactionKeySet.Redacted, EventRedactor.RedactString(deep, Defaults, 0));
    }

    [Fact]
    public void Fragments_DefaultKeys_OneWordPerKey()
    {
        var fragments = Defaults.Fragments;

        Assert.NotNull(fragments);
        Assert.True("x PASSWORD y".AsSpan().ContainsAny(fragments));
        Assert.False("the order shipped: friday".AsSpan().ContainsAny(fragments));
        Assert.Null(RedactionKeySet.Create(["_", "token"]).Fragments);
    }

    [Fact]
    public void Redact_TextWithoutKeys_SameInstanceAndNoAllocation()
    {
        var text = string.Concat(Enumerable.Repeat("time: 12:30, status=ok; url: https://example.com/a?b=c\n", 50));
        Assert.Same(text, TextRedactor.Redact(text, Defaults));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = TextRedactor.Redact(text, Defaults);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Same(text, result);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Redact_Event_EveryPlaceThatCanHoldASecret()
    {
        var item = new ZespanEvent
        {
            Tags = new Dictionary<string, string> { ["auth_header"] = "Bearer x", ["note"] = "password=abc", ["author"] = "jane", ["team"] = "a" },
            Metadata = new Dictionary<string, JsonNode?>
            {
                ["api_key"] = new JsonObject { ["nested"] = "whole value goes" },
                ["config"] = JsonNode.Parse("""{"db":{"password":"p","host":"h"},"list":[{"token":"t"},{"prompt_tokens":3}],"author":"me"}"""),
                ["raw"] = JsonValue.Create("""{"secret":"s","keep":1}"""),
                ["text"] = JsonValue.Create("login with password: hunter2"),
                ["count"] = 5,
            },
            Tool = new ToolInfo
            {
                Name = "login",
                Arguments = JsonValue.Create("""{"username":"bob","password":"hunter2"}"""),
                Result = JsonNode.Parse("""{"session":{"access_token":"at"},"raw":"{\"refresh_token\": \"rt\"}"}"""),
            },
            PromptMessages =
            [
                new LlmMessage("system", "You are helpful."),
                new LlmMessage("user", "my api_key=sk-live-1 please"),
            ],
            CompletionMessage = new LlmMessage("assistant", "ok") { ToolCalls = [new LlmToolCall("c1", "login", """{"user":"bob","password":"p"}""")] },
            Error = new ZespanError("System.Exception", "connect failed: password=hunter2"),
            Handoff = new HandoffInfo("a", "b", "token: abc"),
            Plan = ["step 1", "use secret=xyz"],
        };
        var system = item.PromptMessages[0];

        EventRedactor.Redact(item, Defaults);

        Assert.Equal(new Dictionary<string, string> { ["auth_header"] = R, ["note"] = $"password={R}", ["author"] = "jane", ["team"] = "a" }, item.Tags);
        var metadata = item.Metadata!;
        Assert.Equal($"\"{R}\"", metadata["api_key"]!.ToJsonString());
        Assert.Equal($$"""{"db":{"password":"{{R}}","host":"h"},"list":[{"token":"{{R}}"},{"prompt_tokens":3}],"author":"me"}""", metadata["config"]!.ToJsonString());
        Assert.Equal($$"""{"secret":"{{R}}","keep":1}""", metadata["raw"]!.GetValue<string>());
        Assert.Equal($"login with password: {R}", metadata["text"]!.GetValue<string>());
        Assert.Equal("5", metadata["count"]!.ToJsonString());
        Assert.Equal($$"""{"username":"bob","password":"{{R}}"}""", item.Tool!.Arguments!.GetValue<string>());
        Assert.Equal($$"""{"access_token":"{{R}}"}""", item.Tool.Result!["session"]!.ToJsonString());
        Assert.Equal($$"""{"refresh_token":"{{R}}"}""", item.Tool.Result["raw"]!.GetValue<string>());
        Assert.Same(system, item.PromptMessages[0]);
        Assert.Equal($"my api_key={R}", item.PromptMessages[1].Content);
        Assert.Equal($$"""{"user":"bob","password":"{{R}}"}""", item.CompletionMessage!.ToolCalls![0].Arguments);
        Assert.Equal("ok", item.CompletionMessage.Content);
        Assert.Equal($"connect failed: password={R}", item.Error!.Message);
        Assert.Equal($"token: {R}", item.Handoff!.Reason);
        Assert.Equal(["step 1", $"use secret={R}"], item.Plan);
    }

    [Fact]
    public void Redact_EventWithoutSecrets_LeavesInstancesAlone()
    {
        var messages = new LlmMessage[] { new("user", "What is 2+2? Answer: 4") };
        var tool = new ToolInfo { Name = "calc", Arguments = JsonValue.Create("""{"a":2,"b":2}"""), Result = JsonNode.Parse("""{"sum":4}""") };
        var arguments = tool.Arguments;
        var item = new ZespanEvent { PromptMessages = messages, Tool = tool, Metadata = new() { ["prompt_tokens"] = 12 } };

        EventRedactor.Redact(item, Defaults);

        Assert.Same(messages, item.PromptMessages);
        Assert.Same(arguments, item.Tool!.Arguments);
        Assert.Equal("12", item.Metadata!["prompt_tokens"]!.ToJsonString());
    }

    [Fact]
    public void Process_OptionsRedactKeys_MergedAndChangeableAtRuntime()
    {
        using var harness = ZespanTestHost.CreateTracing(("RedactKeys:0", "email"));
        var processor = harness.Services.GetServices<IZespanEventProcessor>().OfType<RedactionProcessor>().Single();

        var first = new ZespanEvent { Tags = new() { ["email"] = "a@b.c", ["password"] = "p", ["phone"] = "1" } };
        Assert.True(processor.Process(first));
        harness.SetOption("RedactKeys:1", "phone");
        var second = new ZespanEvent { Tags = new() { ["phone"] = "1" } };
        Assert.True(processor.Process(second));

        Assert.Equal(new Dictionary<string, string> { ["email"] = R, ["password"] = R, ["phone"] = "1" }, first.Tags);
        Assert.Equal(R, second.Tags!["phone"]);
        Assert.Equal(RedactionProcessor.ProcessorOrder, processor.Order);
    }

    [Fact]
    public void Process_SpanTagsAndMetadata_RedactedWhateverStorePromptsSays()
    {
        using var harness = ZespanTestHost.CreateTracing(("StorePrompts", "false"));
        var processor = harness.Services.GetServices<IZespanEventProcessor>().OfType<RedactionProcessor>().Single();

        using (var span = harness.Tracer.StartSpan("span"))
        {
            span.SetTag("api-key", "sk-1");
            span.SetMetadata("request", new Dictionary<string, object?> { ["headers"] = new Dictionary<string, string> { ["Authorization"] = "Bearer x" } });
        }

        var item = harness.Single("span");
        Assert.True(processor.Process(item));
        Assert.Equal(R, item.Tags!["api-key"]);
        Assert.Equal($$$"""{"headers":{"Authorization":"{{{R}}}"}}""", item.Metadata!["request"]!.ToJsonString());
    }

    [Fact]
    public void Redact_MetadataDeeperThanTheLimit_WholeDeepValueRedacted()
    {
        JsonNode deep = new JsonObject { ["password"] = "hunter2", ["note"] = "x" };
        for (var i = 0; i < 300; i++)
        {
            deep = new JsonObject { ["level"] = deep };
        }

        var item = new ZespanEvent { Metadata = new() { ["tree"] = deep } };

        EventRedactor.Redact(item, Defaults);

        var json = item.Metadata!["tree"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 1000 });
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
        Assert.Contains(R, json, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_StringHoldingJsonTooDeepToParse_WholeStringRedacted()
    {
        var text = new string('[', 2000) + "{\"password\": {\"v\": \"hunter2\"}}" + new string(']', 2000);
        var item = new ZespanEvent { Tags = new() { ["payload"] = text } };

        EventRedactor.Redact(item, Defaults);

        Assert.Equal(R, item.Tags!["payload"]);
    }

    [Fact]
    public void Redact_MetadataObjectWithRepeatedName_ReplacedInsteadOfThrowing()
    {
        var item = new ZespanEvent { Metadata = new() { ["usage"] = new JsonObject { ["inner"] = JsonNode.Parse("""{"secret_token": "s1", "secret_token": "s2"}""") }, ["ok"] = "fine" } };

        EventRedactor.Redact(item, Defaults);

        var json = item.Metadata!["usage"]!.ToJsonString();
        Assert.DoesNotContain("s1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("s2", json, StringComparison.Ordinal);
        Assert.Equal("fine", (string?)item.Metadata["ok"]);
    }

    [Fact]
    public void Redact_ToolArgumentsWithRepeatedName_RedactedNotThrown()
    {
        var call = new LlmToolCall("c1", "login", """{"password": "hunter1", "password": "hunter2", "user": "bob"}""");
        var item = new ZespanEvent { CompletionMessage = new LlmMessage("assistant", null) { ToolCalls = [call] } };

        EventRedactor.Redact(item, Defaults);

        var arguments = item.CompletionMessage!.ToolCalls![0].Arguments;
        Assert.DoesNotContain("hunter", arguments, StringComparison.Ordinal);
        Assert.Contains("bob", arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void ToNode_RepeatedNameAndUndecodableText_LastWinsAndNeverThrowsLater()
    {
        using var document = System.Text.Json.JsonDocument.Parse("""{"a": 1, "a": 2, "s": "x\uD800y", "n": [1, {"b": true, "b": false}]}""");

        var node = document.RootElement.ToNode()!.AsObject();

        Assert.Equal(2, (int)node["a"]!);
        Assert.Equal("x\\uD800y", (string?)node["s"]);
        Assert.False((bool)node["n"]![1]!["b"]!);
        Assert.Equal("""{"a":2,"s":"x\\uD800y","n":[1,{"b":false}]}""", node.ToJsonString());
    }

    [Fact]
    public void RedactString_JsonWithLoneSurrogate_TextRuleAppliedNotThrown()
    {
        var text = "{\"password\": \"hunter2\", \"note\": \"x\uD800\"}";

        var redacted = EventRedactor.RedactString(text, Defaults, 0);

        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
    }
}
