using System.ClientModel;
using System.ComponentModel;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// Tests that run Microsoft Agent Framework with <c>CaptureAgentFrameworks</c>: its listener is process-wide, so they run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AgentFrameworkCollection
{
    public const string Name = "Agent framework ActivitySource listeners";
}

/// <summary>
/// The <c>IChatClient</c> middleware under a Microsoft Agent Framework agent with <c>CaptureAgentFrameworks</c>: the
/// middleware's generation is the one generation of each model call, nested under the agent, whether the framework's chat
/// span is inside the middleware's call or around it.
/// </summary>
[Collection(AgentFrameworkCollection.Name)]
public sealed class AgentFrameworkMiddlewareTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatClientAgent_ZespanMiddleware_OneGenerationPerModelCallUnderTheAgent(bool middlewareOutsideChatSpan)
    {
        await using var openAI = await FakeOpenAI.StartAsync();
        await using var harness = await ZespanTestHost.StartChatAsync(services: static s => s.AddZespan(_ => { }).CaptureAgentFrameworks());
        _ = harness.Tracer; // starts the capture
        var client = new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = new Uri(openAI.BaseUrl, "v1") });
        var leaf = client.GetChatClient(FakeOpenAI.Model).AsIChatClient();

        // Inside: the agent's own chat span sits above the leaf, the middleware below it. Outside: a chat span of
        // UseOpenTelemetry() below the middleware, so the framework span starts inside the middleware's call.
        var chat = middlewareOutsideChatSpan ? harness.Wrap(leaf.AsBuilder().UseOpenTelemetry().Build()) : harness.Wrap(leaf);
        var tool = AIFunctionFactory.Create([Description("Gets the weather")] (string city) => "sunny in " + city, "get_weather");
        var agent = new ChatClientAgent(chat, name: "weather-agent", tools: [tool]).AsBuilder().UseOpenTelemetry().Build();

        var response = await agent.RunAsync(FakeOpenAI.Question);

        Assert.Equal(FakeOpenAI.Answer, response.Text);
        var events = await harness.FlushAsync();
        var agentEvent = Assert.Single(events, static e => (string?)e["log_type"] == "agent");
        var generations = events.Where(static e => (string?)e["log_type"] == "generation").ToList();
        Assert.Equal(2, FakeOpenAI.Calls(openAI).Count);
        Assert.Equal(2, generations.Count);
        Assert.All(generations, g =>
        {
            Assert.Equal((string?)agentEvent["span_id"], (string?)g["parent_span_id"]);
            Assert.Equal("openai.chat", (string?)g["name"]);
            Assert.Equal(FakeOpenAI.Question, (string?)g["prompt_messages"]![0]!["content"]); // the middleware's capture
        });
        var toolEvent = Assert.Single(events, static e => (string?)e["log_type"] == "tool");
        Assert.Equal((string?)agentEvent["span_id"], (string?)toolEvent["parent_span_id"]);
    }
}
