using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>Sessions (<c>thread_identifier</c>) and users: <c>GET /api/sessions</c>, <c>GET /api/sessions/{id}</c>, <c>GET /api/users</c>.</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/sessions", List);
        api.MapGet("/sessions/{id}", Get);
        api.MapGet("/users", Users);
    }

    /// <summary>Sessions, the most recently active first, with user, first and last time, turns, tokens and cost.</summary>
    public static Ok<GroupListResponse> List([FromQuery] string? user, [FromQuery] int? page, [FromQuery] int? limit, SessionQueries sessions)
    {
        var p = ZespanApi.InRange(page, "page", 1, 1, int.MaxValue / ZespanApi.MaxTraceLimit);
        var l = ZespanApi.InRange(limit, "limit", 50, 1, ZespanApi.MaxTraceLimit);
        var (rows, total) = sessions.Sessions(ZespanApi.Optional(user), p, l);
        return TypedResults.Ok(new GroupListResponse(rows.Select(ToResponse).ToList(), p, l, total));
    }

    /// <summary>Users, the most recently seen first, with traces, LLM calls, tokens and cost.</summary>
    public static Ok<GroupListResponse> Users([FromQuery] int? page, [FromQuery] int? limit, SessionQueries sessions)
    {
        var p = ZespanApi.InRange(page, "page", 1, 1, int.MaxValue / ZespanApi.MaxTraceLimit);
        var l = ZespanApi.InRange(limit, "limit", 50, 1, ZespanApi.MaxTraceLimit);
        var (rows, total) = sessions.Users(p, l);
        return TypedResults.Ok(new GroupListResponse(rows.Select(ToResponse).ToList(), p, l, total));
    }

    /// <summary>The conversation of a session across its traces, in order; 404 when no trace has that session.</summary>
    public static Results<Ok<SessionResponse>, NotFound<ErrorResponse>> Get(string id, SessionQueries sessions)
    {
        if (sessions.Session(id) is not { } found)
        {
            return TypedResults.NotFound(ErrorResponse.Of(ApiErrors.NotFound, $"no session '{id}'"));
        }

        var byTrace = found.Spans.GroupBy(static s => s.TraceId, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => g.ToList(), StringComparer.Ordinal);
        var turns = new List<TurnResponse>(found.Turns.Count);
        foreach (var trace in found.Turns)
        {
            var steps = byTrace.TryGetValue(trace.TraceId, out var spans) ? spans.Select(Step).ToList() : [];
            turns.Add(new TurnResponse(trace.TraceId, trace.Name, Rfc3339.FromMicroseconds(trace.StartUs), trace.HasError ? "error" : "ok", trace.User,
                trace.TotalTokens, trace.TotalCost, steps));
        }

        return TypedResults.Ok(new SessionResponse(ToResponse(found.Session), turns, found.Session.Traces > turns.Count));
    }

    private static StepResponse Step(ReplaySpan span)
    {
        var e = span.Event as JsonObject ?? [];
        var kind = span.LogType is "response" ? "generation" : span.LogType;
        string? prompt = null, completion = null;
        JsonNode? toolCalls = null, arguments = null, result = null, results = null;
        bool? passed = null;
        switch (kind)
        {
            case "generation":
                if (e["prompt_messages"] is JsonArray messages)
                {
                    prompt = messages.OfType<JsonObject>().LastOrDefault(static m => (string?)m["role"] == "user") is { } last ? HttpJson.ContentText(last["content"]) : null;
                }

                if (e["completion_message"] is JsonObject answer)
                {
                    completion = HttpJson.ContentText(answer["content"]);
                    toolCalls = answer["tool_calls"]?.DeepClone();
                }

                break;
            case "tool":
                arguments = e["tool"]?["arguments"]?.DeepClone();
                result = e["tool"]?["result"]?.DeepClone();
                break;
            case "guardrail":
                passed = e["guardrail"]?["passed"] is JsonValue p && p.TryGetValue<bool>(out var ok) ? ok : null;
                results = e["guardrail"]?["results"]?.DeepClone();
                break;
            case "handoff":
                arguments = e["handoff"]?.DeepClone();
                break;
        }

        return new StepResponse(span.SpanId, kind, span.Name, Rfc3339.FromMicroseconds(span.StartUs), span.HasError ? "error" : "ok",
            e["model"] is JsonValue m && m.TryGetValue<string>(out var model) ? model : null, prompt, completion, toolCalls, arguments, result, passed, results);
    }

    private static GroupResponse ToResponse(GroupRow row) =>
        new(row.Id, row.User, Rfc3339.FromMicroseconds(row.FirstUs), Rfc3339.FromMicroseconds(row.LastUs), row.Traces, row.LlmCalls, row.Tokens, row.Cost, row.UnpricedCalls);
}
