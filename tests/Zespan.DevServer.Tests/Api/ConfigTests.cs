using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Api;

public class ConfigTests
{
    [Fact]
    public async Task GetConfig_NeverSet_AnswersVersion0WithNoRulesAndAnETag()
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.Client.GetAsync("v1/config?environment=production");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"v0\"", response.Headers.ETag!.ToString());
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(0, body["version"]!.GetValue<int>());
        Assert.Empty(body["rules"]!.AsArray());
    }

    [Fact]
    public async Task PutConfig_BumpsVersion_AndIfNoneMatchGives304UntilTheNextChange()
    {
        await using var server = await DevServerHost.StartAsync();
        var rules = JsonNode.Parse("""{"rules":[{"type":"sample_rate","value":0.25},{"type":"model_override","from":"gpt-4o","to":"gpt-4o-mini"}]}""")!;

        using var put = await server.PutJsonAsync("admin/config?environment=production", rules);
        var putBody = JsonNode.Parse(await put.Content.ReadAsStringAsync())!;
        using var first = await server.Client.GetAsync("v1/config?environment=production");
        var etag = first.Headers.ETag!.ToString();
        using var notModified = await SendIfNoneMatch(server, etag);
        using var put2 = await server.PutJsonAsync("admin/config?environment=production", JsonNode.Parse("""[{"type":"log_level","value":"debug"}]""")!);
        using var changed = await SendIfNoneMatch(server, etag);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, putBody["version"]!.GetValue<int>());
        Assert.Equal("\"v1\"", etag);
        var firstBody = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        Assert.Equal(0.25, firstBody["rules"]![0]!["value"]!.GetValue<double>());
        Assert.Equal("gpt-4o-mini", firstBody["rules"]![1]!["to"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag!.ToString());
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("\"v2\"", changed.Headers.ETag!.ToString());
        var changedBody = JsonNode.Parse(await changed.Content.ReadAsStringAsync())!;
        Assert.Equal(2, changedBody["version"]!.GetValue<int>());
        Assert.Equal("log_level", changedBody["rules"]![0]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("W/\"v1\"")]
    [InlineData("\"v9\", \"v1\"")]
    [InlineData("*")]
    public async Task GetConfig_IfNoneMatchWeakListOrStar_Answers304(string header)
    {
        await using var server = await DevServerHost.StartAsync();
        using var put = await server.PutJsonAsync("admin/config", JsonNode.Parse("""[{"type":"sample_rate","value":0.5}]""")!);

        using var response = await SendIfNoneMatch(server, header);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task PutConfig_EnvironmentsAreIndependent_AndDefaultIsProduction()
    {
        await using var server = await DevServerHost.StartAsync();

        using var staging = await server.PutJsonAsync("admin/config?environment=staging", JsonNode.Parse("""[{"type":"disable_tracing","value":true}]""")!);
        var production = await server.GetJsonAsync("v1/config");
        var stagingConfig = await server.GetJsonAsync("v1/config?environment=staging");

        Assert.Equal(0, production["version"]!.GetValue<int>());
        Assert.Equal(1, stagingConfig["version"]!.GetValue<int>());
        Assert.Equal("disable_tracing", stagingConfig["rules"]![0]!["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"rules": [{"value": 1}]}""")]
    [InlineData("""{"rules": "sample_rate"}""")]
    [InlineData("""[42]""")]
    public async Task PutConfig_RuleWithoutType_Answers400AndKeepsTheVersion(string body)
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.PutJsonAsync("admin/config", JsonNode.Parse(body)!);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await server.GetJsonAsync("v1/config"))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task PutConfig_UnknownRuleType_IsStoredForTheSdkToIgnore()
    {
        await using var server = await DevServerHost.StartAsync();

        using var response = await server.PutJsonAsync("admin/config", JsonNode.Parse("""[{"type":"future_rule","x":1}]""")!);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("future_rule", (await server.GetJsonAsync("v1/config"))["rules"]![0]!["type"]!.GetValue<string>());
    }

    private static Task<HttpResponseMessage> SendIfNoneMatch(DevServerHost server, string etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "v1/config?environment=production");
        request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        return server.Client.SendAsync(request);
    }
}
