using System.Text.Json.Nodes;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>The guardrail policies in the order they run: <c>{"policies": [...]}</c>.</summary>
internal sealed record PoliciesResponse(IReadOnlyList<JsonNode> Policies);

/// <summary>How many rows a delete removed: <c>{"deleted": N}</c>.</summary>
internal sealed record DeletedResponse(int Deleted);
