using System.Text.Json.Nodes;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>One session (<c>thread_identifier</c>) or user, summed over its traces.</summary>
internal sealed record GroupResponse(
    string Id,
    string? User,
    string FirstTime,
    string LastTime,
    long Traces,
    long LlmCalls,
    long? TotalTokens,
    double? TotalCost,
    long UnpricedCalls);

/// <summary>A page of sessions or users: <c>{"data", "page", "limit", "total"}</c>.</summary>
internal sealed record GroupListResponse(IReadOnlyList<GroupResponse> Data, int Page, int Limit, long Total);

/// <summary><c>GET /api/sessions/{id}</c>: the session and its turns (traces) in order, each with the steps of its conversation.</summary>
internal sealed record SessionResponse(GroupResponse Session, IReadOnlyList<TurnResponse> Turns, bool Truncated);

/// <summary>One turn: a trace of the session and what happened in it, in order.</summary>
internal sealed record TurnResponse(string TraceId, string? Name, string StartTime, string Status, string? User, long? TotalTokens, double? TotalCost, IReadOnlyList<StepResponse> Steps);

/// <summary>
/// One step of a turn: a generation (<c>prompt</c> is its last user message, <c>completion</c> the answer, with <c>tool_calls</c>),
/// a tool (<c>arguments</c>, <c>result</c>), a guardrail check (<c>passed</c>, <c>results</c>) or a handoff.
/// </summary>
internal sealed record StepResponse(
    string SpanId,
    string Kind,
    string Name,
    string StartTime,
    string Status,
    string? Model,
    string? Prompt,
    string? Completion,
    JsonNode? ToolCalls,
    JsonNode? Arguments,
    JsonNode? Result,
    bool? Passed,
    JsonNode? Results);
