using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Api;

internal sealed partial class ZespanApi
{
    private const string DefaultEnvironment = "production";

    /// <summary><c>GET /v1/config?environment=</c>: the rules and their version, with an ETag; 304 when <c>If-None-Match</c> matches.</summary>
    private async Task GetConfigAsync(HttpContext context)
    {
        var environment = EnvironmentOf(context);
        var row = config.Get(environment);
        var etag = string.Create(CultureInfo.InvariantCulture, $"\"v{row.Version}\"");
        context.Response.Headers.ETag = etag;
        context.Response.Headers.CacheControl = "no-cache";
        if (Matches(context.Request.Headers.IfNoneMatch.ToString(), etag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var answer = new JsonObject { ["version"] = row.Version, ["rules"] = JsonNode.Parse(row.RulesJson) };
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    /// <summary><c>PUT /admin/config?environment=</c> with <c>{"rules": [...]}</c> (or the bare array): replaces the rules, bumps the version.</summary>
    private async Task PutConfigAsync(HttpContext context)
    {
        var environment = EnvironmentOf(context);
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        var rules = body switch
        {
            JsonArray array => array,
            JsonObject obj when obj["rules"] is JsonArray array => array,
            _ => throw ApiException.BadRequest("the body must be {\"rules\": [...]} or an array of rules"),
        };

        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not JsonObject rule || rule["type"] is not JsonValue type || !type.TryGetValue<string>(out var typeName) || typeName.Length == 0)
            {
                throw ApiException.BadRequest($"rules[{i}] must be an object with a string \"type\"");
            }
        }

        var row = await config.SetAsync(environment, (JsonArray)rules.DeepClone(), context.RequestAborted).ConfigureAwait(false);
        logger.ConfigUpdated(environment, row.Version);
        var answer = new JsonObject { ["environment"] = environment, ["version"] = row.Version, ["rules"] = JsonNode.Parse(row.RulesJson) };
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    private static string EnvironmentOf(HttpContext context)
    {
        var environment = QueryString(context, "environment") ?? DefaultEnvironment;
        if (environment.Length > 100 || environment.Any(char.IsControl))
        {
            throw ApiException.BadRequest("environment must be at most 100 characters");
        }

        return environment;
    }

    /// <summary>RFC 9110 <c>If-None-Match</c>: <c>*</c> or a list of (weak or strong) tags, compared weakly.</summary>
    private static bool Matches(string ifNoneMatch, string etag)
    {
        if (string.IsNullOrWhiteSpace(ifNoneMatch))
        {
            return false;
        }

        if (ifNoneMatch.Trim() == "*")
        {
            return true;
        }

        if (EntityTagHeaderValue.TryParseList(ifNoneMatch.Split(','), out var tags))
        {
            var current = new EntityTagHeaderValue(etag);
            foreach (var tag in tags)
            {
                if (tag.Compare(current, useStrongComparison: false))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
