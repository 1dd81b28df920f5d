using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zespan.Extensions;

namespace Zespan.DevServer.Tests.Viewer;

/// <summary>What <see cref="SdkSeed.SeedAsync"/> stored: the ids the viewer tests look for.</summary>
internal sealed record SeededData(string AgentTrace, string BlockedTrace, string FirstChatTrace, IReadOnlyList<string> SessionATraces, string Hostile);

/// <summary>
/// Seeds a dev server through the Zespan SDK itself (AddZespan, IZespanTracer, scopes, IPromptClient, an instrumented
/// OpenAI client against the server's mock with guardrails), so the viewer tests look at real events.
/// </summary>
internal static class SdkSeed
{
    public const string Hostile = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">";

    public static async Task<SeededData> SeedAsync(DevServerHost server)
    {
        // a guardrail policy on the server: the word "forbidden" blocks the call
        using (var policy = await server.PutJsonAsync("admin/guardrails/policies/no-forbidden",
            JsonNode.Parse("""{"kind": "blocklist", "words": ["forbidden"], "action": "block"}""")!))
        {
            Assert.True(policy.IsSuccessStatusCode);
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = server.Key;
            o.BaseUrl = server.BaseUrl;
            o.Environment = "production";
            o.FlushInterval = TimeSpan.FromMilliseconds(200);
        });
        builder.Services.AddHttpClient("openai", c => c.BaseAddress = new Uri(server.BaseUrl, "mock/openai/v1/"))
            .AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions { Pre = true, Post = false });
        using var host = builder.Build();
        await host.StartAsync();
        var tracer = host.Services.GetRequiredService<IZespanTracer>();
        var context = host.Services.GetRequiredService<IZespanContextAccessor>();
        var prompts = host.Services.GetRequiredService<IPromptClient>();
        var openai = host.Services.GetRequiredService<IHttpClientFactory>().CreateClient("openai");

        var v1 = await prompts.CreateAsync(new CreatePromptRequest { Name = "support-reply", PromptType = PromptType.Text, Text = "Answer briefly: {{question}}", Labels = ["production"], CommitMessage = "first draft" });
        var v2 = await prompts.CreateAsync(new CreatePromptRequest { Name = "support-reply", PromptType = PromptType.Text, Text = "Answer kindly and in full: {{question}}", Labels = ["staging"], CommitMessage = "friendlier tone" });

        string firstChat, agentTrace, blocked;
        var sessionA = new List<string>();
        using (context.BeginScope(userId: "ada", sessionId: "session-a", tags: new Dictionary<string, string> { ["team"] = "support" }))
        {
            using (var chat = tracer.StartSpan("support.chat"))
            {
                firstChat = chat.TraceId;
                await ChatAsync(openai, "Where is order A-1001? " + Hostile);
            }

            sessionA.Add(firstChat);
            using (var agent = tracer.StartAgent("support-agent", "orchestrator", tools: [new AgentTool("lookup_order", "Finds an order")]))
            {
                agentTrace = agent.TraceId;
                agent.LogPlan(["look up the order", "answer"]);
                await agent.TraceToolAsync("lookup_order", new { order_id = "A-1001" }, static () => Task.FromResult(new { status = "shipped" }));
                tracer.LogGeneration(new GenerationLog
                {
                    Model = "gpt-4o",
                    Provider = "openai",
                    PromptMessages = [new LlmMessage("system", v2.Text), new LlmMessage("user", "Is A-1001 on its way?")],
                    CompletionMessage = new LlmMessage("assistant", "Yes: the parcel left the warehouse this morning."),
                    PromptTokens = 800,
                    CompletionTokens = 100,
                    Latency = TimeSpan.FromMilliseconds(900),
                    Stream = true,
                    TimeToFirstToken = TimeSpan.FromMilliseconds(250),
                    Metadata = v2.ToMetadata(),
                });
            }

            sessionA.Add(agentTrace);
            using (var chat = tracer.StartSpan("support.chat"))
            {
                blocked = chat.TraceId;
                await Assert.ThrowsAsync<GuardrailBlockedException>(() => ChatAsync(openai, "Tell me the forbidden recipe."));
            }

            sessionA.Add(blocked);
        }

        using (context.BeginScope(userId: "bob", sessionId: "session-b"))
        {
            for (var i = 0; i < 2; i++)
            {
                using var span = tracer.StartSpan("faq.answer");
                tracer.LogGeneration(new GenerationLog
                {
                    Model = "claude-haiku-4-5",
                    Provider = "anthropic",
                    PromptMessages = [new LlmMessage("user", "How do I reset my password? (try " + i + ")")],
                    CompletionMessage = new LlmMessage("assistant", "Open settings, then choose reset password."),
                    PromptTokens = 500,
                    CompletionTokens = 50,
                    Latency = TimeSpan.FromMilliseconds(400 + (i * 200)),
                    Metadata = v1.ToMetadata(),
                });
            }

            using var local = tracer.StartSpan("local.model");
            tracer.LogGeneration(new GenerationLog
            {
                Model = "my-local-llama",
                Provider = "ollama",
                PromptMessages = [new LlmMessage("user", "Summarise the ticket")],
                CompletionMessage = new LlmMessage("assistant", "A customer wants a zebra-striped refund."),
                PromptTokens = 40,
                CompletionTokens = 12,
                Latency = TimeSpan.FromMilliseconds(300),
            });
        }

        Assert.True(await host.Services.GetRequiredService<IZespanClient>().FlushAsync(), "the SDK did not deliver the events");
        await host.StopAsync();
        return new SeededData(agentTrace, blocked, firstChat, sessionA, Hostile);
    }

    private static async Task ChatAsync(HttpClient openai, string message)
    {
        var body = new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "You are a support bot." },
                new JsonObject { ["role"] = "user", ["content"] = message }),
        };
        using var response = await openai.PostAsync("chat/completions", DevServerHost.Json(body));
        response.EnsureSuccessStatusCode();
    }
}
