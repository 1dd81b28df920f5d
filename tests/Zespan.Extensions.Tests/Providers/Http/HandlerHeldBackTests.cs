using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Guardrails.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// A post-check holds the response back, up to <see cref="GuardrailCheckRunner.MaxHeldBytes"/>; beyond it the check
/// fails and FailClosed decides. Remote guardrail rules apply only where the app allows them.
/// </summary>
public class HandlerHeldBackTests
{
    private const string Request = """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}""";

    private static Action<IServiceCollection, Uri> Guarded(bool failClosed) =>
        (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions { Pre = false, Post = true, FailClosed = failClosed });

    /// <summary>An SSE stream of chat chunks larger than the cap, ending with [DONE].</summary>
    private static byte[] HugeStream()
    {
        var builder = new StringBuilder();
        var filler = new string('x', 4000);
        var i = 0;
        while (builder.Length <= GuardrailCheckRunner.MaxHeldBytes + 100_000)
        {
            builder.Append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"")
                .Append(filler).Append(i++).Append("\"}}]}\n\n");
        }

        builder.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static Func<HttpContext, RecordedRequest, Task> Serve(byte[] body) => async (context, _) =>
    {
        context.Response.ContentType = "text/event-stream";
        for (var offset = 0; offset < body.Length; offset += 65536)
        {
            await context.Response.Body.WriteAsync(body.AsMemory(offset, Math.Min(65536, body.Length - offset)));
        }
    };

    private static async Task<HttpResponseMessage> SendAsync(InstrumentationHarness h, string name = "openai")
    {
        var content = new StringContent(Request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Provider.BaseUrl, "v1/chat/completions")) { Content = content };
        return await h.Factory.CreateClient(name).SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
    }

    [Fact]
    public async Task PostCheck_StreamOverCapFailOpen_CallerGetsEveryByteUnchecked()
    {
        var body = HugeStream();
        await using var h = await InstrumentationHarness.StartAsync(Serve(body), Guarded(failClosed: false));

        using var response = await SendAsync(h);
        var received = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(body.Length, received.Length);
        Assert.Equal(SHA256.HashData(body), SHA256.HashData(received));
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));
        var guardrail = Assert.Single(await h.FlushAsync(), e => (string?)e["log_type"] == "guardrail");
        Assert.True((bool)guardrail["guardrail"]!["passed"]!);
        Assert.Equal("zespan.unavailable", (string?)guardrail["guardrail"]!["results"]![0]!["policy"]);
    }

    [Fact]
    public async Task PostCheck_SynchronousSendOverCapFailOpen_CallerGetsEveryByte()
    {
        var body = HugeStream();
        await using var h = await InstrumentationHarness.StartAsync(Serve(body), Guarded(failClosed: false));
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Provider.BaseUrl, "v1/chat/completions")) { Content = new StringContent(Request) };

        using var response = h.Factory.CreateClient("openai").Send(message, HttpCompletionOption.ResponseHeadersRead);
        using var stream = response.Content.ReadAsStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);

        Assert.Equal(SHA256.HashData(body), SHA256.HashData(copy.ToArray()));
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));
    }

    [Fact]
    public async Task PostCheck_StreamOverCapFailClosed_Blocks()
    {
        await using var h = await InstrumentationHarness.StartAsync(Serve(HugeStream()), Guarded(failClosed: true));

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => SendAsync(h));

        Assert.Equal(GuardrailPhase.Post, ex.Phase);
        Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));
        var events = await h.FlushAsync();
        var generation = Assert.Single(events, e => (string?)e["log_type"] == "generation");
        Assert.Equal("guardrail_blocked", (string?)generation["error"]!["type"]);
    }

    [Fact]
    public async Task PostCheck_StreamUnderCap_StillCheckedWhole()
    {
        await using var h = await InstrumentationHarness.StartAsync(InstrumentationHarness.Serve("openai-chat-stream.sse", "text/event-stream"), Guarded(failClosed: true));

        using var response = await SendAsync(h);

        Assert.Equal(Fixtures.Text("openai-chat-stream.sse"), await response.Content.ReadAsStringAsync());
        var check = Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check")).Json!;
        Assert.Equal("post", (string?)check["phase"]);
    }

    [Fact]
    public async Task RemoteGuardrailEnable_AllowRemoteGuardrailsFalse_NotChecked()
    {
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, _) =>
            {
                s.AddHttpClient("openai").AddZespanOpenAI(o => o.AllowRemoteGuardrails = false);
                s.AddHttpClient("allowed").AddZespanOpenAI();
            },
            o => o.DisableConfigSync = false);
        h.Backend.SetConfig(4, """[{"type": "guardrail_enable", "provider": "*", "pre": true, "post": true}]""");
        await h.Services.GetRequiredService<IZespanClient>().RefreshConfigAsync();

        using var forbidden = await SendAsync(h);
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));

        using var allowed = await SendAsync(h, "allowed");
        Assert.Equal(2, h.Backend.RequestsTo("/v1/guardrails/check").Count);
    }

    [Fact]
    public async Task LocalGuardrailRule_AllowRemoteGuardrailsFalse_StillChecked()
    {
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(o => o.AllowRemoteGuardrails = false),
            o => o.GuardrailRules.Add(new GuardrailRule { Provider = "openai", Pre = true, Post = false }));

        using var response = await SendAsync(h);

        Assert.Single(h.Backend.RequestsTo("/v1/guardrails/check"));
    }

    [Fact]
    public async Task RemoteGuardrailEnable_StorePromptsOff_NotChecked()
    {
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(),
            o =>
            {
                o.DisableConfigSync = false;
                o.StorePrompts = false;
            });
        h.Backend.SetConfig(4, """[{"type": "guardrail_enable", "provider": "*", "pre": true, "post": true}]""");
        await h.Services.GetRequiredService<IZespanClient>().RefreshConfigAsync();

        using var response = await SendAsync(h);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Empty(h.Backend.RequestsTo("/v1/guardrails/check"));
    }
}
