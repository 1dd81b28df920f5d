using System.ComponentModel;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>
/// Semantic Kernel (<c>Microsoft.SemanticKernel</c>) under <c>CaptureAgentFrameworks</c>: a kernel function-calling run
/// over the OpenAI connector and a fake OpenAI server. Kernel functions are <c>execute_tool</c> spans (the prompt
/// function too), model calls <c>chat</c> spans (with Semantic Kernel's GenAI diagnostics switch on).
/// </summary>
[Collection(AgentFrameworkCollection.Name)]
public sealed class SemanticKernelTests
{
    static SemanticKernelTests()
    {
        // Semantic Kernel's model-call spans and their content are off unless these switches are on (read once per process).
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics", true);
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnosticsSensitive", true);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KernelFunctionCalling_PromptFunctionThenGenerationToolGenerationUnderIt(bool instrumentHttp)
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp);
        var kernel = WeatherKernel(harness);

        var result = await kernel.InvokePromptAsync(FakeOpenAI.Question, new KernelArguments(new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        Assert.Equal(FakeOpenAI.Answer, result.ToString());
        var events = await harness.FlushAsync();
        var tools = events.OfType("tool");
        var prompt = Assert.Single(tools, static t => ((string?)t["name"])!.StartsWith("InvokePromptAsync_", StringComparison.Ordinal));
        var weather = Assert.Single(tools, static t => (string?)t["name"] == "get_weather");
        var generations = events.OfType("generation");
        Assert.Equal(2, harness.ModelCalls);
        Assert.Equal(harness.ModelCalls, generations.Count);
        Assert.All(generations, g => Assert.Equal(prompt.Id(), g.Parent()));
        Assert.Equal(prompt.Id(), weather.Parent());
        Assert.Null(prompt.Parent());

        var function = harness.Activity("execute_tool", "get_weather");
        Assert.Equal(function.SpanId.ToHexString(), weather.Id());
        Assert.All(events, e => Assert.Equal(function.TraceId.ToHexString(), (string?)e["trace_id"]));
        Assert.Equal("Paris", (string?)weather["tool"]!["arguments"]!["city"]);
        Assert.Equal("sunny in Paris", (string?)weather["tool"]!["result"]);
        Assert.All(generations, static g => Assert.Equal(FakeOpenAI.PromptTokens, (int?)g["prompt_tokens"]));
    }

    [Fact]
    public async Task KernelFunctionCalling_NotHttpInstrumented_GenerationsFromChatSpansWithContent()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: false);

        await WeatherKernel(harness).InvokePromptAsync(FakeOpenAI.Question, new KernelArguments(new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }));

        var generations = (await harness.FlushAsync()).OfType("generation").OrderBy(static g => (string?)g["start_time"], StringComparer.Ordinal).ToList();
        Assert.Equal(2, generations.Count);
        Assert.Equal("openai.chat", (string?)generations[0]["name"]);
        Assert.Equal("openai", (string?)generations[0]["provider"]);
        Assert.Equal("tool_calls", (string?)generations[0]["finish_reason"]);
        Assert.Equal(FakeOpenAI.Question, (string?)generations[0]["prompt_messages"]![0]!["content"]);
        Assert.Equal("get_weather", (string?)generations[0]["completion_message"]!["tool_calls"]![0]!["name"]);
        Assert.Equal("stop", (string?)generations[1]["finish_reason"]);
        Assert.Equal(FakeOpenAI.Answer, (string?)generations[1]["completion_message"]!["content"]);
        Assert.Equal("tool", (string?)generations[1]["prompt_messages"]!.AsArray()[^1]!["role"]);
    }

    private static Kernel WeatherKernel(FrameworkHarness harness)
    {
        var builder = Kernel.CreateBuilder();
        builder.AddOpenAIChatCompletion(FakeOpenAI.Model, harness.OpenAI);
        builder.Plugins.AddFromType<WeatherPlugin>("Weather");
        return builder.Build();
    }

    /// <summary>The kernel's one function.</summary>
    public sealed class WeatherPlugin
    {
        [KernelFunction("get_weather")]
        [Description("Gets the weather")]
        public string GetWeather(string city) => "sunny in " + city;
    }
}
