using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// Adds <c>Server-Timing: app;dur=&lt;ms&gt;</c> to every answer: the time from the request reaching the pipeline to
/// the response starting, as the server measured it (browsers' developer tools show it; docs/dev-server.md's figures
/// are these numbers).
/// </summary>
internal static class ServerTiming
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        context.Response.OnStarting(static state =>
        {
            var (response, started) = ((HttpResponse, long))state;
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture, $"app;dur={elapsed:0.###}");
            return Task.CompletedTask;
        }, (context.Response, started));
        return next(context);
    }
}
