using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

internal sealed partial class ZespanApi
{
    private const string DefaultLabel = "production";

    /// <summary><c>GET /v1/prompts/{name}?label=</c> or <c>?version=</c> (never both; neither means label <c>production</c>).</summary>
    private async Task GetPromptAsync(HttpContext context)
    {
        var name = RouteString(context, "name");
        CheckName(name, "the prompt name");
        var label = QueryString(context, "label");
        var versionText = QueryString(context, "version");
        if (label is not null && versionText is not null)
        {
            throw ApiException.BadRequest("give label or version, not both");
        }

        PromptRow? row;
        if (versionText is not null)
        {
            var version = ParseVersion(versionText);
            row = prompts.GetByVersion(name, version);
            if (row is null)
            {
                throw ApiException.NotFound(string.Create(CultureInfo.InvariantCulture, $"prompt '{name}' has no version {version}"));
            }
        }
        else
        {
            label ??= DefaultLabel;
            row = prompts.GetByLabel(name, label) ?? throw ApiException.NotFound($"prompt '{name}' has no version labelled '{label}'");
        }

        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, row.ToJson()).ConfigureAwait(false);
    }

    /// <summary><c>GET /v1/prompts?name=&amp;label=&amp;page=1&amp;limit=50</c>: <c>{"data", "page", "limit", "total"}</c>.</summary>
    private async Task ListPromptsAsync(HttpContext context)
    {
        var page = QueryInt(context, "page", 1, 1, int.MaxValue / MaxPageLimit);
        var limit = QueryInt(context, "limit", 50, 1, MaxPageLimit);
        var (rows, total) = prompts.List(QueryString(context, "name"), QueryString(context, "label"), page, limit);
        var data = new JsonArray();
        foreach (var row in rows)
        {
            data.Add((JsonNode)row.ToJson());
        }

        var answer = new JsonObject { ["data"] = data, ["page"] = page, ["limit"] = limit, ["total"] = total };
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    /// <summary><c>POST /v1/prompts</c>: 201 with the new version (the previous highest + 1).</summary>
    private async Task CreatePromptAsync(HttpContext context)
    {
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        if (body is not JsonObject request)
        {
            throw ApiException.BadRequest("the body must be a JSON object");
        }

        var name = HttpJson.OptionalString(request, "name") ?? throw ApiException.BadRequest("name is required");
        CheckName(name, "name");
        var type = HttpJson.OptionalString(request, "type") ?? "text";
        var prompt = request["prompt"];
        switch (type)
        {
            case "text":
                if (prompt is not JsonValue value || !value.TryGetValue<string>(out _))
                {
                    throw ApiException.BadRequest("prompt must be a string for a text prompt");
                }

                break;
            case "chat":
                if (prompt is not JsonArray messages || messages.Count == 0)
                {
                    throw ApiException.BadRequest("prompt must be a non-empty array of {\"role\", \"content\"} for a chat prompt");
                }

                for (var i = 0; i < messages.Count; i++)
                {
                    if (messages[i] is not JsonObject message
                        || string.IsNullOrEmpty(HttpJson.OptionalString(message, "role", $"prompt[{i}]."))
                        || HttpJson.OptionalString(message, "content", $"prompt[{i}].") is null)
                    {
                        throw ApiException.BadRequest($"prompt[{i}] must be an object with string role and content");
                    }
                }

                break;
            default:
                throw ApiException.BadRequest("type must be text or chat");
        }

        var labels = ParseLabels(request["labels"]);
        var promptConfig = request["config"] switch
        {
            null => "{}",
            JsonObject obj => obj.ToJsonText(),
            _ => throw ApiException.BadRequest("config must be an object"),
        };
        var commitMessage = HttpJson.OptionalString(request, "commit_message");
        var row = await prompts.CreateAsync(new NewPrompt(name, type, prompt!.ToJsonText(), labels, promptConfig, commitMessage), context.RequestAborted)
            .ConfigureAwait(false);
        logger.PromptCreated(row.Name, row.Version);
        context.Response.Headers.Location = string.Create(CultureInfo.InvariantCulture, $"/v1/prompts/{Uri.EscapeDataString(row.Name)}?version={row.Version}");
        await HttpJson.WriteAsync(context, StatusCodes.Status201Created, row.ToJson()).ConfigureAwait(false);
    }

    /// <summary><c>PATCH /v1/prompts/{name}/versions/{version}</c> with <c>{"labels": [...]}</c>: the version's labels become exactly these; each moves from any other version.</summary>
    private async Task UpdateLabelsAsync(HttpContext context)
    {
        var name = RouteString(context, "name");
        CheckName(name, "the prompt name");
        var version = ParseVersion(RouteString(context, "version"));
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        if (body is not JsonObject request || !request.ContainsKey("labels"))
        {
            throw ApiException.BadRequest("the body must be {\"labels\": [...]}");
        }

        var labels = ParseLabels(request["labels"]);
        var row = await prompts.SetLabelsAsync(name, version, labels, context.RequestAborted).ConfigureAwait(false)
            ?? throw ApiException.NotFound(string.Create(CultureInfo.InvariantCulture, $"prompt '{name}' has no version {version}"));
        logger.PromptLabelsUpdated(name, version, string.Join(",", labels));
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, row.ToJson()).ConfigureAwait(false);
    }

    private static long ParseVersion(string text)
    {
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw ApiException.BadRequest("version must be a whole number, 1 or more");
        }

        return version;
    }

    private static List<string> ParseLabels(JsonNode? node)
    {
        var labels = new List<string>();
        if (node is null)
        {
            return labels;
        }

        if (node is not JsonArray array)
        {
            throw ApiException.BadRequest("labels must be an array of strings");
        }

        foreach (var item in array)
        {
            if (item is not JsonValue value || !value.TryGetValue<string>(out var label) || label.Length == 0 || label.Length > MaxLabelLength || label.Any(char.IsControl))
            {
                throw ApiException.BadRequest($"labels must be strings of 1 to {MaxLabelLength} characters");
            }

            if (!labels.Contains(label, StringComparer.Ordinal))
            {
                labels.Add(label);
            }
        }

        return labels;
    }
}
