using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Otlp;

/// <summary>
/// <c>POST /v1/traces</c>: an OTLP/HTTP trace receiver (protobuf, <c>application/x-protobuf</c>, and JSON,
/// <c>application/json</c>; gzip as for every body). Spans become Zespan events (<see cref="GenAiSpanMapper"/>) in
/// their traces. An export is stored once: its batch id is a hash of the body, so an exporter's retry is answered
/// the same and stores nothing twice. Same key as the rest of <c>/v1</c>: set
/// <c>OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer &lt;key&gt;</c>.
/// </summary>
internal static class OtlpEndpoints
{
    public static void Map(RouteGroupBuilder ingest) => ingest.MapPost("/traces", ExportAsync);

    public static async Task ExportAsync(HttpContext context, EventStore events, DevServerOptions options, DevServerLogger logger)
    {
        var contentType = context.Request.ContentType ?? string.Empty;
        var media = contentType.Split(';')[0].Trim();
        var protobuf = media.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase) || media.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase);
        if (!protobuf && !HttpJson.IsJson(contentType))
        {
            throw new ApiException(415, ApiErrors.UnsupportedMediaType, "OTLP/HTTP bodies are application/x-protobuf or application/json");
        }

        var body = await HttpJson.ReadRawAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        List<OtlpSpan> spans;
        try
        {
            spans = protobuf ? OtlpProtobufReader.Read(body) : OtlpJsonReader.Read(HttpJson.Parse(body));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw ApiException.BadRequest("the body is not an OTLP ExportTraceServiceRequest: " + e.Message);
        }

        var mapped = new JsonArray();
        foreach (var span in spans)
        {
            if (GenAiSpanMapper.Map(span) is { } e)
            {
                mapped.Add((JsonNode)e);
            }
        }

        var rejected = spans.Count - mapped.Count;
        var batch = new JsonObject
        {
            ["batch_id"] = "otlp-" + Convert.ToHexStringLower(SHA256.HashData(body))[..32],
            ["sdk"] = new JsonObject { ["name"] = "otlp", ["version"] = protobuf ? "protobuf" : "json" },
            ["events"] = mapped,
        };
        var parsed = BatchParser.Parse(batch, null);
        await events.IngestAsync(parsed, context.RequestAborted).ConfigureAwait(false);
        logger.OtlpAccepted(mapped.Count, protobuf ? "protobuf" : "json");
        await WriteResponseAsync(context, protobuf, rejected).ConfigureAwait(false);
    }

    /// <summary>An <c>ExportTraceServiceResponse</c>: empty, or with <c>partial_success</c> (<c>rejected_spans</c>, <c>error_message</c>) when spans had invalid ids.</summary>
    private static async Task WriteResponseAsync(HttpContext context, bool protobuf, int rejected)
    {
        const string Message = "spans without a valid trace_id (16 bytes) and span_id (8 bytes) were dropped";
        context.Response.StatusCode = StatusCodes.Status200OK;
        if (!protobuf)
        {
            var answer = rejected == 0 ? new JsonObject()
                : new JsonObject { ["partialSuccess"] = new JsonObject { ["rejectedSpans"] = rejected.ToString(System.Globalization.CultureInfo.InvariantCulture), ["errorMessage"] = Message } };
            await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/x-protobuf";
        if (rejected == 0)
        {
            context.Response.ContentLength = 0;
            return;
        }

        using var partial = new MemoryStream();
        var inner = new CodedOutputStream(partial, leaveOpen: true);
        inner.WriteTag(1, WireFormat.WireType.Varint);
        inner.WriteInt64(rejected);
        inner.WriteTag(2, WireFormat.WireType.LengthDelimited);
        inner.WriteString(Message);
        inner.Flush();
        using var output = new MemoryStream();
        var outer = new CodedOutputStream(output, leaveOpen: true);
        outer.WriteTag(1, WireFormat.WireType.LengthDelimited);
        outer.WriteBytes(ByteString.CopyFrom(partial.ToArray()));
        outer.Flush();
        context.Response.ContentLength = output.Length;
        await context.Response.Body.WriteAsync(output.ToArray(), context.RequestAborted).ConfigureAwait(false);
    }
}
