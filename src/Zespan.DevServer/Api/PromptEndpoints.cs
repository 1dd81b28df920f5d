using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>Versioned prompts (spec section 3).</summary>
internal static class PromptEndpoints
{
    private const string DefaultLabel = "production";
    private const int MaxLabelLength = 100;

    public static void Map(RouteGroupBuilder v1)
    {
        var prompts = v1.MapGroup("/prompts");
        prompts.MapGet("", List);
        prompts.MapPost("", CreateAsync);
        prompts.MapGet("/{name}", Get);
        prompts.MapPatch("/{name}/versions/{version}", UpdateLabelsAsync);
    }

    /// <summary><c>GET /v1/prompts/{name}?label=</c> or <c>?version=</c> (never both; neither means label <c>production</c>).</summary>
    public static Results<Ok<PromptResponse>, NotFound<ErrorResponse>> Get(string name, [FromQuery] string? label, [FromQuery] string? version, PromptStore prompts)
    {
        ZespanApi.CheckName(name, "the prompt name");
        label = ZespanApi.Optional(label);
        version = ZespanApi.Optional(version);
        if (label is not null && version is not null)
        {
            throw ApiException.BadRequest("give label or version, not both");
        }

        if (version is not null)
        {
            var number = ParseVersion(version);
            return prompts.GetByVersion(name, number) is { } row
                ? TypedResults.Ok(row.ToResponse())
                : NotFound(string.Create(CultureInfo.InvariantCulture, $"prompt '{name}' has no version {number}"));
        }

        label ??= DefaultLabel;
        return prompts.GetByLabel(name, label) is { } labelled
            ? TypedResults.Ok(labelled.ToResponse())
            : NotFound($"prompt '{name}' has no version labelled '{label}'");
    }

    /// <summary><c>GET /v1/prompts?name=&amp;label=&amp;page=1&amp;limit=50</c>.</summary>
    public static Ok<PromptListResponse> List([FromQuery] string? name, [FromQuery] string? label, [FromQuery] int? page, [FromQuery] int? limit, PromptStore prompts)
    {
        var pageNumber = ZespanApi.InRange(page, "page", 1, 1, int.MaxValue / ZespanApi.MaxPromptPageLimit);
        var size = ZespanApi.InRange(limit, "limit", 50, 1, ZespanApi.MaxPromptPageLimit);
        var (rows, total) = prompts.List(ZespanApi.Optional(name), ZespanApi.Optional(label), pageNumber, size);
        return TypedResults.Ok(new PromptListResponse(rows.Select(static r => r.ToResponse()).ToList(), pageNumber, size, total));
    }

    /// <summary><c>POST /v1/prompts</c>: 201 with the new version (the previous highest + 1).</summary>
    public static async Task<Created<PromptResponse>> CreateAsync(JsonBody body, PromptStore prompts, DevServerLogger logger, CancellationToken cancellationToken)
    {
        var request = body.Object;
        var name = HttpJson.OptionalString(request, "name") ?? throw ApiException.BadRequest("name is required");
        ZespanApi.CheckName(name, "name");
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
        var row = await prompts.CreateAsync(new NewPrompt(name, type, prompt!.ToJsonText(), labels, promptConfig, commitMessage), cancellationToken)
            .ConfigureAwait(false);
        logger.PromptCreated(row.Name, row.Version);
        var location = string.Create(CultureInfo.InvariantCulture, $"/v1/prompts/{Uri.EscapeDataString(row.Name)}?version={row.Version}");
        return TypedResults.Created(location, row.ToResponse());
    }

    /// <summary><c>PATCH /v1/prompts/{name}/versions/{version}</c> with <c>{"labels": [...]}</c>: the version's labels become exactly these; each moves from any other version.</summary>
    public static async Task<Results<Ok<PromptResponse>, NotFound<ErrorResponse>>> UpdateLabelsAsync(
        string name, string version, JsonBody body, PromptStore prompts, DevServerLogger logger, CancellationToken cancellationToken)
    {
        ZespanApi.CheckName(name, "the prompt name");
        var number = ParseVersion(version);
        if (body.Node is not JsonObject request || !request.ContainsKey("labels"))
        {
            throw ApiException.BadRequest("the body must be {\"labels\": [...]}");
        }

        var labels = ParseLabels(request["labels"]);
        var row = await prompts.SetLabelsAsync(name, number, labels, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return NotFound(string.Create(CultureInfo.InvariantCulture, $"prompt '{name}' has no version {number}"));
        }

        logger.PromptLabelsUpdated(name, number, string.Join(",", labels));
        return TypedResults.Ok(row.ToResponse());
    }

    private static NotFound<ErrorResponse> NotFound(string message) => TypedResults.NotFound(ErrorResponse.Of(ApiErrors.NotFound, message));

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
