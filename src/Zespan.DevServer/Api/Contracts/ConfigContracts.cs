using System.Text.Json.Nodes;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>The answer to <c>GET /v1/config</c>.</summary>
internal sealed record ConfigResponse(long Version, JsonNode? Rules);

/// <summary>The answer to <c>PUT /admin/config</c>.</summary>
internal sealed record AdminConfigResponse(string Environment, long Version, JsonNode? Rules);
