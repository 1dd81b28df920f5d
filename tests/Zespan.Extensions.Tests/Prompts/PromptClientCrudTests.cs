using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

public class PromptClientCrudTests
{
    [Fact]
    public async Task CreateAsync_TextPrompt_RoundTripsEveryField()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.PromptClock = () => new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero).AddTicks(1234560);
        var config = new Dictionary<string, JsonElement>
        {
            ["temperature"] = JsonSerializer.SerializeToElement(0.2),
            ["stop"] = JsonElement.Parse("""["\n\n", "END"]"""),
        };

        var created = await h.Client.CreateAsync(new CreatePromptRequest
        {
            Name = "support-reply",
            PromptType = PromptType.Text,
            Text = "Hello {{customer_name}}, about order {{order_id}} ...",
            Labels = ["production", "staging"],
            Config = config,
            CommitMessage = "friendlier greeting",
        });
        var fetched = await h.Client.GetAsync("support-reply", version: 1);

        foreach (var p in new[] { created, fetched })
        {
            Assert.Equal("support-reply", p.Name);
            Assert.Equal(1, p.Version);
            Assert.Equal(PromptType.Text, p.PromptType);
            Assert.Equal("Hello {{customer_name}}, about order {{order_id}} ...", p.Text);
            Assert.Null(p.Messages);
            Assert.Equal(["production", "staging"], p.Labels);
            Assert.Equal(0.2, p.Config["temperature"].GetDouble());
            Assert.Equal("END", p.Config["stop"][1].GetString());
            Assert.Equal("friendlier greeting", p.CommitMessage);
            Assert.Equal(new DateTimeOffset(2026, 11, 21, 23, 0, 0, 123, 456, TimeSpan.Zero), p.CreatedAt);
            Assert.False(p.IsFallback);
        }

        var body = h.Backend.RequestsTo("/v1/prompts").Single(r => r.Method == "POST").Json!.AsObject();
        Assert.Equal("text", body["type"]!.GetValue<string>());
        Assert.Equal("Hello {{customer_name}}, about order {{order_id}} ...", body["prompt"]!.GetValue<string>());
        Assert.Equal("friendlier greeting", body["commit_message"]!.GetValue<string>());
        Assert.Equal(0.2, body["config"]!["temperature"]!.GetValue<double>());
        Assert.Equal(2, body["labels"]!.AsArray().Count);
    }

    [Fact]
    public async Task CreateAsync_ChatPrompt_RoundTripsMessages()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        var created = await h.Client.CreateAsync(new CreatePromptRequest
        {
            Name = "triage",
            PromptType = PromptType.Chat,
            Messages = [new("system", "You triage {{product}} tickets."), new("user", "{{ ticket }}")],
            Labels = ["production"],
        });
        var fetched = await h.Client.GetAsync("triage");

        Assert.Equal(PromptType.Chat, fetched.PromptType);
        Assert.Null(fetched.Text);
        Assert.Equal([new PromptMessage("system", "You triage {{product}} tickets."), new PromptMessage("user", "{{ ticket }}")], fetched.Messages);
        Assert.Equal(created.Messages, fetched.Messages);
        Assert.Empty(fetched.Config);
        var body = h.Backend.RequestsTo("/v1/prompts").Single(r => r.Method == "POST").Json!.AsObject();
        Assert.Equal("chat", body["type"]!.GetValue<string>());
        Assert.Equal("system", body["prompt"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("{{ ticket }}", body["prompt"]![1]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task CreateAsync_NextVersion_IncrementsAndMovesLabel()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        await h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "one", Labels = ["production"] });

        var second = await h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "two", Labels = ["production"] });
        var first = await h.Client.GetAsync("p", version: 1);

        Assert.Equal(2, second.Version);
        Assert.Equal(["production"], second.Labels);
        Assert.Empty(first.Labels);
    }

    [Fact]
    public async Task CreateAsync_CachedLabel_IsInvalidated()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        Assert.Equal("one", (await h.Client.GetAsync("p")).Text);
        Assert.Equal("one", (await h.Client.GetAsync("p", version: 1)).Text);

        await h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "two", Labels = ["production"] });
        var current = await h.Client.GetAsync("p");
        var version1 = await h.Client.GetAsync("p", version: 1);

        Assert.Equal("two", current.Text);
        Assert.Empty(version1.Labels);
        Assert.Equal(4, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task CreateAsync_OtherPromptCached_StaysCached()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("other", "x", "production");
        await h.Client.GetAsync("other");

        await h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "two", Labels = ["production"] });
        await h.Client.GetAsync("other");

        Assert.Equal(1, h.Backend.PromptGetCount("other"));
    }

    public static TheoryData<CreatePromptRequest> InvalidRequests => new()
    {
        new CreatePromptRequest { Name = "", Text = "x" },
        new CreatePromptRequest { Name = "p", PromptType = PromptType.Text },
        new CreatePromptRequest { Name = "p", PromptType = PromptType.Text, Text = "x", Messages = [new("user", "x")] },
        new CreatePromptRequest { Name = "p", PromptType = PromptType.Chat },
        new CreatePromptRequest { Name = "p", PromptType = PromptType.Chat, Messages = [] },
        new CreatePromptRequest { Name = "p", PromptType = PromptType.Chat, Messages = [new("", "x")] },
        new CreatePromptRequest { Name = "p", Text = "x", Labels = ["production", " "] },
        new CreatePromptRequest { Name = "p", PromptType = (PromptType)7, Text = "x" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task CreateAsync_IncompleteRequest_ThrowsArgumentExceptionWithoutRequest(CreatePromptRequest request)
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        Assert.ThrowsAny<ArgumentException>(() => { _ = h.Client.CreateAsync(request); });

        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task CreateAsync_RetriedAfter503_SendsOneIdempotencyKeyAndCreatesOneVersion()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts", new CannedResponse(503, """{"error":{"type":"unavailable","message":"busy"}}""", new Dictionary<string, string> { ["Retry-After"] = "0" }));

        var created = await h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "one" });

        var posts = h.Backend.RequestsTo("/v1/prompts").Where(r => r.Method == "POST").ToArray();
        Assert.Equal(2, posts.Length);
        Assert.False(string.IsNullOrEmpty(posts[0].Header("Idempotency-Key")));
        Assert.Equal(posts[0].Header("Idempotency-Key"), posts[1].Header("Idempotency-Key"));
        Assert.Equal(1, created.Version);
        Assert.Single(h.Backend.PromptVersions("p"));
    }

    [Fact]
    public async Task CreateAsync_RejectedByServer_ThrowsZespanApiExceptionWithStatusAndMessage()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts", new CannedResponse(422, """{"error":{"type":"invalid_request","message":"the name is reserved"}}"""));

        var ex = await Assert.ThrowsAsync<ZespanApiException>(() => h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "one" }));

        Assert.Equal(422, ex.StatusCode);
        Assert.Equal("invalid_request", ex.ErrorType);
        Assert.Equal("the name is reserved", ex.ServerMessage);
        Assert.Contains("422", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the name is reserved", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateLabelsAsync_LabelOfOtherVersion_MovesItAndInvalidatesCache()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one");
        h.Backend.SeedPrompt("p", "two", "production");
        Assert.Equal("two", (await h.Client.GetAsync("p")).Text);

        var updated = await h.Client.UpdateLabelsAsync("p", 1, ["production", "stable", "production"]);
        var current = await h.Client.GetAsync("p");
        var version2 = await h.Client.GetAsync("p", version: 2);

        Assert.Equal(["production", "stable"], updated.Labels);
        Assert.Equal("one", current.Text);
        Assert.Empty(version2.Labels);
        var body = h.Backend.RequestsTo("/v1/prompts/p/versions/1").Single();
        Assert.Equal("PATCH", body.Method);
        Assert.Equal("""{"labels":["production","stable"]}""", body.BodyText);
    }

    [Fact]
    public async Task UpdateLabelsAsync_EmptyList_RemovesEveryLabel()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production", "staging");

        var updated = await h.Client.UpdateLabelsAsync("p", 1, []);

        Assert.Empty(updated.Labels);
        await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.GetAsync("p"));
    }

    [Fact]
    public async Task UpdateLabelsAsync_MissingVersion_ThrowsPromptNotFoundNamingVersion()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");

        var ex = await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.UpdateLabelsAsync("p", 9, ["production"]));

        Assert.Equal("p", ex.PromptName);
        Assert.Equal(9, ex.Version);
        Assert.Contains("version 9", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateLabelsAsync_InvalidArguments_Throw()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        Assert.ThrowsAny<ArgumentException>(() => { _ = h.Client.UpdateLabelsAsync("p", 0, ["x"]); });
        Assert.ThrowsAny<ArgumentException>(() => { _ = h.Client.UpdateLabelsAsync("p", 1, [""]); });
        Assert.ThrowsAny<ArgumentException>(() => { _ = h.Client.UpdateLabelsAsync("", 1, ["x"]); });
        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task ListAsync_FiltersAndPages()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("a", "a1");
        h.Backend.SeedPrompt("a", "a2", "staging");
        h.Backend.SeedPrompt("a", "a3", "production");
        h.Backend.SeedPrompt("b", "b1", "production");

        var all = await h.Client.ListAsync();
        var page2 = await h.Client.ListAsync(name: "a", page: 2, limit: 2);
        var production = await h.Client.ListAsync(label: "production");

        Assert.Equal(4, all.Total);
        Assert.Equal(4, all.Data.Count);
        Assert.Equal(1, all.Page);
        Assert.Equal(50, all.Limit);
        Assert.Equal(3, page2.Total);
        Assert.Equal(2, page2.Page);
        Assert.Equal("a1", Assert.Single(page2.Data).Text);
        Assert.Equal(["a", "b"], production.Data.Select(p => p.Name));
        Assert.Contains(h.Backend.RequestsTo("/v1/prompts"), r => r.Query == "?page=2&limit=2&name=a");
    }

    [Fact]
    public async Task ListAsync_NothingMatches_ReturnsEmptyPage()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        var page = await h.Client.ListAsync(name: "missing");

        Assert.Empty(page.Data);
        Assert.Equal(0, page.Total);
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(1, 0)]
    public async Task ListAsync_InvalidPaging_ThrowsArgumentOutOfRange(int page, int limit)
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = h.Client.ListAsync(page: page, limit: limit); });
    }

    [Fact]
    public async Task GetAsync_NameNeedingEscapes_RoundTrips()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        const string name = "team/support reply?ü#1";

        await h.Client.CreateAsync(new CreatePromptRequest { Name = name, Text = "hi", Labels = ["production"] });
        var fetched = await h.Client.GetAsync(name);
        var relabelled = await h.Client.UpdateLabelsAsync(name, 1, ["production", "a&b=c"]);
        var byLabel = await h.Client.GetAsync(name, label: "a&b=c");
        var listed = await h.Client.ListAsync(name: name);

        Assert.Equal(name, fetched.Name);
        Assert.Equal(["production", "a&b=c"], relabelled.Labels);
        Assert.Equal(1, byLabel.Version);
        Assert.Equal(name, Assert.Single(listed.Data).Name);
    }

    [Fact]
    public async Task GetAsync_NotFoundByLabel_ThrowsNamingPromptAndLabel()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        var ex = await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.GetAsync("support-reply", label: "staging"));

        Assert.Equal("support-reply", ex.PromptName);
        Assert.Equal("staging", ex.Label);
        Assert.Null(ex.Version);
        Assert.Equal(404, ex.StatusCode);
        Assert.Contains("'support-reply'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'staging'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not found", ex.ServerMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_NotFoundByVersion_ThrowsNamingVersion()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");

        var ex = await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.GetAsync("p", version: 4));

        Assert.Equal(4, ex.Version);
        Assert.Null(ex.Label);
        Assert.Contains("version 4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ServerErrorEchoingKey_ThrowsWithStatusAndMessageButNoKey()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(400, $$$"""{"error":{"type":"invalid_request","message":"bad key {{{FakeZespanBackend.ValidApiKey}}} for this project"}}"""));

        var ex = await Assert.ThrowsAsync<ZespanApiException>(() => h.Client.GetAsync("p"));

        Assert.Equal(400, ex.StatusCode);
        Assert.Contains("400", ex.Message, StringComparison.Ordinal);
        Assert.Contains("for this project", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeZespanBackend.ValidApiKey, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeZespanBackend.ValidApiKey, ex.ServerMessage!, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeZespanBackend.ValidApiKey, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_WrongKey_ThrowsUnauthorizedWithoutKey()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.ApiKey = "zsp_wrong_key_42");

        var ex = await Assert.ThrowsAsync<ZespanApiException>(() => h.Client.GetAsync("p"));

        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("unauthorized", ex.ErrorType);
        Assert.DoesNotContain("zsp_wrong_key_42", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_ServerKeepsFailing_ThrowsAfterRetriesWithStatus()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(503, """{"error":{"type":"unavailable","message":"down for maintenance"}}""", new Dictionary<string, string> { ["Retry-After"] = "0" }), count: 3);

        var ex = await Assert.ThrowsAsync<ZespanApiException>(() => h.Client.GetAsync("p"));

        Assert.Equal(503, ex.StatusCode);
        Assert.Contains("down for maintenance", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_BodyWithUnknownFields_IsRead()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(200, """
            {"name":"p","version":7,"type":"chat","future":{"x":[1,2]},
             "prompt":[{"role":"system","content":"be {{tone}}","cache_control":{"type":"ephemeral"}}],
             "labels":["production"],"config":{"model":"gpt-4o","max_tokens":200},"commit_message":null,
             "created_at":"2026-11-21T23:00:00.000001Z"}
            """));

        var prompt = await h.Client.GetAsync("p");

        Assert.Equal(7, prompt.Version);
        Assert.Equal(PromptType.Chat, prompt.PromptType);
        Assert.Equal(new PromptMessage("system", "be {{tone}}"), Assert.Single(prompt.Messages!));
        Assert.Equal("gpt-4o", prompt.Config["model"].GetString());
        Assert.Equal(200, prompt.Config["max_tokens"].GetInt32());
        Assert.Null(prompt.CommitMessage);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 23, 0, 0, TimeSpan.Zero).AddTicks(10), prompt.CreatedAt);
    }

    [Theory]
    [InlineData(null, """[{"role":"user","content":"hi"}]""", PromptType.Chat)]
    [InlineData("future-kind", """[{"role":"user","content":"hi"}]""", PromptType.Chat)]
    [InlineData(null, "\"hi\"", PromptType.Text)]
    [InlineData("text", "\"hi\"", PromptType.Text)]
    public async Task GetAsync_TypeMissingOrUnknown_DecidedByPromptShape(string? type, string promptJson, PromptType expected)
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        var typeJson = type is null ? string.Empty : "\"type\":\"" + type + "\",";
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(200, "{\"name\":\"p\",\"version\":1," + typeJson + "\"prompt\":" + promptJson + "}"));

        var prompt = await h.Client.GetAsync("p");

        Assert.Equal(expected, prompt.PromptType);
        Assert.Equal(expected == PromptType.Chat ? null : "hi", prompt.Text);
        Assert.Equal(expected == PromptType.Chat ? 1 : null, prompt.Messages?.Count);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"name":"p","version":1,"type":"chat","prompt":[{"role":"user","content":[{"type":"text"}]}]}""")]
    [InlineData("""{"name":"p","version":1,"type":"text","prompt":42}""")]
    [InlineData("null")]
    public async Task GetAsync_UnreadableBody_ThrowsZespanApiException(string body)
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(200, body));

        var ex = await Assert.ThrowsAsync<ZespanApiException>(() => h.Client.GetAsync("p"));

        Assert.Equal(200, ex.StatusCode);
        Assert.Contains("could not be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_BaseUrlWithPathPrefix_KeepsPrefix()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(pathPrefix: "api/");
        h.Backend.Intercept = async (context, request) =>
        {
            if (request.Path != "/api/v1/prompts/p")
            {
                return false;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["name"] = "p", ["version"] = 3, ["type"] = "text", ["prompt"] = "via prefix" }.ToJsonString());
            return true;
        };

        var prompt = await h.Client.GetAsync("p");

        Assert.Equal("via prefix", prompt.Text);
        Assert.Single(h.Backend.RequestsTo("/api/v1/prompts/p"));
    }
}
