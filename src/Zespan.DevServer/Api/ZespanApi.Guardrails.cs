using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Guardrails;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Api;

internal sealed partial class ZespanApi
{
    /// <summary><c>POST /v1/guardrails/check</c>: runs the stored policies (spec section 4).</summary>
    private async Task CheckGuardrailsAsync(HttpContext context)
    {
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        if (body is not JsonObject request)
        {
            throw ApiException.BadRequest("the body must be a JSON object");
        }

        var answer = GuardrailEngine.Check(request, guardrails.GetAll());
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, answer).ConfigureAwait(false);
    }

    /// <summary><c>GET /admin/guardrails/policies</c>: <c>{"policies": [...]}</c> in the order they run.</summary>
    private async Task ListPoliciesAsync(HttpContext context)
    {
        var list = new JsonArray();
        foreach (var policy in guardrails.GetAll())
        {
            list.Add(policy.Definition.DeepClone());
        }

        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, new JsonObject { ["policies"] = list }).ConfigureAwait(false);
    }

    /// <summary><c>PUT /admin/guardrails/policies</c> with <c>{"policies": [...]}</c> (or the bare array): replaces every policy.</summary>
    private async Task ReplacePoliciesAsync(HttpContext context)
    {
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        var items = body switch
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

        await guardrails.ReplaceAllAsync(parsed, context.RequestAborted).ConfigureAwait(false);
        logger.PoliciesUpdated(parsed.Count);
        await ListPoliciesAsync(context).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /admin/guardrails/policies</c>: removes every policy.</summary>
    private async Task DeleteAllPoliciesAsync(HttpContext context)
    {
        var deleted = await guardrails.DeleteAsync(null, context.RequestAborted).ConfigureAwait(false);
        logger.PoliciesUpdated(0);
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, new JsonObject { ["deleted"] = deleted }).ConfigureAwait(false);
    }

    /// <summary><c>GET /admin/guardrails/policies/{name}</c>.</summary>
    private async Task GetPolicyAsync(HttpContext context)
    {
        var name = RouteString(context, "name");
        var policy = guardrails.Get(name) ?? throw ApiException.NotFound($"no guardrail policy named '{name}'");
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, policy.Definition.DeepClone()).ConfigureAwait(false);
    }

    /// <summary><c>PUT /admin/guardrails/policies/{name}</c>: adds the policy at the end, or replaces the one of that name in place.</summary>
    private async Task PutPolicyAsync(HttpContext context)
    {
        var name = RouteString(context, "name");
        var body = await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false);
        if (body is not JsonObject definition)
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
        await guardrails.UpsertAsync(policy, context.RequestAborted).ConfigureAwait(false);
        logger.PoliciesUpdated(guardrails.GetAll().Count);
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, policy.Definition.DeepClone()).ConfigureAwait(false);
    }

    /// <summary><c>DELETE /admin/guardrails/policies/{name}</c>.</summary>
    private async Task DeletePolicyAsync(HttpContext context)
    {
        var name = RouteString(context, "name");
        var deleted = await guardrails.DeleteAsync(name, context.RequestAborted).ConfigureAwait(false);
        if (deleted == 0)
        {
            throw ApiException.NotFound($"no guardrail policy named '{name}'");
        }

        logger.PoliciesUpdated(guardrails.GetAll().Count);
        await HttpJson.WriteAsync(context, StatusCodes.Status200OK, new JsonObject { ["deleted"] = deleted }).ConfigureAwait(false);
    }
}
