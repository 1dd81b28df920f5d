using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

internal sealed partial class ZespanApi
{
    /// <summary>
    /// <c>GET /api/traces?user=&amp;model=&amp;status=ok|error&amp;from=&amp;to=&amp;page=&amp;limit=</c>: one row per trace,
    /// newest first, as <c>{"data", "page", "limit", "total"}</c>.
    /// </summary>
    private async Task ListTracesAsync(HttpContext context)
    {
        var status = QueryString(context, "status");
        bool? error = status switch
        {
            null => null,
            "ok" => false,
            "error" => true,
            _ => throw ApiException.BadRequest("status must be ok or error"),
        };

        var query = new TraceQuery(
            QueryString(context, "user"),
            QueryString(context, "model"),
            error,
            QueryTime(context, "from"),
            QueryTime(context, "to"),
            QueryInt(context, "page", 1, 1, int.MaxValue / MaxTraceLimit),
            QueryInt(context, "limit", 50, 1, MaxTraceLimit));
        var (traces, total) = events.ListTraces(query);
        var data = new JsonArray();
        foreach (var trace in traces)
        {
            data.Add((JsonNode)Summary(trace));
        }

        var answer = new JsonObject { ["data"] = data, ["page"] = query.Page, ["limit"] = query.Limit, ["total"] = total };
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/traces/{traceId}</c>: the trace's summary and its span tree (<c>spans</c>: roots with nested <c>children</c>).</summary>
    private async Task GetTraceAsync(HttpContext context)
    {
        var traceId = RouteString(context, "traceId");
        var spans = events.GetTraceSpans(traceId);
        if (spans.Count == 0)
        {
            throw ApiException.NotFound($"no trace '{traceId}'");
        }

        var tree = EventStore.BuildTree(spans);
        var answer = Summary(Summarize(traceId, spans, tree));
        answer["spans"] = tree;
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    /// <summary><c>GET /api/stats</c>: how many batches, events and traces are stored.</summary>
    private async Task GetStatsAsync(HttpContext context)
    {
        var (batches, stored) = events.Counts();
        var (_, traces) = events.ListTraces(new TraceQuery(null, null, null, null, null, 1, 1));
        var answer = new JsonObject { ["batches"] = batches, ["events"] = stored, ["traces"] = traces };
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    private static TraceSummary Summarize(string traceId, IReadOnlyList<SpanRow> spans, JsonArray tree)
    {
        long start = long.MaxValue, end = long.MinValue;
        long? tokens = null;
        double? cost = null;
        string? user = null, environment = null;
        var error = false;
        var models = new List<string>();
        foreach (var span in spans)
        {
            start = Math.Min(start, span.StartUs);
            end = Math.Max(end, span.EndUs);
            error |= span.HasError;
            if (span.CustomerIdentifier is not null && (user is null || string.CompareOrdinal(span.CustomerIdentifier, user) < 0))
            {
                user = span.CustomerIdentifier;
            }

            if (span.Environment is not null && (environment is null || string.CompareOrdinal(span.Environment, environment) < 0))
            {
                environment = span.Environment;
            }

            if (span.Model is not null && !models.Contains(span.Model, StringComparer.Ordinal))
            {
                models.Add(span.Model);
            }

            if (span.IsLlmCall)
            {
                if (span.Tokens is { } t)
                {
                    tokens = (tokens ?? 0) + t;
                }

                if (span.Cost is { } c)
                {
                    cost = (cost ?? 0) + c;
                }
            }
        }

        var root = tree.Count > 0 ? (JsonObject)tree[0]! : null;
        return new TraceSummary(traceId, root?["name"]?.GetValue<string>(), root?["log_type"]?.GetValue<string>(), user, models, tokens, cost,
            Math.Max(0, end - start) / 1_000_000.0, error, start, spans.Count, environment);
    }

    private static JsonObject Summary(TraceSummary trace)
    {
        var models = new JsonArray();
        foreach (var model in trace.Models)
        {
            models.Add((JsonNode)model);
        }

        return new JsonObject
        {
            ["trace_id"] = trace.TraceId,
            ["name"] = trace.Name,
            ["root_log_type"] = trace.RootLogType,
            ["user"] = trace.User,
            ["model"] = trace.Models.Count > 0 ? trace.Models[0] : null,
            ["models"] = models,
            ["total_tokens"] = trace.TotalTokens,
            ["total_cost"] = trace.TotalCost,
            ["latency"] = trace.Latency,
            ["status"] = trace.HasError ? "error" : "ok",
            ["start_time"] = Rfc3339.FromMicroseconds(trace.StartUs),
            ["span_count"] = trace.SpanCount,
            ["environment"] = trace.Environment,
        };
    }

    private static long? QueryTime(HttpContext context, string name)
    {
        var text = QueryString(context, name);
        if (text is null)
        {
            return null;
        }

        return Rfc3339.TryParse(text, out var time)
            ? Rfc3339.ToMicroseconds(time)
            : throw ApiException.BadRequest($"{name} must be an RFC 3339 time (2026-11-21T23:00:00Z)");
    }
}
