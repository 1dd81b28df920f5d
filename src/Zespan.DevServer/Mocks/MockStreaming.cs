using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Zespan.DevServer.Mocks;

/// <summary>Server-sent events and the optional pause between them (<c>X-Mock-Delay-Ms</c> or <c>mock_delay_ms</c>).</summary>
internal sealed class MockStreaming(HttpContext context, TimeSpan delay, TimeProvider timeProvider)
{
    public static TimeSpan DelayOf(HttpContext context, JsonObject request, TimeSpan max)
    {
        long milliseconds = 0;
        var header = context.Request.Headers["X-Mock-Delay-Ms"].ToString();
        if (header.Length > 0 && long.TryParse(header, NumberStyles.None, CultureInfo.InvariantCulture, out var fromHeader))
        {
            milliseconds = fromHeader;
        }
        else if (request["mock_delay_ms"] is JsonValue value && value.TryGetValue<long>(out var fromBody) && fromBody > 0)
        {
            milliseconds = fromBody;
        }

        var wanted = TimeSpan.FromMilliseconds(milliseconds);
        return wanted > max ? max : wanted;
    }

    public void Start()
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.Connection = "keep-alive";
    }

    /// <summary>Writes <c>[event: NAME]\ndata: JSON\n\n</c>, flushes, then pauses when a delay was asked for.</summary>
    public async Task WriteAsync(string? eventName, string data, bool pause = true)
    {
        var text = eventName is null ? $"data: {data}\n\n" : $"event: {eventName}\ndata: {data}\n\n";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        if (pause)
        {
            await PauseAsync().ConfigureAwait(false);
        }
    }

    public Task PauseAsync() =>
        delay > TimeSpan.Zero ? Task.Delay(delay, timeProvider, context.RequestAborted) : Task.CompletedTask;
}
