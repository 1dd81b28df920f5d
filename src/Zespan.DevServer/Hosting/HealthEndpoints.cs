using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Zespan.DevServer.Hosting;

/// <summary><c>GET /healthz</c>: ASP.NET Core health checks, answered as <c>{"status": "ok"}</c> (503 and <c>unhealthy</c> when the database does not answer).</summary>
internal static class HealthEndpoints
{
    public const string Path = "/healthz";

    public static IEndpointRouteBuilder MapDevServerHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(Path, new HealthCheckOptions { ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var status = report.Status switch
        {
            HealthStatus.Healthy => "ok",
            HealthStatus.Degraded => "degraded",
            _ => "unhealthy",
        };
        return context.Response.WriteAsync("{\"status\":\"" + status + "\"}");
    }
}
