using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>The read API under <c>/api</c>: the viewer's trace list, one trace, and counts.</summary>
internal static class ReadEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/traces", ListTraces);
        api.MapGet("/traces/{traceId}", GetTrace);
        api.MapGet("/stats", GetStats);
    }

    /// <summary>One row per trace, newest first, filtered by user, model, status and start time.</summary>
    public static Ok<TraceListResponse> ListTraces(
        [FromQuery] string? user,
        [FromQuery] string? model,
        [FromQuery] string? status,
        [FromQuery] QueryTime? from,
        [FromQuery] QueryTime? to,
        [FromQuery] int? page,
        [FromQuery] int? limit,
        EventStore events)
    {
        bool? error = ZespanApi.Optional(status) switch
        {
            null => null,
            "ok" => false,
            "error" => true,
            _ => throw ApiException.BadRequest("status must be ok or error"),
        };

        var query = new TraceQuery(
            ZespanApi.Optional(user),
            ZespanApi.Optional(model),
            error,
            from?.Microseconds,
            to?.Microseconds,
            ZespanApi.InRange(page, "page", 1, 1, int.MaxValue / ZespanApi.MaxTraceLimit),
            ZespanApi.InRange(limit, "limit", 50, 1, ZespanApi.MaxTraceLimit));
        var (traces, total) = events.ListTraces(query);
        return TypedResults.Ok(new TraceListResponse(traces.Select(static t => t.ToResponse()).ToList(), query.Page, query.Limit, total));
    }

    /// <summary>The trace's summary and its span tree; 404 when no span of it is stored.</summary>
    public static Results<Ok<TraceDetailResponse>, NotFound<ErrorResponse>> GetTrace(string traceId, EventStore events)
    {
        var spans = events.GetTraceSpans(traceId);
        if (spans.Count == 0)
        {
            return TypedResults.NotFound(ErrorResponse.Of(ApiErrors.NotFound, $"no trace '{traceId}'"));
        }

        var tree = EventStore.BuildTree(spans);
        var s = EventStore.Summarize(traceId, spans, tree).ToResponse();
        return TypedResults.Ok(new TraceDetailResponse(
            s.TraceId, s.Name, s.RootLogType, s.User, s.Model, s.Models, s.TotalTokens, s.TotalCost, s.Latency, s.Status, s.StartTime, s.SpanCount, s.Environment, tree));
    }

    /// <summary>How many batches, events and traces are stored.</summary>
    public static Ok<StatsResponse> GetStats(EventStore events)
    {
        var (batches, stored) = events.Counts();
        var (_, traces) = events.ListTraces(new TraceQuery(null, null, null, null, null, 1, 1));
        return TypedResults.Ok(new StatsResponse(batches, stored, traces));
    }
}
