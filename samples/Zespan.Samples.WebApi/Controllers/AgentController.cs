using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using OpenAI.Chat;
using Zespan.Extensions;
using Zespan.Samples.WebApi.Services;

namespace Zespan.Samples.WebApi.Controllers;

/// <summary>
/// A small multi-agent run, traced as one tree: a triage agent logs its plan, asks the model which tool to call,
/// runs two tools, and hands the case to a billing agent, which writes the reply with a second model call.
/// </summary>
[ApiController]
[Route("agent")]
public sealed class AgentController(
    SupportBot bot,
    OrderBook orders,
    RefundPolicy refunds,
    IZespanTracer tracer) : ControllerBase
{
    private static readonly string[] Plan =
    [
        "ask the model which order to look up",
        "look up the order",
        "check the refund policy",
        "hand the case to billing",
    ];

    private static readonly ChatTool LookupOrderTool = ChatTool.CreateFunctionTool(
        "lookup_order",
        "Finds a customer's order by its id.",
        BinaryData.FromString("""{"type":"object","properties":{"order_id":{"type":"string","description":"The order id, like A-1001."}},"required":["order_id"]}"""));

    /// <summary>Runs the agents on one message.</summary>
    /// <param name="request">The user's message; <c>order_id=A-1001</c> names an order.</param>
    /// <param name="cancellationToken">The request's token.</param>
    /// <returns>The billing agent's reply and what the agents did.</returns>
    [HttpPost]
    [ProducesResponseType<AgentReply>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status502BadGateway)]
    public async Task<ActionResult<AgentReply>> Run([FromBody] AgentRequest request, CancellationToken cancellationToken)
    {
        // The request's user and session are on every event already (AddAspNetCore).
        using var triage = tracer.StartAgent("support-triage", role: "triage",
            tools: [new AgentTool("lookup_order", "Finds an order by id"), new AgentTool("check_refund_policy", "Decides whether an order is refundable")]);
        Response.Headers[SampleHeaders.TraceId] = triage.TraceId;
        triage.LogPlan(Plan);

        // 1. The model picks the tool and its arguments (a generation, child of the agent).
        List<ChatMessage> messages =
        [
            new SystemChatMessage("You triage support requests. Call lookup_order with the order the customer mentions."),
            new UserChatMessage(request.Message),
        ];
        ChatCompletion choice = await bot.CompleteAsync(messages, new ChatCompletionOptions
        {
            Tools = { LookupOrderTool },
            ToolChoice = ChatToolChoice.CreateRequiredChoice(),
        }, cancellationToken);

        if (choice.ToolCalls.Count == 0)
        {
            return Problem(statusCode: StatusCodes.Status502BadGateway, title: "The model did not call a tool",
                detail: "The triage model answered without calling lookup_order.");
        }

        ChatToolCall call = choice.ToolCalls[0];
        var orderId = ReadOrderId(call.FunctionArguments) ?? "unknown";

        // 2. Two tools, each a child span with its arguments and result.
        var order = await triage.TraceToolAsync("lookup_order", new { order_id = orderId }, () => orders.FindAsync(orderId, cancellationToken));
        var decision = await triage.TraceToolAsync("check_refund_policy", new { order_id = order.OrderId, status = order.Status, delivered_days_ago = order.DeliveredDaysAgo },
            () => refunds.CheckAsync(order, cancellationToken));

        // 3. The handoff, then the billing agent writes the reply from the tool result (a second generation).
        triage.DelegateTo("billing", decision.Eligible ? "refund within policy" : "refund needs a human decision");
        using var billing = tracer.StartAgent("billing", role: "specialist");
        var toolResult = JsonSerializer.Serialize(new { order, refund = decision }, JsonSerializerOptions.Web);
        messages.Add(new AssistantChatMessage(choice));
        messages.Add(new ToolChatMessage(call.Id, toolResult));
        ChatCompletion answer = await bot.CompleteAsync(messages, cancellationToken: cancellationToken);

        return new AgentReply(
            string.Concat(answer.Content.Select(static part => part.Text)),
            triage.TraceId,
            Plan,
            [
                new ToolCallSummary("lookup_order", call.FunctionArguments.ToString(), JsonSerializer.Serialize(order, JsonSerializerOptions.Web)),
                new ToolCallSummary("check_refund_policy", JsonSerializer.Serialize(new { order_id = order.OrderId }, JsonSerializerOptions.Web), JsonSerializer.Serialize(decision, JsonSerializerOptions.Web)),
            ],
            billing.Name);
    }

    private static string? ReadOrderId(BinaryData arguments)
    {
        try
        {
            using var document = JsonDocument.Parse(arguments);
            return document.RootElement.TryGetProperty("order_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null; // models do send broken JSON
        }
    }
}
