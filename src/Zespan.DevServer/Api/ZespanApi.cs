using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Api;

/// <summary>
/// Maps the Zespan API (<c>/v1</c>), the admin API (<c>/admin</c>) and the read API (<c>/api</c>) as route groups;
/// the handlers take their stores from DI and answer typed results serialized by <see cref="Contracts.DevServerJsonContext"/>.
/// </summary>
internal static class ZespanApi
{
    public const int MaxPromptPageLimit = 100;
    public const int MaxTraceLimit = 200;
    public const int MaxNameLength = 200;

    /// <summary>Spans per trace response when <c>span_limit</c> is not given.</summary>
    public const int DefaultSpanLimit = 500;

    /// <summary>The most spans one trace response carries; page on with <c>span_offset</c>.</summary>
    public const int MaxSpanLimit = 2000;

    public static IEndpointRouteBuilder MapZespanApi(this IEndpointRouteBuilder app)
    {
        var ingest = app.MapGroup("/v1").RequireRateLimiting(RateLimits.Ingest);
        var v1 = app.MapGroup("/v1").RequireRateLimiting(RateLimits.Requests);
        var admin = app.MapGroup("/admin").RequireRateLimiting(RateLimits.Requests);
        var read = app.MapGroup("/api").RequireRateLimiting(RateLimits.Requests);

        IngestEndpoints.Map(ingest);
        Otlp.OtlpEndpoints.Map(ingest);
        ConfigEndpoints.Map(v1, admin);
        PromptEndpoints.Map(v1);
        GuardrailEndpoints.Map(v1, admin);
        ReadEndpoints.Map(read);
        StatsEndpoints.Map(read);
        SessionEndpoints.Map(read);
        return app;
    }

    /// <summary>A page or limit from the query: <paramref name="fallback"/> when absent, 400 outside <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static int InRange(int? value, string name, int fallback, int min, int max) => value switch
    {
        null => fallback,
        { } v when v >= min && v <= max => v,
        _ => throw ApiException.BadRequest(FormattableString.Invariant($"{name} must be a whole number from {min} to {max}")),
    };

    /// <summary>An optional query string, null when empty.</summary>
    public static string? Optional(string? text) => string.IsNullOrEmpty(text) ? null : text;

    public static void CheckName(string name, string what)
    {
        if (name.Length == 0 || name.Length > MaxNameLength || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal))
        {
            throw ApiException.BadRequest($"{what} must be 1 to {MaxNameLength} characters, without '/' or control characters");
        }
    }
}
