using System.Text.Json.Serialization;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>The answer to <c>POST /v1/ingest</c>: how many events the batch held; <c>duplicate</c> when its <c>batch_id</c> was stored before.</summary>
internal sealed record IngestResponse(
    int Accepted,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Duplicate);
