using System.Text.Json.Nodes;
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
        [FromQuery] string? q,
        [FromQuery] string? tag,
        [FromQuery] string? meta,
        [FromQuery(Name = "log_type")] string? logType,
        [FromQuery] string? provider,
        [FromQuery] string? session,
        [FromQuery] string? environment,
        [FromQuery] string? prompt,
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
            ZespanApi.InRange(limit, "limit", 50, 1, ZespanApi.MaxTraceLimit))
        {
            Search = ZespanApi.Optional(q),
            Tag = ZespanApi.Optional(tag),
            MetadataKey = ZespanApi.Optional(meta),
            LogType = ZespanApi.Optional(logType),
            Provider = ZespanApi.Optional(provider),
            Session = ZespanApi.Optional(session),
            Environment = ZespanApi.Optional(environment),
            Prompt = ZespanApi.Optional(prompt),
        };
        var (traces, total) = events.ListTraces(query);
        return TypedResults.Ok(new TraceListResponse(traces.Select(static t => t.ToResponse()).ToList(), query.Page, query.Limit, total));
    }

    /// <summary>The trace's summary and one page of its spans (<c>span_offset</c>, <c>span_limit</c>); 404 when no span of it is stored.</summary>
    public static Results<Ok<TraceDetailResponse>, NotFound<ErrorResponse>> GetTrace(
        string traceId,
        [FromQuery(Name = "span_offset")] int? spanOffset,
        [FromQuery(Name = "span_limit")] int? spanLimit,
        EventStore events)
    {
        var offset = ZespanApi.InRange(spanOffset, "span_offset", 0, 0, int.MaxValue);
        var limit = ZespanApi.InRange(spanLimit, "span_limit", ZespanApi.DefaultSpanLimit, 1, ZespanApi.MaxSpanLimit);
        if (events.GetTrace(traceId, offset, limit) is not { } page)
        {
            return TypedResults.NotFound(ErrorResponse.Of(ApiErrors.NotFound, $"no trace '{traceId}'"));
        }

        var s = page.Summary.ToResponse();
        var spans = new List<SpanResponse>(page.Spans.Count);
        foreach (var (row, depth, childCount) in page.Spans)
        {
            spans.Add(new SpanResponse(row.SpanId, row.ParentSpanId, depth, childCount, row.LogType, row.Name,
                Rfc3339.FromMicroseconds(row.StartUs), Rfc3339.FromMicroseconds(row.EndUs), (row.StartUs - page.Summary.StartUs) / 1_000_000.0,
                Math.Max(0, row.EndUs - row.StartUs) / 1_000_000.0, row.StatusCode, row.HasError ? "error" : "ok", JsonNode.Parse(row.Json)));
        }

        int? next = offset + spans.Count < page.SpanTotal && spans.Count > 0 ? offset + spans.Count : null;
        return TypedResults.Ok(new TraceDetailResponse(
            s.TraceId, s.Name, s.RootLogType, s.User, s.Model, s.Models, s.TotalTokens, s.TotalCost, s.Latency, s.Status, s.StartTime, s.SpanCount, s.Environment,
            spans, offset, limit, page.SpanTotal, next));
    }

    /// <summary>How many batches, events and traces are stored.</summary>
    public static Ok<StatsResponse> GetStats(EventStore events)
    {
        var (batches, stored) = events.Counts();
        return TypedResults.Ok(new StatsResponse(batches, stored, events.CountTraces()));
    }
}
