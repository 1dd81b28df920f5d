using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Configuration;

/// <summary>
/// Each option docs/configuration.md lists as live ("read on every use") changes what the SDK does after a
/// configuration reload, without a restart. (<c>GuardrailTimeout</c> is covered with the backend pipelines.)
/// </summary>
public sealed class LiveOptionsTests
{
    private static GenerationLog Generation(string model = "gpt-4o-mini") => new()
    {
        Model = model,
        Provider = "openai",
        PromptMessages = [new LlmMessage("user", "what is the capital of France?")],
        CompletionMessage = new LlmMessage("assistant", "Paris."),
        PromptTokens = 10,
        CompletionTokens = 2,
    };

    [Fact]
    public async Task SampleRate_Reloaded_AppliesToTheNextTrace()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("SampleRate", "0"));
        h.Tracer.LogGeneration(Generation());
        Assert.Empty(await h.FlushAsync());

        h.Set(("SampleRate", "1"));
        h.Tracer.LogGeneration(Generation());

        Assert.Single(await h.FlushAsync());
    }

    [Fact]
    public async Task DisableTracing_Reloaded_StopsRecording()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        h.Tracer.LogGeneration(Generation());
        Assert.Single(await h.FlushAsync());

        h.Set(("DisableTracing", "true"));
        h.Tracer.LogGeneration(Generation());

        Assert.Empty(await h.FlushAsync());
    }

    [Fact]
    public async Task Debug_Reloaded_LogsEveryRejectedBatch()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("Debug", "false"));
        h.Backend.Enqueue("/v1/ingest", new CannedResponse(400, """{"error":{"type":"invalid_request","message":"no"}}"""), count: 3);
        for (var i = 0; i < 2; i++)
        {
            h.Tracer.LogGeneration(Generation());
            await h.FlushAsync();
        }

        Assert.Single(h.Logs.Logs, l => l.EventId.Id == ZespanLogEvents.BatchRejected);

        h.Set(("Debug", "true"));
        h.Tracer.LogGeneration(Generation());
        await h.FlushAsync();

        Assert.Equal(2, h.Logs.Logs.Count(l => l.EventId.Id == ZespanLogEvents.BatchRejected));
    }

    [Fact]
    public async Task RedactKeys_Reloaded_RedactsTheNewKey()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        using (var span = h.Tracer.StartSpan("before"))
        {
            span.SetTag("customer_ref", "c-42");
        }

        Assert.Equal("c-42", Tag(Assert.Single(await h.FlushAsync()), "customer_ref"));

        h.Set(("RedactKeys:0", "customer_ref"));
        using (var span = h.Tracer.StartSpan("after"))
        {
            span.SetTag("customer_ref", "c-42");
        }

        Assert.Equal("[REDACTED]", Tag(Assert.Single(await h.FlushAsync()), "customer_ref"));
    }

    [Fact]
    public async Task ReplaceDefaultRedactKeys_Reloaded_KeepsOnlyTheConfiguredKeys()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("RedactKeys:0", "customer_ref"));
        using (var span = h.Tracer.StartSpan("before"))
        {
            span.SetTag("password", "hunter2");
        }

        Assert.Equal("[REDACTED]", Tag(Assert.Single(await h.FlushAsync()), "password"));

        h.Set(("ReplaceDefaultRedactKeys", "true"));
        using (var span = h.Tracer.StartSpan("after"))
        {
            span.SetTag("password", "hunter2");
            span.SetTag("customer_ref", "c-42");
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("hunter2", Tag(e, "password"));
        Assert.Equal("[REDACTED]", Tag(e, "customer_ref"));
    }

    [Fact]
    public async Task StorePrompts_Reloaded_StopsCapturingText()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        h.Tracer.LogGeneration(Generation());
        await h.ChatAsync(prompt: "captured");
        var before = await h.FlushAsync();
        Assert.All(before, e => Assert.NotNull(e["prompt_messages"]));

        h.Set(("StorePrompts", "false"));
        h.Tracer.LogGeneration(Generation());
        await h.ChatAsync(prompt: "not captured");

        var after = await h.FlushAsync();
        Assert.Equal(2, after.Count);
        Assert.All(after, e =>
        {
            Assert.Null(e["prompt_messages"]);
            Assert.Null(e["completion_message"]);
        });
    }

    [Fact]
    public async Task Environment_Reloaded_LabelsTheNextEventsAndBatches()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("Environment", "staging"));
        h.Tracer.LogGeneration(Generation());
        Assert.Equal("staging", (string?)Assert.Single(await h.FlushAsync())["environment"]);
        Assert.Equal("staging", (string?)Assert.Single(h.TakeNewBatches())["environment"]);

        h.Set(("Environment", "production-eu"));
        h.Tracer.LogGeneration(Generation());

        Assert.Equal("production-eu", (string?)Assert.Single(await h.FlushAsync())["environment"]);
        Assert.Equal("production-eu", (string?)Assert.Single(h.TakeNewBatches())["environment"]);
    }

    [Fact]
    public async Task ApiKey_ReloadedAfterRejection_ResumesSendingWithTheNewKey()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("ApiKey", "zsp_revoked_key"));
        var client = h.Services.GetRequiredService<IZespanClient>();
        h.Tracer.LogGeneration(Generation());
        Assert.False(await client.FlushAsync());
        h.Tracer.LogGeneration(Generation("waiting"));
        Assert.False(await client.FlushAsync());

        h.Set(("ApiKey", FakeZespanBackend.ValidApiKey));

        // The rejected batch was kept, not dropped: it goes first, with the new key, then what waited.
        var events = await h.FlushAsync();
        Assert.Equal(["gpt-4o-mini", "waiting"], events.Select(e => (string?)e["model"]));
        Assert.Equal("Bearer " + FakeZespanBackend.ValidApiKey, h.Backend.RequestsTo("/v1/ingest")[^1].Header("Authorization"));
    }

    [Fact]
    public async Task BatchSize_Reloaded_SplitsTheNextFlush()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("BatchSize", "1000"));
        LogMany(h, 3);
        Assert.Equal(3, (await h.FlushAsync()).Count);
        Assert.Single(h.TakeNewBatches());

        h.Set(("BatchSize", "1"));
        LogMany(h, 3);

        Assert.Equal(3, (await h.FlushAsync()).Count);
        Assert.All(h.TakeNewBatches().Select(b => b["events"]!.AsArray().Count), count => Assert.Equal(1, count));
        Assert.Equal(4, h.Backend.Batches.Count);
    }

    [Fact]
    public async Task MaxBatchBytes_Reloaded_SplitsTheNextFlush()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("MaxBatchBytes", "1048576"));
        var padding = new string('x', 1200);
        LogMany(h, 3, padding);
        Assert.Equal(3, (await h.FlushAsync()).Count);
        Assert.Single(h.TakeNewBatches());

        // Each event is about 1.5 KB of JSON: two do not fit in 2 KB, one does.
        h.Set(("MaxBatchBytes", "2048"));
        LogMany(h, 3, padding);

        Assert.Equal(3, (await h.FlushAsync()).Count);
        var batches = h.TakeNewBatches();
        Assert.Equal(3, batches.Count);
        Assert.All(batches, b => Assert.Single(b["events"]!.AsArray()));
    }

    [Fact]
    public async Task MaxEventBytes_Reloaded_CutsTheNextCapturedBody()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("MaxEventBytes", "262144"));
        var prompt = new string('a', 4000);
        await h.ChatAsync(prompt: prompt);
        var whole = Assert.Single(await h.FlushAsync());
        Assert.Equal(prompt, (string?)whole["prompt_messages"]![0]!["content"]);
        Assert.NotEqual(true, (bool?)whole["truncated"]);

        h.Set(("MaxEventBytes", "1024"));
        var sent = await h.ChatAsync(prompt: prompt);

        Assert.Contains(prompt, sent.BodyText, StringComparison.Ordinal); // the call itself is untouched
        var cut = Assert.Single(await h.FlushAsync());
        Assert.True((bool?)cut["truncated"]);
        Assert.True(((string?)cut["prompt_messages"]?[0]?["content"] ?? string.Empty).Length < prompt.Length);
    }

    [Fact]
    public async Task ModelOverrides_Reloaded_RewriteTheNextRequest()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        Assert.Equal("gpt-4o", (string?)(await h.ChatAsync(model: "gpt-4o")).Json!["model"]);

        h.Set(("ModelOverrides:0:From", "gpt-4o"), ("ModelOverrides:0:To", "gpt-4o-mini"));

        Assert.Equal("gpt-4o-mini", (string?)(await h.ChatAsync(model: "gpt-4o")).Json!["model"]);
        var events = await h.FlushAsync();
        Assert.Equal("gpt-4o-mini", (string?)events[^1]["model"]);
    }

    [Fact]
    public async Task GuardrailRules_Reloaded_CheckTheNextCall()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        await h.ChatAsync();
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));

        h.Set(("GuardrailRules:0:Provider", "openai"), ("GuardrailRules:0:Post", "false"));
        await h.ChatAsync(prompt: "check me");

        var check = Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check"));
        Assert.Equal("pre", (string?)check.Json!["phase"]);
        Assert.Contains("check me", check.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportFilters_Reloaded_FilterTheNextExport()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        h.Tracer.LogGeneration(Generation("keep-model"));
        h.Tracer.LogGeneration(Generation("other-model"));
        Assert.Equal(2, (await h.FlushAsync()).Count);

        h.Set(("ExportFilters:0:Field", "model"), ("ExportFilters:0:Operator", "eq"), ("ExportFilters:0:Value", "keep-model"));
        h.Tracer.LogGeneration(Generation("keep-model"));
        h.Tracer.LogGeneration(Generation("other-model"));

        Assert.Equal("keep-model", (string?)Assert.Single(await h.FlushAsync())["model"]);
    }

    [Fact]
    public async Task ModelPrices_Reloaded_PriceTheNextGeneration()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        var log = new GenerationLog { Model = "house-model", PromptTokens = 1_000_000, CompletionTokens = 0 };
        h.Tracer.LogGeneration(log);
        Assert.Null(Assert.Single(await h.FlushAsync())["cost"]);

        h.Set(("ModelPrices:0:Model", "house-model"), ("ModelPrices:0:InputPerMillion", "2.5"), ("ModelPrices:0:OutputPerMillion", "10"));
        h.Tracer.LogGeneration(log);

        Assert.Equal(2.5, (double)Assert.Single(await h.FlushAsync())["cost"]!, 6);
    }

    [Fact]
    public async Task LiteLlmHosts_Reloaded_DetectTheNextCall()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        await h.ChatAsync(client: LiveOptionsHarness.PlainClient);
        Assert.Empty(await h.FlushAsync());

        h.Set(("LiteLlmHosts:0", $"127.0.0.1:{h.Llm.BaseUrl.Port}"));
        await h.ChatAsync(client: LiveOptionsHarness.PlainClient);

        Assert.Equal("litellm", (string?)Assert.Single(await h.FlushAsync())["provider"]);
    }

    [Fact]
    public async Task ProviderEndpoints_Reloaded_DetectTheNextCallWithItsName()
    {
        await using var h = await LiveOptionsHarness.StartAsync();
        await h.ChatAsync(client: LiveOptionsHarness.PlainClient);
        Assert.Empty(await h.FlushAsync());

        h.Set(("ProviderEndpoints:0:Host", $"127.0.0.1:{h.Llm.BaseUrl.Port}"), ("ProviderEndpoints:0:ProviderName", "vllm"));
        await h.ChatAsync(client: LiveOptionsHarness.PlainClient);

        Assert.Equal("vllm", (string?)Assert.Single(await h.FlushAsync())["provider"]);
    }

    [Fact]
    public async Task PromptCacheTtl_Reloaded_AppliesToTheNextGet()
    {
        await using var h = await LiveOptionsHarness.StartAsync(("PromptCacheTtl", "00:05:00"));
        h.Backend.SeedPrompt("greeting", "Hello {{ name }}", "production");
        var prompts = h.Services.GetRequiredService<IPromptClient>();
        await prompts.GetAsync("greeting");
        await prompts.GetAsync("greeting");
        Assert.Equal(1, h.Backend.PromptGetCount("greeting"));

        h.Set(("PromptCacheTtl", "00:00:00"));
        await prompts.GetAsync("greeting");
        await prompts.GetAsync("greeting");

        Assert.Equal(3, h.Backend.PromptGetCount("greeting"));
    }

    private static void LogMany(LiveOptionsHarness h, int count, string? padding = null)
    {
        for (var i = 0; i < count; i++)
        {
            h.Tracer.LogGeneration(new GenerationLog
            {
                Model = "gpt-4o-mini",
                Metadata = padding is null ? null : new Dictionary<string, object?> { ["padding"] = padding },
            });
        }
    }

    private static string? Tag(JsonObject e, string key) => (string?)e["tags"]?[key];
}
