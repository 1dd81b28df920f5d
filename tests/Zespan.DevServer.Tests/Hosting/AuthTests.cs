using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Hosting;

public class AuthTests
{
    public static TheoryData<string, string> ProtectedEndpoints => new()
    {
        { "POST", "v1/ingest" },
        { "GET", "v1/config?environment=production" },
        { "GET", "v1/prompts/support-reply" },
        { "GET", "v1/prompts" },
        { "POST", "v1/prompts" },
        { "PATCH", "v1/prompts/support-reply/versions/1" },
        { "POST", "v1/guardrails/check" },
        { "PUT", "admin/config" },
        { "GET", "admin/guardrails/policies" },
        { "DELETE", "admin/guardrails/policies" },
        { "GET", "api/traces" },
        { "GET", "api/traces/0af7651916cd43dd8448eb211c80319c" },
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task ProtectedEndpoint_MissingKey_Answers401WithErrorBody(string method, string path)
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = DevServerHost.Json(new JsonObject()) });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("unauthorized", error["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(error["message"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("sk-not-a-zespan-key")]
    [InlineData("zsp_")]
    public async Task NoConfiguredKeys_KeyWithoutZspPrefix_Answers401(string key)
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key);

        using var response = await client.GetAsync("v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task NoConfiguredKeys_OnlyTheKeyGeneratedForThisRunIsAccepted()
    {
        await using var server = await DevServerHost.StartAsync();
        await using var other = await DevServerHost.StartAsync();
        using var guess = server.CreateClient("zsp_dev");
        using var otherRun = server.CreateClient(other.Key);

        using var generated = await server.Client.GetAsync("v1/config");
        using var publicKey = await guess.GetAsync("v1/config");
        using var anotherRunsKey = await otherRun.GetAsync("v1/config");

        Assert.Equal(HttpStatusCode.OK, generated.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, publicKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anotherRunsKey.StatusCode);
        Assert.StartsWith("zsp_", server.Key, StringComparison.Ordinal);
        Assert.True(server.Key.Length >= 36, "the generated key must be long enough not to be guessed");
        Assert.NotEqual(server.Key, other.Key);
        Assert.Equal(server.BaseUrl + "?key=" + server.Key, server.ViewerUrl.ToString());
    }

    [Fact]
    public async Task ConfiguredKeys_OnlyThoseAreAccepted_AndTheKeyIsNeverEchoed()
    {
        await using var server = await DevServerHost.StartAsync(o =>
        {
            o.ApiKeys.Add("zsp_first_key");
            o.ApiKeys.Add("zsp_second_key");
        });
        using var first = server.CreateClient("zsp_first_key");
        using var second = server.CreateClient("zsp_second_key");
        using var other = server.CreateClient("zsp_secret_guess_12345");

        using var ok1 = await first.GetAsync("api/traces");
        using var ok2 = await second.GetAsync("api/traces");
        using var denied = await other.GetAsync("api/traces");

        Assert.Equal(HttpStatusCode.OK, ok1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ok2.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        var body = await denied.Content.ReadAsStringAsync();
        Assert.DoesNotContain("zsp_secret_guess_12345", body, StringComparison.Ordinal);
        Assert.DoesNotContain("zsp_first_key", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongScheme_Answers401()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic enNwX3g6");

        using var response = await client.GetAsync("v1/config");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task ViewerHealthAndMocks_NeedNoZespanKey()
    {
        await using var server = await DevServerHost.StartAsync(o => o.ApiKeys.Add("zsp_only_key"));
        using var client = server.CreateClient(key: null);

        using var page = await client.GetAsync("");
        using var health = await client.GetAsync("healthz");
        using var mock = await client.PostAsync("mock/openai/v1/chat/completions",
            DevServerHost.Json(JsonNode.Parse("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""")!));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mock.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_Answers404WithErrorBody_AndWrongMethod405()
    {
        await using var server = await DevServerHost.StartAsync();

        using var missing = await server.Client.GetAsync("v1/nothing-here");
        using var wrongMethod = await server.Client.DeleteAsync("v1/ingest");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Equal("method_not_allowed", JsonNode.Parse(await wrongMethod.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }
}
