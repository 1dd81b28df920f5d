using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Zespan.Benchmarks;

/// <summary>Loopback servers for the benchmarks: a discarding Zespan/OTLP sink and a fake OpenAI provider.</summary>
internal static class BenchmarkServers
{
    /// <summary>A ~2 KB OpenAI chat completion.</summary>
    public static readonly byte[] ChatCompletion = BuildCompletion();

    /// <summary>An OpenAI stream of 200 content chunks, then usage and [DONE].</summary>
    public static readonly byte[] Stream200 = BuildStream(200);

    public static async Task<(WebApplication App, Uri BaseUrl)> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Accepts anything (ingest 202, OTLP 200), reading and discarding the body.</summary>
    public static Task<(WebApplication App, Uri BaseUrl)> StartSinkAsync() => StartAsync(async context =>
    {
        await context.Request.Body.CopyToAsync(System.IO.Stream.Null).ConfigureAwait(false);
        context.Response.StatusCode = context.Request.Path.StartsWithSegments("/v1/ingest") ? 202 : 200;
        await context.Response.WriteAsync("{\"accepted\":0}").ConfigureAwait(false);
    });

    /// <summary><c>/json/v1/chat/completions</c>: the 2 KB completion; <c>/stream/v1/chat/completions</c>: the 200-chunk stream; anything else: "ok".</summary>
    public static Task<(WebApplication App, Uri BaseUrl)> StartProviderAsync() => StartAsync(async context =>
    {
        await context.Request.Body.CopyToAsync(System.IO.Stream.Null).ConfigureAwait(false);
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.StartsWith("/json/", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(ChatCompletion).ConfigureAwait(false);
        }
        else if (path.StartsWith("/stream/", StringComparison.Ordinal))
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.Body.WriteAsync(Stream200).ConfigureAwait(false);
        }
        else
        {
            await context.Response.WriteAsync("ok").ConfigureAwait(false);
        }
    });

    private static byte[] BuildCompletion()
    {
        var text = string.Concat(Enumerable.Repeat("The order shipped yesterday and arrives Friday. ", 34));
        return Encoding.UTF8.GetBytes($$"""
            {"id":"chatcmpl-bench","object":"chat.completion","created":1727888631,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"{{text}}","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":400,"total_tokens":520},"system_fingerprint":"fp_f85bea6784"}
            """);
    }

    private static byte[] BuildStream(int chunks)
    {
        var sb = new StringBuilder();
        sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (var i = 0; i < chunks; i++)
        {
            sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n");
        }

        sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        sb.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":200,\"total_tokens\":212}}\n\n");
        sb.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
