using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// ASP.NET Core rate limiting policies: concurrency limits with a bounded queue, one for ingest and one for every
/// other API request (reads, admin, prompts, config, guardrails). Past the queue a request gets 429 with
/// <c>Retry-After: 1</c>, which the SDK treats as transient and retries. The viewer's files, <c>/healthz</c> and the
/// mock LLMs are not limited.
/// </summary>
internal static class RateLimits
{
    public const string Ingest = "ingest";
    public const string Requests = "requests";

    public static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var policy = context.Request.Path.StartsWithSegments("/v1/ingest") || context.Request.Path.StartsWithSegments("/v1/traces") ? Ingest : Requests;
        context.RequestServices.GetRequiredService<DevServerLogger>().RequestLimited(context.Request.Method, context.Request.Path.Value ?? "/", policy);
        context.Response.Headers.RetryAfter = "1";
        await HttpJson.WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, ApiErrors.RateLimited,
            $"too many concurrent requests ({policy} limit and its queue are full); retry shortly").ConfigureAwait(false);
    }
}
