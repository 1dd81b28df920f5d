using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zespan.DevServer.Guardrails;
using Zespan.DevServer.Storage;

namespace Zespan.DevServer.Api;

/// <summary>The Zespan API (<c>/v1</c>), the admin API (<c>/admin</c>) and the read API (<c>/api</c>).</summary>
internal sealed partial class ZespanApi(
    EventStore events,
    ConfigStore config,
    PromptStore prompts,
    GuardrailStore guardrails,
    DevServerOptions options,
    ILogger logger)
{
    private const int MaxPageLimit = 100;
    private const int MaxTraceLimit = 200;
    private const int MaxLabelLength = 100;
    private const int MaxNameLength = 200;

    public void Map(WebApplication app)
    {
        app.MapPost("/v1/ingest", IngestAsync);
        app.MapGet("/v1/config", GetConfigAsync);
        app.MapGet("/v1/prompts", ListPromptsAsync);
        app.MapPost("/v1/prompts", CreatePromptAsync);
        app.MapGet("/v1/prompts/{name}", GetPromptAsync);
        app.MapPatch("/v1/prompts/{name}/versions/{version}", UpdateLabelsAsync);
        app.MapPost("/v1/guardrails/check", CheckGuardrailsAsync);

        app.MapPut("/admin/config", PutConfigAsync);
        app.MapGet("/admin/guardrails/policies", ListPoliciesAsync);
        app.MapPut("/admin/guardrails/policies", ReplacePoliciesAsync);
        app.MapDelete("/admin/guardrails/policies", DeleteAllPoliciesAsync);
        app.MapGet("/admin/guardrails/policies/{name}", GetPolicyAsync);
        app.MapPut("/admin/guardrails/policies/{name}", PutPolicyAsync);
        app.MapDelete("/admin/guardrails/policies/{name}", DeletePolicyAsync);

        app.MapGet("/api/traces", ListTracesAsync);
        app.MapGet("/api/traces/{traceId}", GetTraceAsync);
        app.MapGet("/api/stats", GetStatsAsync);
    }

    private static int QueryInt(HttpContext context, string name, int fallback, int min, int max)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw ApiException.BadRequest($"{name} must be a whole number from {min} to {max}");
        }

        return value;
    }

    private static string? QueryString(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        return text.Length == 0 ? null : text;
    }

    private static string RouteString(HttpContext context, string name) =>
        context.Request.RouteValues[name] as string ?? string.Empty;

    private static void CheckName(string name, string what)
    {
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal))
        {
            throw ApiException.BadRequest($"{what} must be 1 to {MaxNameLength} characters, without '/' or control characters");
        }
    }
}
