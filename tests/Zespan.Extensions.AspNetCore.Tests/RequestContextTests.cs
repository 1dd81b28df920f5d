using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary>
/// What <c>AddAspNetCore</c> puts on the events of a request: the authenticated user, the session header, the route,
/// the app's tags; a scope the app begins inside the request winning; concurrent requests never mixing.
/// </summary>
public sealed class RequestContextTests
{
    [Fact]
    public async Task Request_UserWithSubClaim_GenerationCarriesCustomerIdentifier()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "user-sub-1")));

        var generation = await harness.GenerationAsync("hello");
        Assert.Equal("user-sub-1", (string?)generation["customer_identifier"]);
        Assert.Equal("echo: hello", (string?)generation["completion_message"]!["content"]);
    }

    [Fact]
    public async Task Request_UserWithNameIdentifierAndSub_NameIdentifierWins()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "from-sub"), (ClaimTypes.NameIdentifier, "from-name-identifier")));

        Assert.Equal("from-name-identifier", (string?)(await harness.GenerationAsync("hello"))["customer_identifier"]);
    }

    [Fact]
    public async Task Request_CustomUserIdClaimTypes_FirstPresentWins()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.UserIdClaimTypes = ["oid", "sub"]);
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header((ClaimTypes.NameIdentifier, "ignored"), ("sub", "from-sub")));

        Assert.Equal("from-sub", (string?)(await harness.GenerationAsync("hello"))["customer_identifier"]);
    }

    [Fact]
    public async Task Request_Anonymous_GenerationHasNoUser()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.CaptureUserEmailAndName = true);
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", claims: null);

        var generation = await harness.GenerationAsync("hello");
        Assert.Null((string?)generation["customer_identifier"]);
        Assert.Null((string?)generation["customer_email"]);
        Assert.Null((string?)generation["customer_name"]);
    }

    [Fact]
    public async Task Request_SessionHeader_GenerationCarriesThreadIdentifier()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1")), session: "session-42");

        Assert.Equal("session-42", (string?)(await harness.GenerationAsync("hello"))["thread_identifier"]);
    }

    [Fact]
    public async Task Request_CustomSessionIdHeader_ReadsThatHeaderOnly()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.SessionIdHeader = "X-Conversation");
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "first", session: "ignored");
        await harness.ChatAsync(client, "second", headers: new Dictionary<string, string> { ["X-Conversation"] = "conv-7" });

        Assert.Null((string?)(await harness.GenerationAsync("first"))["thread_identifier"]);
        Assert.Equal("conv-7", (string?)(await harness.GenerationAsync("second"))["thread_identifier"]);
    }

    [Fact]
    public async Task Request_SessionIdHeaderNull_NoThreadIdentifier()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.SessionIdHeader = null);
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", session: "session-42");

        Assert.Null((string?)(await harness.GenerationAsync("hello"))["thread_identifier"]);
    }

    [Fact]
    public async Task Request_EmailAndNameClaims_NotCapturedByDefault()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1"), (ClaimTypes.Email, "u1@example.com"), (ClaimTypes.Name, "User One")));

        var generation = await harness.GenerationAsync("hello");
        Assert.Equal("u1", (string?)generation["customer_identifier"]);
        Assert.Null((string?)generation["customer_email"]);
        Assert.Null((string?)generation["customer_name"]);
    }

    [Theory]
    [InlineData(ClaimTypes.Email, ClaimTypes.Name)]
    [InlineData("email", "name")]
    public async Task Request_EmailAndNameClaims_CapturedWhenOptedIn(string emailClaim, string nameClaim)
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.CaptureUserEmailAndName = true);
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1"), (emailClaim, "u1@example.com"), (nameClaim, "User One")));

        var generation = await harness.GenerationAsync("hello");
        Assert.Equal("u1@example.com", (string?)generation["customer_email"]);
        Assert.Equal("User One", (string?)generation["customer_name"]);
    }

    [Fact]
    public async Task Request_RoutedEndpoint_GenerationHasHttpRouteTag()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", path: "/chat/acme");

        Assert.Equal("/chat/{tenant}", (string?)(await harness.GenerationAsync("hello"))["tags"]!["http.route"]);
    }

    [Fact]
    public async Task EnrichTags_RouteValueAndSecret_TagsAddedAndSecretRedacted()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.EnrichTags = static (http, tags) =>
        {
            tags["tenant"] = (string?)http.GetRouteValue("tenant") ?? "none";
            tags["api_key"] = "sk-live-secret";
        });
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", path: "/chat/globex");

        var tags = (await harness.GenerationAsync("hello"))["tags"]!;
        Assert.Equal("globex", (string?)tags["tenant"]);
        Assert.Equal("[REDACTED]", (string?)tags["api_key"]);
        Assert.Equal("/chat/{tenant}", (string?)tags["http.route"]);
        Assert.DoesNotContain("sk-live-secret", harness.Backend.Events[0].ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnrichTags_Throws_RequestSucceedsWithoutItsTagsAndWarningLogged()
    {
        var logs = new FakeLogCollector();
        await using var harness = await AspNetCoreHarness.StartAsync(
            o => o.EnrichTags = static (_, tags) =>
            {
                tags["partial"] = "value";
                throw new InvalidOperationException("enrich failed");
            },
            services: s => s.AddLogging(l => l.AddProvider(new FakeLoggerProvider(logs))));
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1")));

        var generation = await harness.GenerationAsync("hello");
        Assert.Equal("u1", (string?)generation["customer_identifier"]);
        Assert.Null(generation["tags"]?["partial"]);
        Assert.Equal("/chat/{tenant}", (string?)generation["tags"]!["http.route"]);
        var warning = Assert.Single(logs.GetSnapshot(), r => r.Id.Id == ZespanAspNetCoreLogEvents.EnrichTagsFailed);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.IsType<InvalidOperationException>(warning.Exception);
    }

    [Fact]
    public async Task Request_ExplicitScopeInside_ScopeWinsAndInheritsTheRest()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.EnrichTags = static (_, tags) => tags["feature"] = "from-request");
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "request-user")), session: "s-1", path: "/scoped-chat");

        var generation = await harness.GenerationAsync("hello");
        Assert.Equal("scope-user", (string?)generation["customer_identifier"]);
        Assert.Equal("s-1", (string?)generation["thread_identifier"]);
        Assert.Equal("scoped", (string?)generation["tags"]!["feature"]);
        Assert.Equal("/scoped-chat", (string?)generation["tags"]!["http.route"]);
    }

    [Fact]
    public async Task ContextAccessor_InsideRequest_ShowsTheRequestValues()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/context");
        request.Headers.Add(TestAuthHandler.ClaimsHeader, TestAuthHandler.Header(("sub", "u9")));
        request.Headers.Add("X-Session-Id", "s-9");

        using var response = await client.SendAsync(request);

        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("u9", (string?)body["userId"]);
        Assert.Equal("s-9", (string?)body["sessionId"]);
        Assert.Equal("/context", (string?)body["tags"]!["http.route"]);
    }

    [Fact]
    public async Task ConcurrentRequests_ManyUsers_EachGenerationCarriesItsOwnRequest()
    {
        const int Requests = 64;
        await using var harness = await AspNetCoreHarness.StartAsync(o => o.EnrichTags = static (http, tags) => tags["tenant"] = (string?)http.GetRouteValue("tenant") ?? "none");
        using var client = harness.CreateClient();

        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            using var response = await harness.ChatAsync(client, "message-" + i, TestAuthHandler.Header(("sub", "user-" + i)), session: "session-" + i, path: "/chat/tenant-" + i);
        });

        var generations = (await harness.FlushAsync()).Where(static e => (string?)e["log_type"] == "generation").ToList();
        Assert.Equal(Requests, generations.Count);
        Assert.All(generations, generation =>
        {
            var i = ((string)generation["prompt_messages"]![0]!["content"]!)["message-".Length..];
            Assert.Equal("user-" + i, (string?)generation["customer_identifier"]);
            Assert.Equal("session-" + i, (string?)generation["thread_identifier"]);
            Assert.Equal("tenant-" + i, (string?)generation["tags"]!["tenant"]);
        });
    }

    [Fact]
    public async Task Request_ZespanDisabled_RequestServedAndNothingRecorded()
    {
        await using var harness = await AspNetCoreHarness.StartAsync(zespan: o => o.Enabled = false);
        using var client = harness.CreateClient();

        using var response = await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1")));

        Assert.Equal("echo: hello", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["reply"]);
        await harness.Services.GetRequiredService<IZespanClient>().FlushAsync();
        Assert.Empty(harness.Backend.Events);
    }

    [Fact]
    public async Task Span_AfterTheRequestEnded_HasNoUser()
    {
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u5")));
        using (harness.Services.GetRequiredService<IZespanTracer>().StartSpan("outside-any-request"))
        {
        }

        var events = await harness.FlushAsync();
        Assert.Equal("u5", (string?)Assert.Single(events, static e => (string?)e["log_type"] == "generation")["customer_identifier"]);
        Assert.Null((string?)Assert.Single(events, static e => (string?)e["name"] == "outside-any-request")["customer_identifier"]);
    }
}
