using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>Remote configuration: <c>GET /v1/config</c> (spec section 2) and <c>PUT /admin/config</c>.</summary>
internal static class ConfigEndpoints
{
    private const string DefaultEnvironment = "production";

    public static void Map(RouteGroupBuilder v1, RouteGroupBuilder admin)
    {
        v1.MapGet("/config", GetConfig);
        admin.MapPut("/config", PutConfigAsync);
    }

    /// <summary>The rules and their version, with an ETag; 304 when <c>If-None-Match</c> matches.</summary>
    public static Results<Ok<ConfigResponse>, StatusCodeHttpResult> GetConfig(
        [FromQuery] string? environment,
        [FromHeader(Name = "If-None-Match")] string? ifNoneMatch,
        ConfigStore config,
        HttpResponse response)
    {
        var env = EnvironmentOf(environment);
        var row = config.Get(env);
        var etag = string.Create(CultureInfo.InvariantCulture, $"\"v{row.Version}\"");
        response.Headers.ETag = etag;
        response.Headers.CacheControl = "no-cache";
        if (Matches(ifNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(new ConfigResponse(row.Version, JsonNode.Parse(row.RulesJson)));
    }

    /// <summary><c>{"rules": [...]}</c> (or the bare array) replaces the rules of the environment and bumps its version.</summary>
    public static async Task<Ok<AdminConfigResponse>> PutConfigAsync(
        [FromQuery] string? environment,
        JsonBody body,
        ConfigStore config,
        DevServerLogger logger,
        CancellationToken cancellationToken)
    {
        var env = EnvironmentOf(environment);
        var rules = body.Node switch
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

        var row = await config.SetAsync(env, (JsonArray)rules.DeepClone(), cancellationToken).ConfigureAwait(false);
        logger.ConfigUpdated(env, row.Version);
        return TypedResults.Ok(new AdminConfigResponse(env, row.Version, JsonNode.Parse(row.RulesJson)));
    }

    private static string EnvironmentOf(string? environment)
    {
        environment = ZespanApi.Optional(environment) ?? DefaultEnvironment;
        if (environment.Length > 100 || environment.Any(char.IsControl))
        {
            throw ApiException.BadRequest("environment must be at most 100 characters");
        }

        return environment;
    }

    /// <summary>RFC 9110 <c>If-None-Match</c>: <c>*</c> or a list of (weak or strong) tags, compared weakly.</summary>
    private static bool Matches(string? ifNoneMatch, string etag)
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
