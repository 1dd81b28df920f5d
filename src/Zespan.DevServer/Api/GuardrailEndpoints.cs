using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Guardrails;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Api;

/// <summary><c>POST /v1/guardrails/check</c> (spec section 4) and the policy admin API under <c>/admin/guardrails/policies</c>.</summary>
internal static class GuardrailEndpoints
{
    public static void Map(RouteGroupBuilder v1, RouteGroupBuilder admin)
    {
        v1.MapPost("/guardrails/check", Check);

        var policies = admin.MapGroup("/guardrails/policies");
        policies.MapGet("", List);
        policies.MapPut("", ReplaceAllAsync);
        policies.MapDelete("", DeleteAllAsync);
        policies.MapGet("/{name}", Get);
        policies.MapPut("/{name}", PutAsync);
        policies.MapDelete("/{name}", DeleteAsync);
    }

    /// <summary>Runs the stored policies of the request's phase over its messages or completion.</summary>
    public static Ok<JsonObject> Check(JsonBody body, GuardrailStore guardrails) =>
        TypedResults.Ok(GuardrailEngine.Check(body.Object, guardrails.GetAll()));

    /// <summary><c>{"policies": [...]}</c> in the order they run.</summary>
    public static Ok<PoliciesResponse> List(GuardrailStore guardrails) => TypedResults.Ok(Policies(guardrails));

    /// <summary><c>{"policies": [...]}</c> (or the bare array) replaces every policy, all or nothing.</summary>
    public static async Task<Ok<PoliciesResponse>> ReplaceAllAsync(JsonBody body, GuardrailStore guardrails, DevServerLogger logger, CancellationToken cancellationToken)
    {
        var items = body.Node switch
        {
            JsonArray array => array,
            JsonObject obj when obj["policies"] is JsonArray array => array,
            _ => throw ApiException.BadRequest("the body must be {\"policies\": [...]} or an array of policies"),
        };

        var parsed = new List<GuardrailPolicy>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var policy = GuardrailPolicy.Parse(items[i], guardrails.RegexTimeout, $"policies[{i}].");
            if (parsed.Exists(p => p.Name == policy.Name))
            {
                throw ApiException.BadRequest($"policies[{i}].name '{policy.Name}' is used twice; names are unique");
            }

            parsed.Add(policy);
        }

        await guardrails.ReplaceAllAsync(parsed, cancellationToken).ConfigureAwait(false);
        logger.PoliciesUpdated(parsed.Count);
        return TypedResults.Ok(Policies(guardrails));
    }

    /// <summary>Removes every policy.</summary>
    public static async Task<Ok<DeletedResponse>> DeleteAllAsync(GuardrailStore guardrails, DevServerLogger logger, CancellationToken cancellationToken)
    {
        var deleted = await guardrails.DeleteAsync(null, cancellationToken).ConfigureAwait(false);
        logger.PoliciesUpdated(0);
        return TypedResults.Ok(new DeletedResponse(deleted));
    }

    /// <summary>One policy, or 404.</summary>
    public static Results<Ok<JsonNode>, NotFound<ErrorResponse>> Get(string name, GuardrailStore guardrails) =>
        guardrails.Get(name) is { } policy ? TypedResults.Ok(policy.Definition.DeepClone()) : NotFound(name);

    /// <summary>Adds the policy at the end, or replaces the one of that name in place.</summary>
    public static async Task<Ok<JsonNode>> PutAsync(string name, JsonBody body, GuardrailStore guardrails, DevServerLogger logger, CancellationToken cancellationToken)
    {
        if (body.Node is not JsonObject definition)
        {
            throw ApiException.BadRequest("the body must be a policy object");
        }

        var named = HttpJson.OptionalString(definition, "name");
        if (named is not null && named != name)
        {
            throw ApiException.BadRequest("the name in the body differs from the name in the path");
        }

        definition = (JsonObject)definition.DeepClone();
        definition["name"] = name;
        var policy = GuardrailPolicy.Parse(definition, guardrails.RegexTimeout);
        await guardrails.UpsertAsync(policy, cancellationToken).ConfigureAwait(false);
        logger.PoliciesUpdated(guardrails.GetAll().Count);
        return TypedResults.Ok(policy.Definition.DeepClone());
    }

    /// <summary>Removes one policy; 404 when there is none of that name.</summary>
    public static async Task<Results<Ok<DeletedResponse>, NotFound<ErrorResponse>>> DeleteAsync(
        string name, GuardrailStore guardrails, DevServerLogger logger, CancellationToken cancellationToken)
    {
        var deleted = await guardrails.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
        if (deleted == 0)
        {
            return NotFound(name);
        }

        logger.PoliciesUpdated(guardrails.GetAll().Count);
        return TypedResults.Ok(new DeletedResponse(deleted));
    }

    private static PoliciesResponse Policies(GuardrailStore guardrails) =>
        new(guardrails.GetAll().Select(static p => p.Definition.DeepClone()).ToList());

    private static NotFound<ErrorResponse> NotFound(string name) =>
        TypedResults.NotFound(ErrorResponse.Of(ApiErrors.NotFound, $"no guardrail policy named '{name}'"));
}
