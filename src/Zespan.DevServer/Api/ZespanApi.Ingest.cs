using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Api;

internal sealed partial class ZespanApi
{
    /// <summary><c>POST /v1/ingest</c>: 202 <c>{"accepted": N}</c>; a repeated <c>batch_id</c> is answered the same and stores nothing.</summary>
    private async Task IngestAsync(HttpContext context)
    {
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        var batch = BatchParser.Parse(body, context.Request.Headers["Idempotency-Key"].ToString());
        var stored = await events.IngestAsync(batch, context.RequestAborted).ConfigureAwait(false);
        if (stored)
        {
            logger.BatchAccepted(batch.BatchId, batch.Events.Count);
        }
        else
        {
            logger.BatchDuplicate(batch.BatchId);
        }

        var answer = new JsonObject { ["accepted"] = batch.Events.Count };
        if (!stored)
        {
            answer["duplicate"] = true;
        }

        await HttpJson.WriteAsync(context, StatusCodes.Status202Accepted, answer).ConfigureAwait(false);
    }
}
