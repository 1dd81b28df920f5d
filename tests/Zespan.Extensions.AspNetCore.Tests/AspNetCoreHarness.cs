using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary>
/// A web app on a TestServer with Zespan, <c>AddAspNetCore</c> and the test authentication scheme, whose endpoints call a
/// fake OpenAI server (real Kestrel on 127.0.0.1) through a client instrumented with <c>AddZespanOpenAI</c>; events go to
/// the fake Zespan backend and are delivered by <see cref="FlushAsync"/>.
/// </summary>
internal sealed class AspNetCoreHarness : IAsyncDisposable
{
    private AspNetCoreHarness(FakeZespanBackend backend, LoopbackServer openAI, WebApplication app)
    {
        Backend = backend;
        OpenAI = openAI;
        App = app;
    }

    /// <summary>The response header of <c>/chat/{tenant}</c> holding the id of <see cref="System.Diagnostics.Activity.Current"/> in the endpoint.</summary>
    public const string ActivityHeader = "X-Endpoint-Activity";

    public FakeZespanBackend Backend { get; }

    public LoopbackServer OpenAI { get; }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public static async Task<AspNetCoreHarness> StartAsync(
        Action<ZespanAspNetCoreOptions>? configure = null,
        Action<ZespanOptions>? zespan = null,
        Action<IServiceCollection>? services = null,
        bool start = true)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var openAI = await LoopbackServer.StartAsync(AnswerAsync);
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            zespan?.Invoke(o);
        }).AddAspNetCore(configure);
        builder.Services.AddAuthentication(TestAuthHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddHttpClient<ChatBot>(c => c.BaseAddress = openAI.BaseUrl).AddZespanOpenAI();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPost("/chat/{tenant}", static async (string tenant, ChatRequest request, ChatBot bot, HttpContext http, CancellationToken cancellationToken) =>
        {
            // The activity the endpoint runs in (ASP.NET Core's request activity, when something listens).
            http.Response.Headers[ActivityHeader] = System.Diagnostics.Activity.Current?.Id;
            return Results.Ok(new { reply = await bot.CompleteAsync(request.Message, cancellationToken) });
        });
        app.MapPost("/scoped-chat", static async (ChatRequest request, ChatBot bot, IZespanContextAccessor context, CancellationToken cancellationToken) =>
        {
            using var scope = context.BeginScope(userId: "scope-user", tags: new Dictionary<string, string> { ["feature"] = "scoped" });
            return Results.Ok(new { reply = await bot.CompleteAsync(request.Message, cancellationToken) });
        });
        app.MapGet("/context", static (IZespanContextAccessor context) => Results.Ok(new
        {
            userId = context.Current?.UserId,
            sessionId = context.Current?.SessionId,
            tags = context.Current?.Tags,
        }));

        var harness = new AspNetCoreHarness(backend, openAI, app);
        if (start)
        {
            await app.StartAsync();
        }

        return harness;
    }

    public HttpClient CreateClient() => App.GetTestClient();

    /// <summary>Posts a chat message as the user of <paramref name="claims"/> (anonymous when null).</summary>
    public async Task<HttpResponseMessage> ChatAsync(HttpClient client, string message, string? claims = null, string? session = null, string path = "/chat/acme", IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(new ChatRequest(message)) };
        if (claims is not null)
        {
            request.Headers.Add(TestAuthHandler.ClaimsHeader, claims);
        }

        if (session is not null)
        {
            request.Headers.Add("X-Session-Id", session);
        }

        foreach (var header in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(header.Key, header.Value);
        }

        var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>Flushes and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return Backend.Events;
    }

    /// <summary>Flushes and returns the generation whose prompt is <paramref name="message"/>.</summary>
    public async Task<JsonObject> GenerationAsync(string message) =>
        Assert.Single(await FlushAsync(), e => (string?)e["log_type"] == "generation" && (string?)e["prompt_messages"]?[0]?["content"] == message);

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await OpenAI.DisposeAsync();
        await Backend.DisposeAsync();
    }

    private static async Task AnswerAsync(HttpContext context, RecordedRequest request)
    {
        var prompt = (string?)request.Json?["messages"]?[0]?["content"] ?? string.Empty;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["object"] = "chat.completion",
            ["model"] = "gpt-4o-mini-2024-07-18",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "echo: " + prompt },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["completion_tokens"] = 3, ["total_tokens"] = 8 },
        }.ToJsonString());
    }
}

/// <summary>A chat message.</summary>
internal sealed record ChatRequest(string Message);

/// <summary>A typed client that sends one chat completion to the fake OpenAI server through the Zespan handler.</summary>
internal sealed class ChatBot(HttpClient http)
{
    public async Task<string> CompleteAsync(string message, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("v1/chat/completions", new
        {
            model = "gpt-4o-mini",
            messages = new[] { new { role = "user", content = message } },
        }, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() ?? string.Empty;
    }
}
