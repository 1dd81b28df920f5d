using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class PromptTests
{
    [Fact]
    public async Task Create_TwoVersions_NumbersThemAndAnswers201WithThePrompt()
    {
        await using var server = await DevServerHost.StartAsync();

        using var first = await Create(server, "support-reply", "Hello {{customer_name}}", ["production"], "first draft");
        using var second = await Create(server, "support-reply", "Hi {{customer_name}}!", [], "friendlier");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("/v1/prompts/support-reply?version=2", second.Headers.Location!.ToString());
        var body = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        Assert.Equal("support-reply", body["name"]!.GetValue<string>());
        Assert.Equal(2, body["version"]!.GetValue<int>());
        Assert.Equal("text", body["type"]!.GetValue<string>());
        Assert.Equal("Hi {{customer_name}}!", body["prompt"]!.GetValue<string>());
        Assert.Equal("friendlier", body["commit_message"]!.GetValue<string>());
        Assert.Equal(0.2, body["config"]!["temperature"]!.GetValue<double>());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$", body["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_NoLabelOrVersion_MeansLabelProduction()
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", ["production"])).Dispose();
        (await Create(server, "p", "two", ["staging"])).Dispose();

        var byDefault = await server.GetJsonAsync("v1/prompts/p");
        var staging = await server.GetJsonAsync("v1/prompts/p?label=staging");
        var version2 = await server.GetJsonAsync("v1/prompts/p?version=2");

        Assert.Equal(1, byDefault["version"]!.GetValue<int>());
        Assert.Equal(2, staging["version"]!.GetValue<int>());
        Assert.Equal("two", version2["prompt"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_LabelAndVersionTogether_Answers400()
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", ["production"])).Dispose();

        using var response = await server.Client.GetAsync("v1/prompts/p?label=production&version=1");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v1/prompts/unknown")]
    [InlineData("v1/prompts/p?version=7")]
    [InlineData("v1/prompts/p?label=canary")]
    public async Task Get_Missing_Answers404WithErrorBody(string path)
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", ["production"])).Dispose();

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("v1/prompts/p?version=0")]
    [InlineData("v1/prompts/p?version=abc")]
    [InlineData("v1/prompts?limit=101")]
    [InlineData("v1/prompts?page=0")]
    public async Task Get_BadQuery_Answers400(string path)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task UpdateLabels_SettingALabel_MovesItFromTheOtherVersion()
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", ["production", "stable"])).Dispose();
        (await Create(server, "p", "two", [])).Dispose();

        using var patch = await server.Client.PatchAsync("v1/prompts/p/versions/2", DevServerHost.Json(JsonNode.Parse("""{"labels":["production"]}""")!));

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var patched = JsonNode.Parse(await patch.Content.ReadAsStringAsync())!;
        Assert.Equal(["production"], patched["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        var v1 = await server.GetJsonAsync("v1/prompts/p?version=1");
        Assert.Equal(["stable"], v1["labels"]!.AsArray().Select(l => l!.GetValue<string>()));
        Assert.Equal(2, (await server.GetJsonAsync("v1/prompts/p"))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_WithALabelAnotherVersionHolds_MovesTheLabel()
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", ["production"])).Dispose();
        (await Create(server, "p", "two", ["production"])).Dispose();

        var v1 = await server.GetJsonAsync("v1/prompts/p?version=1");

        Assert.Empty(v1["labels"]!.AsArray());
        Assert.Equal(2, (await server.GetJsonAsync("v1/prompts/p"))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task UpdateLabels_UnknownVersion_Answers404()
    {
        await using var server = await DevServerHost.StartAsync();
        (await Create(server, "p", "one", [])).Dispose();

        using var response = await server.Client.PatchAsync("v1/prompts/p/versions/9", DevServerHost.Json(JsonNode.Parse("""{"labels":["production"]}""")!));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task List_PagesAndFilters_WithTotal()
    {
        await using var server = await DevServerHost.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            (await Create(server, "alpha", $"a{i}", i == 2 ? ["production"] : [])).Dispose();
        }

        (await Create(server, "beta", "b0", ["production"])).Dispose();

        var page1 = await server.GetJsonAsync("v1/prompts?limit=2&page=1");
        var page2 = await server.GetJsonAsync("v1/prompts?limit=2&page=2");
        var alpha = await server.GetJsonAsync("v1/prompts?name=alpha");
        var production = await server.GetJsonAsync("v1/prompts?label=production");
        var defaults = await server.GetJsonAsync("v1/prompts");

        Assert.Equal(4, page1["total"]!.GetValue<int>());
        Assert.Equal(1, page1["page"]!.GetValue<int>());
        Assert.Equal(2, page1["limit"]!.GetValue<int>());
        Assert.Equal(["alpha:3", "alpha:2"], Keys(page1));
        Assert.Equal(["alpha:1", "beta:1"], Keys(page2));
        Assert.Equal(3, alpha["total"]!.GetValue<int>());
        Assert.Equal(["alpha:3", "beta:1"], Keys(production));
        Assert.Equal(50, defaults["limit"]!.GetValue<int>());
        Assert.Equal(1, defaults["page"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_ChatPrompt_RoundTripsItsMessages()
    {
        await using var server = await DevServerHost.StartAsync();
        var body = JsonNode.Parse("""
            {"name":"triage","type":"chat","prompt":[{"role":"system","content":"You triage {{topic}}."},{"role":"user","content":"{{question}}"}],"labels":["production"]}
            """)!;

        using var created = await server.PostJsonAsync("v1/prompts", body);
        var fetched = await server.GetJsonAsync("v1/prompts/triage");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("chat", fetched["type"]!.GetValue<string>());
        Assert.Equal("You triage {{topic}}.", fetched["prompt"]![0]!["content"]!.GetValue<string>());
        Assert.Equal("user", fetched["prompt"]![1]!["role"]!.GetValue<string>());
        Assert.Null(fetched["commit_message"]);
    }

    [Theory]
    [InlineData("""{"type":"text","prompt":"x"}""")]
    [InlineData("""{"name":"p","type":"image","prompt":"x"}""")]
    [InlineData("""{"name":"p","type":"text","prompt":["x"]}""")]
    [InlineData("""{"name":"p","type":"chat","prompt":"x"}""")]
    [InlineData("""{"name":"p","type":"chat","prompt":[{"role":"user"}]}""")]
    [InlineData("""{"name":"p","prompt":"x","labels":"production"}""")]
    [InlineData("""{"name":"p","prompt":"x","config":[1]}""")]
    [InlineData("""{"name":"a/b","prompt":"x"}""")]
    public async Task Create_Invalid_Answers400(string json)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.PostJsonAsync("v1/prompts", JsonNode.Parse(json)!);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Create_InParallel_GivesDistinctConsecutiveVersions()
    {
        await using var server = await DevServerHost.StartAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Create(server, "busy", $"v{i}", [])));

        var versions = new List<int>();
        foreach (var response in responses)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            versions.Add(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["version"]!.GetValue<int>());
            response.Dispose();
        }

        Assert.Equal(Enumerable.Range(1, 10), versions.Order());
    }

    private static Task<HttpResponseMessage> Create(DevServerHost server, string name, string text, string[] labels, string? commitMessage = null)
    {
        var body = new JsonObject
        {
            ["name"] = name,
            ["type"] = "text",
            ["prompt"] = text,
            ["labels"] = new JsonArray(labels.Select(l => (JsonNode)l).ToArray()),
            ["config"] = new JsonObject { ["temperature"] = 0.2 },
            ["commit_message"] = commitMessage,
        };
        return server.PostJsonAsync("v1/prompts", body);
    }

    private static string[] Keys(JsonNode page) =>
        page["data"]!.AsArray().Select(p => $"{p!["name"]!.GetValue<string>()}:{p["version"]!.GetValue<int>()}").ToArray();
}
