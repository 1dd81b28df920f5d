using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>
/// Source-generated JSON for every answer of the Zespan, admin and read APIs: <c>snake_case</c> names, nulls written
/// (the protocol's fields are present with null rather than missing), no reflection.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(IngestResponse))]
[JsonSerializable(typeof(ConfigResponse))]
[JsonSerializable(typeof(AdminConfigResponse))]
[JsonSerializable(typeof(PromptResponse))]
[JsonSerializable(typeof(PromptListResponse))]
[JsonSerializable(typeof(PoliciesResponse))]
[JsonSerializable(typeof(DeletedResponse))]
[JsonSerializable(typeof(TraceListResponse))]
[JsonSerializable(typeof(TraceDetailResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TimeseriesResponse))]
[JsonSerializable(typeof(BreakdownResponse))]
[JsonSerializable(typeof(GroupListResponse))]
[JsonSerializable(typeof(SessionResponse))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class DevServerJsonContext : JsonSerializerContext;
