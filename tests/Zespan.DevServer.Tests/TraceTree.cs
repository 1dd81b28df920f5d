using System.Text.Json.Nodes;

namespace Zespan.DevServer.Tests;

/// <summary>
/// Rebuilds the span tree from <c>GET /api/traces/{id}</c>'s flat, depth-first <c>spans</c>: copies of the spans,
/// each with a <c>children</c> array, so tests can assert the nesting directly.
/// </summary>
internal static class TraceTree
{
    public static JsonArray Roots(JsonNode trace)
    {
        var roots = new JsonArray();
        var path = new List<JsonObject>();
        foreach (var item in trace["spans"]!.AsArray())
        {
            var span = (JsonObject)item!.DeepClone();
            span["children"] = new JsonArray();
            var depth = span["depth"]!.GetValue<int>();
            if (depth == 0)
            {
                roots.Add(span);
            }
            else
            {
                path[depth - 1]["children"]!.AsArray().Add(span);
            }

            if (path.Count > depth)
            {
                path.RemoveRange(depth, path.Count - depth);
            }

            path.Add(span);
        }

        return roots;
    }
}
