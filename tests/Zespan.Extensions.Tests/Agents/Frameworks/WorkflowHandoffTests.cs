using Microsoft.Agents.AI;
using Microsoft.Agents.AI.Workflows;
using Microsoft.Extensions.AI;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Agents.Frameworks;

/// <summary>
/// A Microsoft Agent Framework handoff workflow (<c>Microsoft.Agents.AI.Workflows</c>) of two agents under
/// <c>CaptureAgentFrameworks</c>: the triage agent's model call asks for the handoff, the billing agent answers, and the
/// transfer is a <c>handoff</c> event of the triage agent.
/// </summary>
[Collection(AgentFrameworkCollection.Name)]
public sealed class WorkflowHandoffTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HandoffWorkflow_TwoAgents_HandoffEventFromTriageToBillingAndOneGenerationPerCall(bool instrumentHttp)
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp);
        var chat = harness.OpenAI.GetChatClient(FakeOpenAI.Model).AsIChatClient();
        var triage = new ChatClientAgent(chat, instructions: "Route the request.", name: "triage", description: "Routes requests").AsBuilder().UseOpenTelemetry().Build();
        var billing = new ChatClientAgent(chat, instructions: "Answer billing questions.", name: "billing", description: "Handles billing questions").AsBuilder().UseOpenTelemetry().Build();
        var workflow = AgentWorkflowBuilder.CreateHandoffBuilderWith(triage).WithHandoff(triage, billing).Build();

        string? answer = null;
        using (harness.Tracer.StartSpan("support-workflow"))
        {
            await using var run = await InProcessExecution.RunStreamingAsync(workflow, new List<ChatMessage> { new(ChatRole.User, "I was charged twice.") });
            await run.TrySendMessageAsync(new TurnToken(emitEvents: true));
            await foreach (var update in run.WatchStreamAsync())
            {
                if (update is AgentResponseUpdateEvent { Update.Text: { Length: > 0 } text })
                {
                    answer += text;
                }
            }
        }

        Assert.Equal(FakeOpenAI.Answer, answer);
        var events = await harness.FlushAsync();
        var root = events.Named("workflow", "support-workflow");
        var triageEvent = events.Named("agent", "triage");
        var billingEvent = events.Named("agent", "billing");
        Assert.Equal(root.Id(), triageEvent.Parent());
        Assert.Equal(root.Id(), billingEvent.Parent());
        var handoff = Assert.Single(events.OfType("handoff"));
        Assert.Equal(triageEvent.Id(), handoff.Parent());
        Assert.Equal("triage", (string?)handoff["handoff"]!["from"]);
        Assert.Equal("billing", (string?)handoff["handoff"]!["to"]);
        Assert.Equal((string?)billingEvent["start_time"], (string?)handoff["start_time"]); // the transfer is when billing starts

        var generations = events.OfType("generation");
        Assert.Equal(2, harness.ModelCalls);
        Assert.Equal(harness.ModelCalls, generations.Count);
        Assert.Single(generations, g => g.Parent() == triageEvent.Id());
        Assert.Single(generations, g => g.Parent() == billingEvent.Id());
        Assert.All(events, e => Assert.Equal((string?)root["trace_id"], (string?)e["trace_id"]));
        Assert.Contains(triageEvent["agent"]!["tools"]!.AsArray(), static t => ((string?)t!["name"])!.StartsWith("handoff_to_", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TwoAgentsRunOneAfterTheOther_WithoutAHandoffRequest_NoHandoffEvent()
    {
        await using var harness = await FrameworkHarness.StartAsync(instrumentHttp: true);
        var first = AgentFrameworkTests.WeatherAgent(harness);
        var second = AgentFrameworkTests.WeatherAgent(harness);

        using (harness.Tracer.StartSpan("two-runs"))
        {
            await first.RunAsync(FakeOpenAI.Question);
            await second.RunAsync(FakeOpenAI.Question);
        }

        var events = await harness.FlushAsync();
        Assert.Equal(2, events.OfType("agent").Count);
        Assert.Empty(events.OfType("handoff"));
    }
}
