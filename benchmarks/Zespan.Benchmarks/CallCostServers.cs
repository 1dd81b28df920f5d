using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Zespan.Benchmarks;

/// <summary>
/// The loopback servers of the whole-process cost run, in a process of their own so that the measured process's
/// CPU and allocations are the app's alone: a fake OpenAI answering <c>/v1/chat/completions</c> with the repository's
/// recorded fixtures (the SSE stream is written one event at a time, flushed after each, as a provider sends it),
/// a Zespan ingest endpoint and an OTLP/HTTP collector that read and discard what they receive. <c>GET /stats</c>
/// reports the bytes and requests each sink received, so a block's wire bytes can be attributed exactly.
/// Run by <see cref="CallCostLoad"/> as <c>cost-servers</c>; it prints <c>ready http://127.0.0.1:port/</c> and stops
/// when its standard input closes.
/// </summary>
internal static class CallCostServers
{
    private static long _ingestBytes;
    private static long _ingestRequests;
    private static long _otlpBytes;
    private static long _otlpRequests;

    public static async Task<int> RunAsync(string fixtures)
    {
        var completion = await File.ReadAllBytesAsync(Path.Combine(fixtures, "openai-chat.json")).ConfigureAwait(false);
        var stream = SplitEvents(await File.ReadAllTextAsync(Path.Combine(fixtures, "openai-chat-stream.sse")).ConfigureAwait(false));
        var (app, url) = await BenchmarkServers.StartAsync(context => HandleAsync(context, completion, stream)).ConfigureAwait(false);
        await using (app.ConfigureAwait(false))
        {
            Console.WriteLine($"ready {url}");
            Console.Out.Flush();
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is not null)
            {
            }

            await app.StopAsync().ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>Splits an SSE fixture into its events, each with its blank-line terminator.</summary>
    internal static byte[][] SplitEvents(string sse) =>
        sse.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(e => !string.IsNullOrWhiteSpace(e))
            .Select(e => System.Text.Encoding.UTF8.GetBytes(e.Trim('\n') + "\n\n"))
            .ToArray();

    /// <summary>Answers <c>/v1/chat/completions</c> with the recorded completion, or the recorded stream when the request asks for one.</summary>
    internal static async Task ServeChatAsync(HttpContext context, byte[] completion, byte[][] stream)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body).ConfigureAwait(false);
        if (body.GetBuffer().AsSpan(0, (int)body.Length).IndexOf("\"stream\":true"u8) >= 0)
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.StartAsync().ConfigureAwait(false);
            foreach (var e in stream)
            {
                await context.Response.Body.WriteAsync(e).ConfigureAwait(false);
                await context.Response.Body.FlushAsync().ConfigureAwait(false);
            }
        }
        else
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = completion.Length;
            await context.Response.Body.WriteAsync(completion).ConfigureAwait(false);
        }
    }

    private static async Task HandleAsync(HttpContext context, byte[] completion, byte[][] stream)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            await ServeChatAsync(context, completion, stream).ConfigureAwait(false);
            return;
        }

        if (path == "/stats")
        {
            await context.Response.WriteAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{Interlocked.Read(ref _ingestBytes)} {Interlocked.Read(ref _ingestRequests)} {Interlocked.Read(ref _otlpBytes)} {Interlocked.Read(ref _otlpRequests)}")).ConfigureAwait(false);
            return;
        }

        var read = await DiscardAsync(context.Request.Body).ConfigureAwait(false);
        if (path.EndsWith("/v1/ingest", StringComparison.Ordinal))
        {
            Interlocked.Add(ref _ingestBytes, read);
            Interlocked.Increment(ref _ingestRequests);
            context.Response.StatusCode = 202;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"accepted\":0}").ConfigureAwait(false);
            return;
        }

        if (path.StartsWith("/v1/traces", StringComparison.Ordinal) || path.StartsWith("/v1/metrics", StringComparison.Ordinal) || path.StartsWith("/v1/logs", StringComparison.Ordinal))
        {
            Interlocked.Add(ref _otlpBytes, read);
            Interlocked.Increment(ref _otlpRequests);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            return;
        }

        context.Response.StatusCode = 404;
    }

    private static async Task<long> DiscardAsync(Stream body)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
