using Zespan.Extensions.Agents.Internal;

namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>How the GenAI attributes of framework spans are read (the shapes Microsoft.Extensions.AI and Semantic Kernel write).</summary>
public sealed class FrameworkSpanCaptureTests
{
    [Theory]
    [InlineData("stop", "stop")]
    [InlineData("Stop", "stop")]
    [InlineData("ToolCalls", "tool_calls")]
    [InlineData("tool_call", "tool_calls")]
    [InlineData("length", "length")]
    [InlineData("max_tokens", "length")]
    [InlineData("content_filter", "content_filter")]
    [InlineData("something_new", "something_new")]
    [InlineData(" ", null)]
    public void NormalizeFinishReason_FrameworkValues_WireValues(string reason, string? expected) =>
        Assert.Equal(expected, FrameworkSpanCapture.NormalizeFinishReason(reason));

    [Fact]
    public void FinishReasonsOf_ArrayOrJsonTextOrText_TheReasons()
    {
        Assert.Equal(["tool_calls"], FrameworkSpanCapture.FinishReasonsOf(new[] { "tool_calls" }));
        Assert.Equal(["ToolCalls", "Stop"], FrameworkSpanCapture.FinishReasonsOf("""["ToolCalls","Stop"]"""));
        Assert.Equal(["stop"], FrameworkSpanCapture.FinishReasonsOf("stop"));
        Assert.Empty(FrameworkSpanCapture.FinishReasonsOf(null));
        Assert.Empty(FrameworkSpanCapture.FinishReasonsOf("[not json"));
    }

    [Theory]
    [InlineData("openai", "openai")]
    [InlineData("azure.ai.openai", "openai")]
    [InlineData("gcp.gemini", "google")]
    [InlineData("aws.bedrock", "bedrock")]
    [InlineData("mistral_ai", "mistral")]
    [InlineData("Ollama", "ollama")]
    [InlineData(null, null)]
    public void ProviderOf_GenAiProviderNames_ZespanProviders(string? value, string? expected) =>
        Assert.Equal(expected, FrameworkSpanCapture.ProviderOf(value));

    [Fact]
    public void ParseToolDefinitions_SemconvAndFunctionShapes_NamesAndDescriptions()
    {
        var tools = FrameworkSpanCapture.ParseToolDefinitions("""[{"type":"function","name":"get_weather","description":"Gets the weather"},{"type":"function","function":{"name":"handoff_to_1"}}]""");

        Assert.NotNull(tools);
        Assert.Equal([new AgentTool("get_weather", "Gets the weather"), new AgentTool("handoff_to_1", "")], tools);
        Assert.Null(FrameworkSpanCapture.ParseToolDefinitions("not json"));
        Assert.Null(FrameworkSpanCapture.ParseToolDefinitions(null));
    }

    [Fact]
    public void ToolCallNames_OutputMessages_TheCalledTools() =>
        Assert.Equal(
            ["handoff_to_2"],
            FrameworkSpanCapture.ToolCallNames("""[{"role":"assistant","parts":[{"type":"text","content":"ok"},{"type":"tool_call","id":"c1","name":"handoff_to_2","arguments":{}}]}]"""));

    [Theory]
    [InlineData("Experimental.Microsoft.Agents.AI", true)]
    [InlineData("Microsoft.Agents.AI.Workflows", true)]
    [InlineData("Experimental.Microsoft.Extensions.AI", true)]
    [InlineData("Microsoft.SemanticKernel", true)]
    [InlineData("Microsoft.SemanticKernel.Diagnostics", true)]
    [InlineData("Microsoft.SemanticKernelX", false)]
    [InlineData("Zespan", false)]
    [InlineData("System.Net.Http", false)]
    public void IsFrameworkSource_Names_OnlyTheFrameworks(string name, bool expected) =>
        Assert.Equal(expected, AgentFrameworkSources.IsFrameworkSource(name));
}
