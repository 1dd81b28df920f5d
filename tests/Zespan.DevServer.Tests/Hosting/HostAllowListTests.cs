using System.Net;
using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests.Hosting;

/// <summary>DNS rebinding protection: on loopback the server answers only Host names of this machine; the key travels in a header only.</summary>
public class HostAllowListTests
{
    [Theory]
    [InlineData("api/traces")]
    [InlineData("admin/guardrails/policies")]
    [InlineData("")]
    public async Task Request_WithForeignHost_Answers400_EvenWithTheKey(string path)
    {
        await using var server = await DevServerHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = "attacker.example:" + server.BaseUrl.Port;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("invalid_request", error["type"]!.GetValue<string>());
        Assert.Contains("DNS rebinding", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mutation_WithForeignHost_ChangesNothing()
    {
        await using var server = await DevServerHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "admin/config")
        {
            Content = DevServerHost.Json(JsonNode.Parse("""[{"type":"sample_rate","value":0}]""")!),
        };
        request.Headers.Host = "rebound.example";

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, (await server.GetJsonAsync("v1/config"))["version"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("LOCALHOST")]
    [InlineData("127.0.0.1")]
    [InlineData("[::1]")]
    public async Task Request_WithLoopbackHost_IsServed(string host)
    {
        await using var server = await DevServerHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/traces");
        request.Headers.Host = host + ":" + server.BaseUrl.Port;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_WithAHostNamedInUrls_IsServed()
    {
        await using var server = await DevServerHost.StartAsync(o =>
        {
            o.Urls.Clear();
            o.Urls.Add("http://127.0.0.2:0"); // all of 127.0.0.0/8 is loopback
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/traces");
        request.Headers.Host = "127.0.0.2:" + server.BaseUrl.Port;

        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void NonLoopbackBinding_AcceptsAnyHost()
    {
        var list = new Zespan.DevServer.Hosting.HostAllowList(["http://0.0.0.0:5087"]);

        Assert.False(list.Enabled);
        Assert.True(list.IsAllowed(new Microsoft.AspNetCore.Http.HostString("zespan.internal.example")));
    }

    [Fact]
    public async Task KeyInACookie_IsNotAccepted()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Put, "admin/config")
        {
            Content = DevServerHost.Json(JsonNode.Parse("""[{"type":"sample_rate","value":0}]""")!),
        };
        request.Headers.Add("Cookie", $"key={server.Key}; zespan_key={server.Key}; Authorization=Bearer {server.Key}");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, (await server.GetJsonAsync("v1/config"))["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task KeyInTheQueryString_IsNotAcceptedByTheApi()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.GetAsync($"api/traces?key={server.Key}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CrossOriginPreflight_GetsNoCorsGrant()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);
        using var request = new HttpRequestMessage(HttpMethod.Options, "admin/config");
        request.Headers.Add("Origin", "https://attacker.example");
        request.Headers.Add("Access-Control-Request-Method", "PUT");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type");

        using var response = await client.SendAsync(request);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"), "a browser must not be allowed to send the key from another origin");
    }
}
