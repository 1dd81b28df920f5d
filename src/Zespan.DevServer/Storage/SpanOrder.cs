namespace Zespan.DevServer.Storage;

/// <summary>
/// Orders the spans of one trace depth first, children by start time, without recursion (a chain of any length is
/// one loop, not a deep call stack). A span whose parent is not stored (an ambient <c>Activity</c> of another
/// library) is a root; spans caught in a parent cycle (hostile input) are placed from the earliest of them.
/// </summary>
internal static class SpanOrder
{
    /// <summary>Each span's index in <paramref name="spans"/> (which is by start time), its depth and its number of children.</summary>
    public static List<(int Index, int Depth, int ChildCount)> DepthFirst(IReadOnlyList<(string SpanId, string? ParentSpanId)> spans)
    {
        var byId = new Dictionary<string, int>(spans.Count, StringComparer.Ordinal);
        for (var i = 0; i < spans.Count; i++)
        {
            byId.TryAdd(spans[i].SpanId, i);
        }

        var children = new List<int>?[spans.Count];
        var isRoot = new bool[spans.Count];
        for (var i = 0; i < spans.Count; i++)
        {
            var parent = spans[i].ParentSpanId;
            if (parent is null || parent == spans[i].SpanId || !byId.TryGetValue(parent, out var p) || byId[spans[i].SpanId] != i)
            {
                isRoot[i] = true;
                continue;
            }

            (children[p] ??= []).Add(i);
        }

        var result = new List<(int, int, int)>(spans.Count);
        var visited = new bool[spans.Count];
        var stack = new Stack<(int Index, int Depth)>();
        void Walk(int root)
        {
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (index, depth) = stack.Pop();
                if (visited[index])
                {
                    continue;
                }

                visited[index] = true;
                var kids = children[index];
                result.Add((index, depth, kids?.Count ?? 0));
                if (kids is not null)
                {
                    for (var k = kids.Count - 1; k >= 0; k--)
                    {
                        if (!visited[kids[k]])
                        {
                            stack.Push((kids[k], depth + 1));
                        }
                    }
                }
            }
        }

        for (var i = 0; i < spans.Count; i++)
        {
            if (isRoot[i])
            {
                Walk(i);
            }
        }

        for (var i = 0; i < spans.Count; i++)
        {
            if (!visited[i])
            {
                Walk(i); // a parent cycle: its earliest span stands in as the root
            }
        }

        return result;
    }
}
