using System.Text.Json.Nodes;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>One row of <c>GET /api/traces</c>.</summary>
internal record TraceSummaryResponse(
    string TraceId,
    string? Name,
    string? RootLogType,
    string? User,
    string? Model,
    IReadOnlyList<string> Models,
    long? TotalTokens,
    double? TotalCost,
    double Latency,
    string Status,
    string StartTime,
    long SpanCount,
    string? Environment);

/// <summary>One page of traces: <c>{"data", "page", "limit", "total"}</c>.</summary>
internal sealed record TraceListResponse(IReadOnlyList<TraceSummaryResponse> Data, int Page, int Limit, long Total);

/// <summary>
/// <c>GET /api/traces/{traceId}</c>: the summary's fields and one page of the spans, flat, in depth-first order
/// (<c>depth</c> 0 for roots), with the paging fields.
/// </summary>
internal sealed record TraceDetailResponse(
    string TraceId,
    string? Name,
    string? RootLogType,
    string? User,
    string? Model,
    IReadOnlyList<string> Models,
    long? TotalTokens,
    double? TotalCost,
    double Latency,
    string Status,
    string StartTime,
    long SpanCount,
    string? Environment,
    IReadOnlyList<SpanResponse> Spans,
    int SpanOffset,
    int SpanLimit,
    int SpanTotal,
    int? NextSpanOffset)
    : TraceSummaryResponse(TraceId, Name, RootLogType, User, Model, Models, TotalTokens, TotalCost, Latency, Status, StartTime, SpanCount, Environment);

/// <summary>One span of a trace: where it sits in the tree, when it ran (also as seconds from the trace's start) and its full event.</summary>
internal sealed record SpanResponse(
    string SpanId,
    string? ParentSpanId,
    int Depth,
    int ChildCount,
    string LogType,
    string Name,
    string StartTime,
    string EndTime,
    double StartOffset,
    double Latency,
    long? StatusCode,
    string Status,
    JsonNode? Event);

/// <summary><c>GET /api/stats</c>: how many batches, events and traces are stored.</summary>
internal sealed record StatsResponse(long Batches, long Events, long Traces);
