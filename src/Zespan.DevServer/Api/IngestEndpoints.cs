using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary><c>POST /v1/ingest</c> (spec section 1).</summary>
internal static class IngestEndpoints
{
    public static void Map(RouteGroupBuilder v1) => v1.MapPost("/ingest", IngestAsync);

    /// <summary>202 <c>{"accepted": N}</c>; a repeated <c>batch_id</c> is answered the same and stores nothing.</summary>
    public static async Task<Accepted<IngestResponse>> IngestAsync(
        JsonBody body,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        EventStore events,
        DevServerLogger logger,
        CancellationToken cancellationToken)
    {
        var batch = BatchParser.Parse(body.Node, idempotencyKey);
        var stored = await events.IngestAsync(batch, cancellationToken).ConfigureAwait(false);
        if (stored)
        {
            logger.BatchAccepted(batch.BatchId, batch.Events.Count);
        }
        else
        {
            logger.BatchDuplicate(batch.BatchId);
        }

        return TypedResults.Accepted((string?)null, new IngestResponse(batch.Events.Count, stored ? null : true));
    }
}
