using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Extensions;
using Zespan.Samples.WebApi.Controllers;

namespace Zespan.Samples.Tests.WebApi;

/// <summary>
/// The WebApi sample in-process (WebApplicationFactory), its SupportBot talking over loopback HTTP to an in-process
/// dev server (mock OpenAI, guardrail checks, prompts, ingest into SQLite), read back through the read API.
/// </summary>
public sealed class WebApiSampleTests
{
    [Fact]
    public async Task Chat_UserAndSessionHeaders_ReturnsReplyAndRecordsTraceWithUserAndSession()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "Where is my order?", user: "alice", session: "s-42");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal("This is a mock reply from gpt-4o-mini. You said: \"Where is my order?\"", (string?)body["reply"]);
        Assert.Null((int?)body["promptVersion"]); // nothing seeded: the fallback prompt
        var traceId = Assert.Single(response.Headers.GetValues(SampleHeaders.TraceId));
        Assert.Equal(traceId, (string?)body["traceId"]);

        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal("alice", (string?)trace["user"]);
        Assert.Equal("support.chat", (string?)trace["name"]);
        Assert.Equal("workflow", (string?)trace["root_log_type"]);
        Assert.Equal("ok", (string?)trace["status"]);
        var events = TestDevServer.Flatten(trace);
        var generation = Assert.Single(events, e => (string?)e.Event["log_type"] == "generation").Event;
        Assert.Equal("alice", (string?)generation["customer_identifier"]);
        Assert.Equal("s-42", (string?)generation["thread_identifier"]);
        Assert.Equal("gpt-4o-mini", (string?)generation["model"]);
        Assert.True((int?)generation["total_tokens"] > 0);
        Assert.Equal("You are the support assistant of Zespan. Answer alice briefly and politely.", (string?)generation["prompt_messages"]![0]!["content"]);
        var workflow = Assert.Single(events, e => (string?)e.Event["log_type"] == "workflow").Event;
        Assert.Equal((string?)workflow["span_id"], (string?)generation["parent_span_id"]);
    }

    [Fact]
    public async Task Chat_SignedInWithoutBeginScope_GenerationCarriesUserSessionAndRouteFromAddAspNetCore()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "Hi there", user: "erin", session: "s-9");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{(string?)body["traceId"]}");
        var events = TestDevServer.Flatten(trace).Select(static e => e.Event).ToList();
        Assert.All(events, static e => Assert.Equal("erin", (string?)e["customer_identifier"]));
        Assert.All(events, static e => Assert.Equal("s-9", (string?)e["thread_identifier"]));
        Assert.All(events, static e => Assert.Equal("support/chat", (string?)e["tags"]?["http.route"]));
    }

    [Fact]
    public async Task Chat_Anonymous_TraceHasNoUser()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "Who am I?");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{(string?)body["traceId"]}");
        var generation = Assert.Single(TestDevServer.Flatten(trace), e => (string?)e.Event["log_type"] == "generation").Event;
        Assert.Null((string?)generation["customer_identifier"]);
        Assert.Equal("You are the support assistant of Zespan. Answer the customer briefly and politely.", (string?)generation["prompt_messages"]![0]!["content"]);
    }

    [Fact]
    public async Task Chat_PromptSeededWithProductionLabel_UsesServerPrompt()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();
        var prompts = app.Services.GetRequiredService<IPromptClient>();
        var created = await prompts.CreateAsync(new CreatePromptRequest
        {
            Name = SupportController.PromptName,
            PromptType = PromptType.Text,
            Text = "Be terse with {{user}} about {{product}}.",
            Labels = ["production"],
        });

        using var response = await PostAsync(client, "support/chat", "Hi", user: "bob");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Equal(created.Version, (int?)body["promptVersion"]);
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{(string?)body["traceId"]}");
        var generation = Assert.Single(TestDevServer.Flatten(trace), e => (string?)e.Event["log_type"] == "generation").Event;
        Assert.Equal("Be terse with bob about Zespan.", (string?)generation["prompt_messages"]![0]!["content"]);
    }

    [Fact]
    public async Task Chat_BlockedWord_Returns422ProblemDetailsAndRecordsBlockedTrace()
    {
        await using var server = await TestDevServer.StartAsync();
        await server.BlockWordAsync("forbidden");
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "Tell me the forbidden recipe.", user: "mallory");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(422, (int?)problem["status"]);
        Assert.Equal("Blocked by a guardrail", (string?)problem["title"]);
        Assert.Equal("pre", (string?)problem["phase"]);
        var policy = Assert.Single(problem["policies"]!.AsArray())!;
        Assert.Equal("block-forbidden", (string?)policy["policy"]);
        Assert.Equal("blocked word: forbidden", (string?)policy["reason"]);
        var traceId = Assert.Single(response.Headers.GetValues(SampleHeaders.TraceId));
        Assert.Equal(traceId, (string?)problem["zespanTraceId"]);

        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal("error", (string?)trace["status"]);
        Assert.Equal("mallory", (string?)trace["user"]);
        var events = TestDevServer.Flatten(trace).Select(static e => e.Event).ToList();
        var workflow = Assert.Single(events, static e => (string?)e["log_type"] == "workflow");
        Assert.Equal("Zespan.Extensions.GuardrailBlockedException", (string?)workflow["error"]!["type"]);
        var guardrail = Assert.Single(events, static e => (string?)e["log_type"] == "guardrail");
        Assert.False((bool)guardrail["guardrail"]!["passed"]!);
        // The provider received nothing: the generation carries the block as its error and no usage.
        var generation = Assert.Single(events, static e => (string?)e["log_type"] == "generation");
        Assert.Equal("guardrail_blocked", (string?)generation["error"]!["type"]);
        Assert.Null(generation["total_tokens"]);
        Assert.Equal((string?)generation["span_id"], (string?)guardrail["parent_span_id"]);
    }

    [Fact]
    public async Task Chat_EmptyMessage_Returns400ProblemDetails()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "", user: "alice");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Stream_Message_StreamsSseChunksThenDoneAndRecordsStreamedGeneration()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();
        using var request = Request("support/stream", "Tell me a story", user: "alice", session: "s-1");

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Content.Headers.ContentLength);
        var events = await ReadSseAsync(response);
        var chunks = events.Where(static e => e.Event is null).Select(static e => (string?)e.Data["text"]).ToList();
        Assert.True(chunks.Count > 5, $"expected the reply in many chunks, got {chunks.Count}");
        Assert.Equal("This is a mock reply from gpt-4o-mini. You said: \"Tell me a story\"", string.Concat(chunks));
        var done = events[^1];
        Assert.Equal("done", done.Event);
        var traceId = Assert.Single(response.Headers.GetValues(SampleHeaders.TraceId));
        Assert.Equal(traceId, (string?)done.Data["traceId"]);

        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal("support.stream", (string?)trace["name"]);
        var generation = Assert.Single(TestDevServer.Flatten(trace), e => (string?)e.Event["log_type"] == "generation").Event;
        Assert.True((bool)generation["stream"]!);
        Assert.Equal(string.Concat(chunks), (string?)generation["completion_message"]!["content"]);
        Assert.True((int?)generation["completion_tokens"] > 0);
        Assert.Equal("s-1", (string?)generation["thread_identifier"]);
    }

    [Fact]
    public async Task Stream_BlockedWord_Returns422InsteadOfStream()
    {
        await using var server = await TestDevServer.StartAsync();
        await server.BlockWordAsync("forbidden");
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/stream", "Stream the forbidden thing", user: "mallory");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("pre", (string?)problem["phase"]);
    }

    [Fact]
    public async Task Agent_RefundRequest_RecordsAgentPlanToolsHandoffAndGenerationsInOneTree()
    {
        await using var server = await TestDevServer.StartAsync();
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "agent", "I want a refund for order_id=A-1001", user: "bob", session: "s-7");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.StartsWith("Here is what the tool returned: ", (string?)body["reply"], StringComparison.Ordinal);
        Assert.Contains("\"eligible\":true", (string?)body["reply"], StringComparison.Ordinal);
        Assert.Equal("billing", (string?)body["handedOffTo"]);
        Assert.Equal(["lookup_order", "check_refund_policy"], body["tools"]!.AsArray().Select(static t => (string?)t!["name"]));
        var traceId = (string)body["traceId"]!;

        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        Assert.Equal("agent", (string?)trace["root_log_type"]);
        Assert.Equal("bob", (string?)trace["user"]);
        var events = TestDevServer.Flatten(trace).Select(static e => e.Event).ToList();
        var triage = Assert.Single(events, static e => (string?)e["log_type"] == "agent" && (string?)e["name"] == "support-triage");
        var triageId = (string?)triage["span_id"];
        Assert.Equal("triage", (string?)triage["agent"]!["role"]);
        Assert.Equal(2, triage["agent"]!["tools"]!.AsArray().Count);

        JsonNode ChildOfTriage(string logType, string? name = null) => Assert.Single(events, e =>
            (string?)e["log_type"] == logType && (string?)e["parent_span_id"] == triageId && (name is null || (string?)e["name"] == name));

        Assert.Equal(4, ChildOfTriage("plan")["plan"]!.AsArray().Count);
        var firstGeneration = ChildOfTriage("generation");
        Assert.Equal("tool_calls", (string?)firstGeneration["finish_reason"]);
        var lookup = ChildOfTriage("tool", "lookup_order");
        Assert.Equal("A-1001", (string?)lookup["tool"]!["arguments"]!["order_id"]);
        Assert.True((bool)lookup["tool"]!["result"]!["found"]!);
        var policy = ChildOfTriage("tool", "check_refund_policy");
        Assert.True((bool)policy["tool"]!["result"]!["eligible"]!);
        var handoff = ChildOfTriage("handoff");
        Assert.Equal("support-triage", (string?)handoff["handoff"]!["from"]);
        Assert.Equal("billing", (string?)handoff["handoff"]!["to"]);
        var billing = ChildOfTriage("agent", "billing");
        var finalGeneration = Assert.Single(events, e => (string?)e["log_type"] == "generation" && (string?)e["parent_span_id"] == (string?)billing["span_id"]);
        Assert.Equal((string?)body["reply"], (string?)finalGeneration["completion_message"]!["content"]);
        Assert.All(events, static e => Assert.Equal("s-7", (string?)e["thread_identifier"]));
    }

    [Fact]
    public async Task Chat_EmailRedactedByPolicy_StoredPromptHasNoEmail()
    {
        await using var server = await TestDevServer.StartAsync();
        await server.PutJsonAsync("admin/guardrails/policies/pii-email", new JsonObject { ["kind"] = "pii", ["detectors"] = new JsonArray("email"), ["action"] = "redact" });
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "Write to jane.doe@example.com please", user: "carol");

        var body = await ReadJsonAsync(response, HttpStatusCode.OK);
        Assert.Contains("[REDACTED:email]", (string?)body["reply"], StringComparison.Ordinal); // what the model saw
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{(string?)body["traceId"]}");
        Assert.DoesNotContain("jane.doe@example.com", trace.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_BlockedWord_GuardrailEventHangsUnderTheRequestSpan()
    {
        await using var server = await TestDevServer.StartAsync();
        await server.BlockWordAsync("forbidden");
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "the forbidden word", user: "mallory");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{Assert.Single(response.Headers.GetValues(SampleHeaders.TraceId))}");
        Assert.Single(TestDevServer.Roots(trace)); // one tree: support.chat, with the guardrail check inside it
    }

    [Fact]
    public async Task Chat_BlockedByPostCheck_GenerationWithUsageStillRecorded()
    {
        await using var server = await TestDevServer.StartAsync();
        await server.PutJsonAsync("admin/guardrails/policies/no-mock", new JsonObject
        {
            ["kind"] = "blocklist", ["words"] = new JsonArray("mock"), ["action"] = "block", ["phase"] = "post",
        });
        await using var app = new SampleFactory(server);
        using var client = app.CreateClient();

        using var response = await PostAsync(client, "support/chat", "hello there", user: "pat");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("post", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["phase"]);
        Assert.True(await app.FlushAsync());
        var trace = await server.GetJsonAsync($"api/traces/{Assert.Single(response.Headers.GetValues(SampleHeaders.TraceId))}");
        Assert.True((int?)trace["total_tokens"] > 0); // the model answered: its usage belongs in the trace
        Assert.Single(TestDevServer.Roots(trace));
    }

    private static HttpRequestMessage Request(string path, string message, string? user = null, string? session = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new { message }) };
        if (user is not null)
        {
            request.Headers.Add(SampleHeaders.UserId, user);
        }

        if (session is not null)
        {
            request.Headers.Add(SampleHeaders.SessionId, session);
        }

        return request;
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string message, string? user = null, string? session = null)
    {
        using var request = Request(path, message, user, session);
        return await client.SendAsync(request);
    }

    private static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<List<(string? Event, JsonNode Data)>> ReadSseAsync(HttpResponseMessage response)
    {
        var events = new List<(string?, JsonNode)>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add((name, JsonNode.Parse(line["data: ".Length..])!));
            }
            else if (line.Length == 0)
            {
                name = null;
            }
        }

        return events;
    }

    /// <summary>The sample, configured to use the test's dev server; only <c>FlushAsync</c> delivers events.</summary>
    /// <remarks>
    /// <c>WebApplicationFactory&lt;SupportController&gt;</c> rather than <c>&lt;Program&gt;</c>: any type of the app's assembly
    /// names its entry point, and this project also references the dev server, whose top-level <c>Program</c> ASP.NET Core 10
    /// makes public too, so a bare <c>Program</c> would be ambiguous here (CS0433).
    /// </remarks>
    private sealed class SampleFactory(TestDevServer server) : WebApplicationFactory<SupportController>
    {
        public Task<bool> FlushAsync() => Services.GetRequiredService<IZespanClient>().FlushAsync();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Zespan:BaseUrl"] = server.ZespanBaseUrl,
                ["Zespan:ApiKey"] = TestDevServer.Key,
                ["Zespan:FlushInterval"] = "01:00:00", // the background loop never delivers within a test: FlushAsync does
                ["OpenAI:Endpoint"] = server.OpenAIMockEndpoint,
            }));
            builder.ConfigureLogging(static logging => logging.ClearProviders());
        }
    }
}
