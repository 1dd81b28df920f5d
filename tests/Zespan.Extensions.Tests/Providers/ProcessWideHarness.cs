using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Zespan.Testing;
using TestServer = Zespan.Testing.LoopbackServer;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// A started host with <c>AddZespan(...).InstrumentAllHttpClients()</c> (process-wide capture on), a fake provider on
/// loopback mapped to its wire format through <see cref="ZespanOptions.ProviderEndpoints"/>, and the fake Zespan
/// backend. Process-wide capture sees every request of the test process, so each harness maps only its own
/// provider's port: hosts of tests running in parallel never record each other's calls.
/// </summary>
internal sealed class ProcessWideHarness : IAsyncDisposable
{
    private ProcessWideHarness(FakeZespanBackend backend, TestServer provider, IHost host)
    {
        Backend = backend;
        Provider = provider;
        Host = host;
    }

    public FakeZespanBackend Backend { get; }

    public TestServer Provider { get; }

    public IHost Host { get; }

    /// <summary>Gets what the host logged.</summary>
    public FakeLogCollector Logs => Host.Services.GetFakeLogCollector();

    public IServiceProvider Services => Host.Services;

    public Uri BaseUrl => Provider.BaseUrl;

    public static async Task<ProcessWideHarness> StartAsync(
        Func<HttpContext, RecordedRequest, Task> provider,
        ZespanProvider wireFormat = ZespanProvider.OpenAI,
        Action<ZespanOptions>? configure = null,
        Action<ZespanInstrumentationOptions>? instrumentation = null,
        Action<IServiceCollection, Uri>? services = null)
    {
        var backend = await FakeZespanBackend.StartAsync();
        var server = await TestServer.StartAsync(provider);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddFakeLogging();
        builder.Services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            o.ProviderEndpoints.Add(new ProviderEndpoint { Host = server.BaseUrl.Authority, Provider = wireFormat });
            configure?.Invoke(o);
        }).InstrumentAllHttpClients(instrumentation);
        services?.Invoke(builder.Services, server.BaseUrl);
        var host = builder.Build();
        await host.StartAsync();
        return new ProcessWideHarness(backend, server, host);
    }

    /// <summary>Answers with a fixture file.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Serve(string fixture, string contentType = "application/json", int status = 200) =>
        InstrumentationHarness.Serve(fixture, contentType, status);

    /// <summary>Flushes and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await Services.GetRequiredService<IZespanClient>().FlushAsync());
        return Backend.Events;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await Provider.DisposeAsync();
        await Backend.DisposeAsync();
    }
}
