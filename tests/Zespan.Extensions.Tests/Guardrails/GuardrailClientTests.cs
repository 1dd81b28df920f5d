using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Guardrails;

public sealed class GuardrailClientTests : IAsyncLifetime
{
    private FakeZespanBackend _backend = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _backend = await FakeZespanBackend.StartAsync();
        // Generous: a loaded machine must not turn a first (cold) check into a timeout; the timeout test sets its own.
        _services = BuildServices(TimeSpan.FromSeconds(60));
    }

    private ServiceProvider BuildServices(TimeSpan guardrailTimeout)
    {
        var services = new ServiceCollection();
        services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
            o.Environment = "staging";
            o.GuardrailTimeout = guardrailTimeout;
        });
        return services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private static GuardrailCheckRequest Pre() => new()
    {
        Phase = GuardrailPhase.Pre,
        Provider = "openai",
        Model = "gpt-4o",
        TraceId = "0af7651916cd43dd8448eb211c80319c",
        SpanId = "b7ad6b7169203331",
        Messages = [new LlmMessage("system", "Be brief."), new LlmMessage("user", "My card is 4111 1111 1111 1111")],
    };

    [Fact]
    public async Task CheckAsync_Passes_SendsSpecBodyAndReturnsVerdict()
    {
        var client = _services.GetRequiredService<IGuardrailClient>();

        var result = await client.CheckAsync(Pre());

        Assert.True(result.Passed);
        Assert.False(result.Blocked);
        var sent = Assert.Single(_backend.RequestsTo("/v1/guardrails/check")).Json!.AsObject();
        Assert.Equal("pre", (string?)sent["phase"]);
        Assert.Equal("openai", (string?)sent["provider"]);
        Assert.Equal("gpt-4o", (string?)sent["model"]);
        Assert.Equal("staging", (string?)sent["environment"]);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", (string?)sent["trace_id"]);
        Assert.Equal("b7ad6b7169203331", (string?)sent["span_id"]);
        Assert.Equal("user", (string?)sent["messages"]![1]!["role"]);
        Assert.True(sent.ContainsKey("completion"));
        Assert.Null(sent["completion"]);
    }

    [Fact]
    public async Task CheckAsync_PolicyBlocks_ReportsBlockedWithResults()
    {
        _backend.GuardrailResponder = _ => JsonNode.Parse("""{"passed": false, "results": [{"policy": "pii", "passed": false, "action": "block", "reason": "credit card number", "modified_text": null}]}""")!.AsObject();

        var result = await _services.GetRequiredService<IGuardrailClient>().CheckAsync(Pre());

        Assert.False(result.Passed);
        Assert.True(result.Blocked);
        var r = Assert.Single(result.Results);
        Assert.Equal("pii", r.Policy);
        Assert.Equal("credit card number", r.Reason);
    }

    [Fact]
    public async Task CheckAsync_Redact_ExposesModifiedText()
    {
        _backend.GuardrailResponder = _ => JsonNode.Parse("""{"passed": false, "results": [{"policy": "pii", "passed": false, "action": "redact", "reason": "card", "modified_text": "My card is [CARD]"}]}""")!.AsObject();

        var result = await _services.GetRequiredService<IGuardrailClient>().CheckAsync(Pre());

        Assert.False(result.Blocked);
        Assert.Equal("My card is [CARD]", result.ModifiedText);
    }

    [Fact]
    public async Task CheckAsync_PostPhase_SendsCompletion()
    {
        var request = new GuardrailCheckRequest { Phase = GuardrailPhase.Post, Messages = [new LlmMessage("user", "hi")], Completion = new LlmMessage("assistant", "hello") };

        await _services.GetRequiredService<IGuardrailClient>().CheckAsync(request);

        var sent = Assert.Single(_backend.RequestsTo("/v1/guardrails/check")).Json!;
        Assert.Equal("post", (string?)sent["phase"]);
        Assert.Equal("hello", (string?)sent["completion"]!["content"]);
    }

    public static TheoryData<int, string> Failures => new()
    {
        { 500, """{"error":{"type":"server_error","message":"boom"}}""" },
        { 401, """{"error":{"type":"unauthorized","message":"bad key"}}""" },
        { 200, "not json" },
        { 200, """{"results": []}""" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task CheckAsync_CheckFails_ThrowsUnavailable(int status, string body)
    {
        _backend.Enqueue("/v1/guardrails/check", new CannedResponse(status, body));

        await Assert.ThrowsAsync<GuardrailUnavailableException>(() => _services.GetRequiredService<IGuardrailClient>().CheckAsync(Pre()));
    }

    [Fact]
    public async Task CheckAsync_Timeout_ThrowsUnavailable()
    {
        _backend.Enqueue("/v1/guardrails/check", new CannedResponse(200, """{"passed": true, "results": []}""", Delay: TimeSpan.FromMinutes(5)));
        await using var services = BuildServices(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<GuardrailUnavailableException>(() => services.GetRequiredService<IGuardrailClient>().CheckAsync(Pre()));

        Assert.Contains("timed out", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Synchronous_UsesSameProtocol()
    {
        _backend.GuardrailResponder = _ => JsonNode.Parse("""{"passed": false, "results": [{"policy": "words", "passed": false, "action": "block"}]}""")!.AsObject();
        var client = _services.GetRequiredService<GuardrailClient>();

        var result = client.Check(Pre());

        Assert.True(result.Blocked);
        Assert.Single(_backend.RequestsTo("/v1/guardrails/check"));
    }

    [Fact]
    public void Check_SynchronousServerError_ThrowsUnavailable()
    {
        _backend.Enqueue("/v1/guardrails/check", new CannedResponse(503, "{}"));

        Assert.Throws<GuardrailUnavailableException>(() => _services.GetRequiredService<GuardrailClient>().Check(Pre()));
    }

    [Fact]
    public void GuardrailBlockedException_DerivesFromExceptionDirectly()
    {
        var ex = new GuardrailBlockedException(GuardrailPhase.Post, [new GuardrailResult { Policy = "pii", Passed = false, Action = "block", Reason = "email" }]);

        Assert.Equal(typeof(Exception), typeof(GuardrailBlockedException).BaseType);
        Assert.Equal(GuardrailPhase.Post, ex.Phase);
        Assert.Contains("pii: email", ex.Message, StringComparison.Ordinal);
    }
}
