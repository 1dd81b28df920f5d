using System.ComponentModel;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>
/// Microsoft Agent Framework (<c>Microsoft.Agents.AI</c>) under <c>CaptureAgentFrameworks</c>: a <see cref="ChatClientAgent"/>
/// with a function tool, over the OpenAI IChatClient and a fake OpenAI server, gives agent → generation, tool, generation,
/// one generation per model call whichever layer records it, with the framework's trace and span ids.
/// </summary>
[Collection(AgentFrameworkCollection.Name)]
public sealed class AgentFrameworkTests
{
    private const string Question = "What is the weather in Paris?";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ChatClientAgent_FunctionTool_AgentThenGenerationToolGenerationUnderIt(bool instrumentHttp)
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp);
        var agent = WeatherAgent(harness);

        var response = await agent.RunAsync(Question);

        Assert.Equal(FakeOpenAI.Answer, response.Text);
        var events = await harness.FlushAsync();
        var agentEvent = Assert.Single(events.OfType("agent"));
        var tool = Assert.Single(events.OfType("tool"));
        var generations = events.OfType("generation");
        Assert.Equal(2, harness.ModelCalls);
        Assert.Equal(harness.ModelCalls, generations.Count);
        Assert.All(generations, g => Assert.Equal(agentEvent.Id(), g.Parent()));
        Assert.Equal(agentEvent.Id(), tool.Parent());
        Assert.Equal(["tool_calls", "stop"], generations.OrderBy(static g => (string?)g["start_time"], StringComparer.Ordinal).Select(static g => (string?)g["finish_reason"]));

        // The framework's ids: the agent's and the tool's events are its spans; every event is in its trace.
        var invoke = harness.Activity("invoke_agent");
        var execute = harness.Activity("execute_tool");
        Assert.Equal(invoke.SpanId.ToHexString(), agentEvent.Id());
        Assert.Equal(execute.SpanId.ToHexString(), tool.Id());
        Assert.All(events, e => Assert.Equal(invoke.TraceId.ToHexString(), (string?)e["trace_id"]));
        Assert.Null(agentEvent.Parent());

        Assert.Equal("weather-agent", (string?)agentEvent["name"]);
        Assert.Equal("weather-agent", (string?)agentEvent["agent"]!["name"]);
        Assert.Equal("microsoft-agent-framework", (string?)agentEvent["agent"]!["framework"]);
        Assert.Equal("get_weather", (string?)agentEvent["agent"]!["tools"]![0]!["name"]);
        Assert.Equal("Knows the weather", (string?)agentEvent["metadata"]!["agent_description"]);
        Assert.NotNull((string?)agentEvent["metadata"]!["agent_id"]);
        Assert.Equal("get_weather", (string?)tool["name"]);
        Assert.Equal("get_weather", (string?)tool["tool"]!["name"]);
        Assert.Equal("call_get_weather", (string?)tool["metadata"]!["tool_call_id"]);
        Assert.All(generations, g =>
        {
            Assert.Equal(FakeOpenAI.PromptTokens, (int?)g["prompt_tokens"]);
            Assert.Equal(FakeOpenAI.CompletionTokens, (int?)g["completion_tokens"]);
            Assert.Equal(FakeOpenAI.Model, (string?)g["model"]);
        });
    }

    [Fact]
    public async Task ChatClientAgent_HttpInstrumented_GenerationsAreTheHandlersAndChatSpansAddNothing()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true);

        await WeatherAgent(harness).RunAsync(Question);

        var generations = (await harness.FlushAsync()).OfType("generation");
        var chatSpans = harness.Activities.Where(static a => (string?)a.GetTagItem("gen_ai.operation.name") == "chat").Select(static a => (string?)a.SpanId.ToHexString()).ToHashSet();
        Assert.Equal(2, chatSpans.Count);
        Assert.All(generations, g =>
        {
            Assert.Equal("litellm", (string?)g["provider"]); // the HTTP handler's view of the fake endpoint
            Assert.DoesNotContain(g.Id(), chatSpans);
            Assert.Equal(FakeOpenAI.Question, (string?)g["prompt_messages"]!.AsArray().Last(static m => (string?)m!["role"] == "user")!["content"]);
        });
    }

    [Fact]
    public async Task ChatClientAgent_NotHttpInstrumented_GenerationsComeFromTheChatSpans()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: false);

        await WeatherAgent(harness).RunAsync(Question);

        var generations = (await harness.FlushAsync()).OfType("generation");
        var chatSpans = harness.Activities.Where(static a => (string?)a.GetTagItem("gen_ai.operation.name") == "chat").Select(static a => (string?)a.SpanId.ToHexString()).ToHashSet();
        Assert.Equal(chatSpans, generations.Select(static g => g.Id()).ToHashSet());
        Assert.All(generations, g =>
        {
            Assert.Equal("openai", (string?)g["provider"]);
            Assert.Equal("openai.chat", (string?)g["name"]);
            Assert.Equal(FakeOpenAI.ResponseModel, (string?)g["response_model"]);
            Assert.Equal(FakeOpenAI.PromptTokens + FakeOpenAI.CompletionTokens, (int?)g["total_tokens"]);
            Assert.Null(g["prompt_messages"]); // the framework records no content without EnableSensitiveData
        });
    }

    [Fact]
    public async Task ChatClientAgent_SensitiveDataOn_ContentInstructionsPlanAndRedaction()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: false);

        await WeatherAgent(harness, sensitive: true).RunAsync(Question);

        var events = await harness.FlushAsync();
        var agentEvent = Assert.Single(events.OfType("agent"));
        var plan = Assert.Single(events.OfType("plan"));
        Assert.Equal(agentEvent.Id(), plan.Parent());
        Assert.Equal(["You answer weather questions.", "Never reveal the api_key: [REDACTED]"], plan["plan"]!.AsArray().Select(static s => (string?)s));
        var tool = Assert.Single(events.OfType("tool"));
        Assert.Equal("Paris", (string?)tool["tool"]!["arguments"]!["city"]);
        Assert.Equal("sunny in Paris; token=[REDACTED]", (string?)tool["tool"]!["result"]);
        var first = events.OfType("generation").OrderBy(static g => (string?)g["start_time"], StringComparer.Ordinal).First();
        var prompt = first["prompt_messages"]!.AsArray();
        Assert.Equal("system", (string?)prompt[0]!["role"]);
        Assert.Contains("api_key: [REDACTED]", (string?)prompt[0]!["content"], StringComparison.Ordinal);
        Assert.Equal(Question, (string?)prompt[1]!["content"]);
        Assert.Equal("get_weather", (string?)first["completion_message"]!["tool_calls"]![0]!["name"]);
        Assert.DoesNotContain("sk-live-123", string.Concat(events.Select(static e => e.ToJsonString())), StringComparison.Ordinal);
        Assert.DoesNotContain("token=abc123", string.Concat(events.Select(static e => e.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatClientAgent_StorePromptsOff_NoContentOnAnyEvent()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: false, o => o.StorePrompts = false);

        await WeatherAgent(harness, sensitive: true).RunAsync(Question);

        var events = await harness.FlushAsync();
        Assert.Empty(events.OfType("plan"));
        var tool = Assert.Single(events.OfType("tool"));
        Assert.Null(tool["tool"]!["arguments"]);
        Assert.Null(tool["tool"]!["result"]);
        Assert.All(events.OfType("generation"), static g =>
        {
            Assert.Null(g["prompt_messages"]);
            Assert.Null(g["completion_message"]);
        });
        Assert.DoesNotContain("Paris", string.Concat(events.Select(static e => e.ToJsonString())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatClientAgent_ToolThrows_ToolEventCarriesTheError()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true);
        var failing = AIFunctionFactory.Create([Description("Always fails")] (string city) => ThrowFor(city), "fail_tool");
        var agent = new ChatClientAgent(harness.OpenAI.GetChatClient(FakeOpenAI.Model).AsIChatClient(), name: "failing-agent", tools: [failing])
            .AsBuilder().UseOpenTelemetry().Build();

        await agent.RunAsync(Question);

        var tool = Assert.Single((await harness.FlushAsync()).OfType("tool"));
        Assert.Equal(500, (int?)tool["status_code"]);
        Assert.Equal("System.InvalidOperationException", (string?)tool["error"]!["type"]);
    }

    [Fact]
    public async Task ZespanSpanInsideATool_IsACustomChildOfTheTool()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true);
        var tracer = harness.Tracer;
        var traced = AIFunctionFactory.Create([Description("Gets the weather")] (string city) =>
        {
            using var span = tracer.StartSpan("weather-lookup");
            return "sunny in " + city;
        }, "get_weather");
        var agent = new ChatClientAgent(harness.OpenAI.GetChatClient(FakeOpenAI.Model).AsIChatClient(), name: "weather-agent", tools: [traced])
            .AsBuilder().UseOpenTelemetry().Build();

        await agent.RunAsync(Question);

        var events = await harness.FlushAsync();
        var tool = Assert.Single(events.OfType("tool"));
        var span = events.Named("custom", "weather-lookup");
        Assert.Equal(tool.Id(), span.Parent());
        Assert.Equal((string?)tool["trace_id"], (string?)span["trace_id"]);
    }

    [Fact]
    public async Task AgentRunInsideZespanSpanAndScope_AgentIsItsChildAndCarriesTheUser()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true);
        var context = harness.Services.GetRequiredService<IZespanContextAccessor>();

        using (context.BeginScope(userId: "user-7", sessionId: "session-7"))
        using (harness.Tracer.StartSpan("support-request"))
        {
            await WeatherAgent(harness).RunAsync(Question);
        }

        var events = await harness.FlushAsync();
        var root = events.Named("workflow", "support-request");
        var agentEvent = Assert.Single(events.OfType("agent"));
        Assert.Equal(root.Id(), agentEvent.Parent());
        Assert.All(events, e =>
        {
            Assert.Equal((string?)root["trace_id"], (string?)e["trace_id"]);
            Assert.Equal("user-7", (string?)e["customer_identifier"]);
            Assert.Equal("session-7", (string?)e["thread_identifier"]);
        });
    }

    [Fact]
    public async Task SampledOut_NothingRecordedAndTheAgentStillAnswers()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true, o => o.SampleRate = 0);

        var response = await WeatherAgent(harness).RunAsync(Question);

        Assert.Equal(FakeOpenAI.Answer, response.Text);
        Assert.Empty(await harness.FlushAsync());
    }

    [Fact]
    public async Task ZespanDisabled_NothingRecordedAndTheAgentStillAnswers()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true, o => o.Enabled = false);

        var response = await WeatherAgent(harness).RunAsync(Question);

        Assert.Equal(FakeOpenAI.Answer, response.Text);
        await harness.Services.GetRequiredService<IZespanClient>().FlushAsync();
        Assert.Empty(harness.Backend.Events);
    }

    [Fact]
    public async Task WithoutCaptureAgentFrameworks_OnlyTheHttpGenerations()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true, capture: false);

        await WeatherAgent(harness).RunAsync(Question);

        var events = await harness.FlushAsync();
        Assert.Equal(2, events.Count);
        Assert.All(events, static e => Assert.Equal("generation", (string?)e["log_type"]));
    }

    [Fact]
    public async Task CaptureAgentFrameworks_CalledTwice_OneEventPerSpan()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true, zespan: static z => z.CaptureAgentFrameworks().CaptureAgentFrameworks());

        await WeatherAgent(harness).RunAsync(Question);

        var events = await harness.FlushAsync();
        Assert.Single(events.OfType("agent"));
        Assert.Equal(2, events.OfType("generation").Count);
    }

    internal static AIAgent WeatherAgent(FrameworkHarness harness, bool sensitive = false)
    {
        var tool = AIFunctionFactory.Create([Description("Gets the weather")] (string city) => $"sunny in {city}; token=abc123", "get_weather");
        return new ChatClientAgent(
                harness.OpenAI.GetChatClient(FakeOpenAI.Model).AsIChatClient(),
                instructions: "You answer weather questions.\nNever reveal the api_key: sk-live-123",
                name: "weather-agent",
                description: "Knows the weather",
                tools: [tool])
            .AsBuilder()
            .UseOpenTelemetry(configure: a => a.EnableSensitiveData = sensitive)
            .Build();
    }

    private static string ThrowFor(string city) => throw new InvalidOperationException("no weather for " + city);
}
