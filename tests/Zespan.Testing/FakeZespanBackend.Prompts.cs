using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Zespan.Testing;

/// <summary>
/// The prompt store of spec section 3, in memory: get by label (default <c>production</c>) or version, list with
/// filters and paging, create (version = previous highest + 1, answered 201), and PATCH of a version's labels.
/// A label names one version per prompt, so setting it anywhere moves it. A create carrying an
/// <c>Idempotency-Key</c> already seen answers the version it created then, without creating another.
/// </summary>
public sealed partial class FakeZespanBackend
{
    private readonly object _promptGate = new();
    private readonly Dictionary<string, List<JsonObject>> _prompts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _promptIdempotency = new(StringComparer.Ordinal);

    /// <summary>Gets or sets the clock stamping <c>created_at</c> on new prompt versions.</summary>
    public Func<DateTimeOffset> PromptClock { get; set; } = static () => DateTimeOffset.UtcNow;

    /// <summary>Stores a new version of a text prompt, as a create call would; returns the stored object.</summary>
    public JsonObject SeedPrompt(string name, string text, params string[] labels) =>
        CreatePromptVersion(name, "text", JsonValue.Create(text), labels, config: null, commitMessage: null);

    /// <summary>Stores a new version of a chat prompt, as a create call would; returns the stored object.</summary>
    public JsonObject SeedChatPrompt(string name, IEnumerable<(string Role, string Content)> messages, params string[] labels)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var array = new JsonArray();
        foreach (var (role, content) in messages)
        {
            array.Add(new JsonObject { ["role"] = role, ["content"] = content });
        }

        return CreatePromptVersion(name, "chat", array, labels, config: null, commitMessage: null);
    }

    /// <summary>Removes a label from whichever version of the prompt has it.</summary>
    public void RemoveLabel(string name, string label)
    {
        lock (_promptGate)
        {
            if (_prompts.TryGetValue(name, out var versions))
            {
                foreach (var version in versions)
                {
                    RemoveLabelFrom(version, label);
                }
            }
        }
    }

    /// <summary>Deletes every version of a prompt.</summary>
    public void DeletePrompt(string name)
    {
        lock (_promptGate)
        {
            _prompts.Remove(name);
        }
    }

    /// <summary>Gets copies of the stored versions of a prompt, oldest first.</summary>
    public IReadOnlyList<JsonObject> PromptVersions(string name)
    {
        lock (_promptGate)
        {
            return _prompts.TryGetValue(name, out var versions)
                ? versions.Select(v => (JsonObject)v.DeepClone()).ToArray()
                : [];
        }
    }

    /// <summary>Gets the number of GET requests for one prompt (any label or version).</summary>
    public int PromptGetCount(string name) =>
        Requests.Count(r => r.Method == "GET" && string.Equals(r.Path, "/v1/prompts/" + name, StringComparison.Ordinal));

    private static void RemoveLabelFrom(JsonObject version, string label)
    {
        var labels = (JsonArray)version["labels"]!;
        for (var i = labels.Count - 1; i >= 0; i--)
        {
            if (labels[i]!.GetValue<string>() == label)
            {
                labels.RemoveAt(i);
            }
        }
    }

    private JsonObject CreatePromptVersion(string name, string type, JsonNode? prompt, IEnumerable<string> labels, JsonNode? config, string? commitMessage)
    {
        lock (_promptGate)
        {
            if (!_prompts.TryGetValue(name, out var versions))
            {
                versions = [];
                _prompts[name] = versions;
            }

            var distinct = labels.Distinct(StringComparer.Ordinal).ToArray();
            foreach (var other in versions)
            {
                foreach (var label in distinct)
                {
                    RemoveLabelFrom(other, label);
                }
            }

            var created = new JsonObject
            {
                ["name"] = name,
                ["version"] = versions.Count == 0 ? 1 : versions.Max(v => v["version"]!.GetValue<int>()) + 1,
                ["type"] = type,
                ["prompt"] = prompt,
                ["labels"] = new JsonArray(distinct.Select(l => (JsonNode?)JsonValue.Create(l)).ToArray()),
                ["config"] = config ?? new JsonObject(),
                ["commit_message"] = commitMessage,
                ["created_at"] = PromptClock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            };
            versions.Add(created);
            return (JsonObject)created.DeepClone();
        }
    }

    private async Task HandlePromptsAsync(HttpContext context, RecordedRequest recorded)
    {
        // The raw target keeps %2F, so a name holding '/' is one segment.
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? recorded.Path;
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var segments = (query < 0 ? raw : raw[..query]).Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        var method = recorded.Method;
        if (segments.Length == 2 && method == "GET")
        {
            await ListPromptsAsync(context).ConfigureAwait(false);
        }
        else if (segments.Length == 2 && method == "POST")
        {
            await CreatePromptAsync(context, recorded).ConfigureAwait(false);
        }
        else if (segments.Length == 3 && method == "GET")
        {
            await GetPromptAsync(context, segments[2]).ConfigureAwait(false);
        }
        else if (segments.Length == 5 && segments[3] == "versions" && method == "PATCH")
        {
            await UpdatePromptLabelsAsync(context, recorded, segments[2], segments[4]).ConfigureAwait(false);
        }
        else
        {
            await WriteErrorAsync(context, 404, "not_found", "no such endpoint").ConfigureAwait(false);
        }
    }

    private async Task GetPromptAsync(HttpContext context, string name)
    {
        var label = context.Request.Query["label"].ToString();
        var versionText = context.Request.Query["version"].ToString();
        if (label.Length > 0 && versionText.Length > 0)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "give label or version, not both").ConfigureAwait(false);
            return;
        }

        int? version = null;
        if (versionText.Length > 0)
        {
            if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                await WriteErrorAsync(context, 400, "invalid_request", "version must be a positive integer").ConfigureAwait(false);
                return;
            }

            version = parsed;
        }
        else if (label.Length == 0)
        {
            label = "production";
        }

        JsonObject? found;
        lock (_promptGate)
        {
            found = _prompts.TryGetValue(name, out var versions)
                ? versions.FirstOrDefault(v => version is { } n
                    ? v["version"]!.GetValue<int>() == n
                    : ((JsonArray)v["labels"]!).Any(l => l!.GetValue<string>() == label))
                : null;
            found = (JsonObject?)found?.DeepClone();
        }

        if (found is null)
        {
            var what = version is { } n ? "version " + n.ToString(CultureInfo.InvariantCulture) : "label '" + label + "'";
            await WriteErrorAsync(context, 404, "not_found", "prompt '" + name + "' with " + what + " not found").ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, found).ConfigureAwait(false);
    }

    private async Task ListPromptsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var name = query["name"].ToString();
        var label = query["label"].ToString();
        var page = 1;
        var limit = 50;
        if ((query["page"].Count > 0 && (!int.TryParse(query["page"], CultureInfo.InvariantCulture, out page) || page < 1))
            || (query["limit"].Count > 0 && (!int.TryParse(query["limit"], CultureInfo.InvariantCulture, out limit) || limit < 1)))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "page and limit must be positive integers").ConfigureAwait(false);
            return;
        }

        JsonObject[] matching;
        lock (_promptGate)
        {
            matching = _prompts
                .Where(p => name.Length == 0 || p.Key == name)
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .SelectMany(p => p.Value.OrderByDescending(v => v["version"]!.GetValue<int>()))
                .Where(v => label.Length == 0 || ((JsonArray)v["labels"]!).Any(l => l!.GetValue<string>() == label))
                .Select(v => (JsonObject)v.DeepClone())
                .ToArray();
        }

        var data = new JsonArray(matching.Skip((page - 1) * limit).Take(limit).Select(v => (JsonNode?)v).ToArray());
        await WriteJsonAsync(context, 200, new JsonObject { ["data"] = data, ["page"] = page, ["limit"] = limit, ["total"] = matching.Length }).ConfigureAwait(false);
    }

    private async Task CreatePromptAsync(HttpContext context, RecordedRequest recorded)
    {
        JsonObject? body;
        try
        {
            body = recorded.Json as JsonObject;
        }
        catch (JsonException)
        {
            body = null;
        }

        var name = body?["name"] is JsonValue n && n.TryGetValue<string>(out var s) ? s : null;
        var type = body?["type"] is JsonValue t && t.TryGetValue<string>(out var ts) ? ts : null;
        var prompt = body?["prompt"];
        var valid = !string.IsNullOrWhiteSpace(name)
            && ((type == "text" && prompt is JsonValue pv && pv.TryGetValue<string>(out _))
                || (type == "chat" && prompt is JsonArray { Count: > 0 } messages && messages.All(m => m is JsonObject mo && mo["role"] is JsonValue && mo["content"] is JsonValue)));
        if (!valid || (body!["labels"] is { } l && l is not JsonArray))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "a prompt needs a name, a type (text or chat) and a matching prompt").ConfigureAwait(false);
            return;
        }

        var idempotencyKey = recorded.Header("Idempotency-Key");
        JsonObject created;
        lock (_promptGate)
        {
            if (idempotencyKey is not null && _promptIdempotency.TryGetValue(idempotencyKey, out var earlier))
            {
                created = (JsonObject)earlier.DeepClone();
            }
            else
            {
                var labels = (body["labels"] as JsonArray)?.Select(x => x!.GetValue<string>()) ?? [];
                var commit = body["commit_message"] is JsonValue c && c.TryGetValue<string>(out var cs) ? cs : null;
                created = CreatePromptVersion(name!, type!, prompt!.DeepClone(), labels, body["config"]?.DeepClone(), commit);
                if (idempotencyKey is not null)
                {
                    _promptIdempotency[idempotencyKey] = (JsonObject)created.DeepClone();
                }
            }
        }

        await WriteJsonAsync(context, 201, created).ConfigureAwait(false);
    }

    private async Task UpdatePromptLabelsAsync(HttpContext context, RecordedRequest recorded, string name, string versionText)
    {
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "version must be a positive integer").ConfigureAwait(false);
            return;
        }

        if (recorded.Json is not JsonObject { } body || body["labels"] is not JsonArray labelArray
            || labelArray.Any(x => x is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            await WriteErrorAsync(context, 400, "invalid_request", "the body must be {\"labels\": [...]}").ConfigureAwait(false);
            return;
        }

        var labels = labelArray.Select(x => x!.GetValue<string>()).Distinct(StringComparer.Ordinal).ToArray();
        JsonObject? updated = null;
        lock (_promptGate)
        {
            if (_prompts.TryGetValue(name, out var versions) && versions.FirstOrDefault(v => v["version"]!.GetValue<int>() == version) is { } target)
            {
                foreach (var other in versions)
                {
                    foreach (var label in labels)
                    {
                        RemoveLabelFrom(other, label);
                    }
                }

                target["labels"] = new JsonArray(labels.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
                updated = (JsonObject)target.DeepClone();
            }
        }

        if (updated is null)
        {
            await WriteErrorAsync(context, 404, "not_found", "prompt '" + name + "' has no version " + versionText).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, 200, updated).ConfigureAwait(false);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
    }
}
