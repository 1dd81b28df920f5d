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

/// <summary><c>GET /api/traces/{traceId}</c>: the summary's fields and the span tree.</summary>
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
    JsonArray Spans)
    : TraceSummaryResponse(TraceId, Name, RootLogType, User, Model, Models, TotalTokens, TotalCost, Latency, Status, StartTime, SpanCount, Environment);

/// <summary><c>GET /api/stats</c>: how many batches, events and traces are stored.</summary>
internal sealed record StatsResponse(long Batches, long Events, long Traces);
