using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;
using TestServer = Zespan.Testing.LoopbackServer;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// A fake LLM provider (real Kestrel on loopback), the fake Zespan backend, and a service provider with
/// Zespan added: the stage every instrumentation test plays on.
/// </summary>
internal sealed class InstrumentationHarness : IAsyncDisposable
{
    private InstrumentationHarness(FakeZespanBackend backend, TestServer provider, ServiceProvider services)
    {
        Backend = backend;
        Provider = provider;
        Services = services;
    }

    public FakeZespanBackend Backend { get; }

    public TestServer Provider { get; }

    public ServiceProvider Services { get; }

    public IHttpClientFactory Factory => Services.GetRequiredService<IHttpClientFactory>();

    public static async Task<InstrumentationHarness> StartAsync(
        Func<HttpContext, RecordedRequest, Task> provider,
        Action<IServiceCollection, Uri> configureServices,
        Action<ZespanOptions>? configure = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var server = await TestServer.StartAsync(provider);
        var services = new ServiceCollection();
        services.AddLogging();
        var zespan = services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            configure?.Invoke(o);
        });
        configureServices(services, server.BaseUrl);
        return new InstrumentationHarness(backend, server, services.BuildServiceProvider());
    }

    /// <summary>Answers with a fixture file.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Serve(string fixture, string contentType = "application/json", int status = 200) =>
        async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(Fixtures.Bytes(fixture));
        };

    /// <summary>Flushes and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return Backend.Events;
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Provider.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
