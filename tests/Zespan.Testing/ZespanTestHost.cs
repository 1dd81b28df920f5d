using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Zespan.Extensions;

namespace Zespan.Testing;

/// <summary>
/// The one stage every SDK test plays on: Zespan added (options bound from a reloadable in-memory <c>Zespan</c>
/// section, then code configuration), pointed at a <see cref="FakeZespanBackend"/> on loopback, with an optional fake
/// LLM provider (a <see cref="LoopbackServer"/>), a <see cref="SignalingTimeProvider"/> and every log record in a
/// <see cref="FakeLogCollector"/>. A bare service provider by default, or a started generic host
/// (<see cref="ZespanTestHostOptions.GenericHost"/>). Feature test folders add their accessors as extension members.
/// </summary>
public sealed class ZespanTestHost : IAsyncDisposable, IDisposable
{
    private readonly FakeZespanBackend? _backend;
    private readonly LoopbackServer? _provider;
    private IServiceProvider _services = null!;
    private IHost? _host;
    private bool _stopOnDispose;

    private ZespanTestHost(FakeZespanBackend? backend, LoopbackServer? provider, IConfigurationRoot configuration)
    {
        _backend = backend;
        _provider = provider;
        Configuration = configuration;
    }

    /// <summary>Gets the fake backend (throws when the host was built without one).</summary>
    public FakeZespanBackend Backend => _backend ?? throw new InvalidOperationException("This host was built without a fake backend (StartBackend = false).");

    /// <summary>Gets the fake LLM provider (throws when the host was built without one).</summary>
    public LoopbackServer Provider => _provider ?? throw new InvalidOperationException("This host was built without a fake provider (ZespanTestHostOptions.Provider).");

    /// <summary>Gets the clock (registered as the <see cref="TimeProvider"/> only with <see cref="ZespanTestHostOptions.FakeTime"/>).</summary>
    public SignalingTimeProvider Time { get; } = new();

    /// <summary>Gets every log record of the host's services.</summary>
    public FakeLogCollector Logs { get; } = new();

    /// <summary>Gets the configuration the <c>Zespan</c> section is bound from.</summary>
    public IConfigurationRoot Configuration { get; }

    /// <summary>Gets the generic host (throws without <see cref="ZespanTestHostOptions.GenericHost"/>).</summary>
    public IHost Host => _host ?? throw new InvalidOperationException("This host is a bare service provider (ZespanTestHostOptions.GenericHost = false).");

    /// <summary>Gets the services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>Gets the tracer.</summary>
    public IZespanTracer Tracer => _services.GetRequiredService<IZespanTracer>();

    /// <summary>Gets the context accessor.</summary>
    public IZespanContextAccessor Context => _services.GetRequiredService<IZespanContextAccessor>();

    /// <summary>Gets the HTTP client factory.</summary>
    public IHttpClientFactory Factory => _services.GetRequiredService<IHttpClientFactory>();

    /// <summary>Starts the backend and provider (as configured) and builds the services.</summary>
    public static async Task<ZespanTestHost> StartAsync(ZespanTestHostOptions? options = null)
    {
        options ??= new ZespanTestHostOptions();
        var backend = options.Backend ?? (options.StartBackend ? await FakeZespanBackend.StartAsync().ConfigureAwait(false) : null);
        var provider = options.Provider is { } handler ? await LoopbackServer.StartAsync(handler).ConfigureAwait(false) : null;
        var host = Build(options, backend, provider);
        if (host._host is not null && options.StartHost)
        {
            await host._host.StartAsync().ConfigureAwait(false);
        }

        return host;
    }

    /// <summary>Builds a host with no fake backend and no provider, synchronously (its queue or client is usually replaced).</summary>
    public static ZespanTestHost Create(ZespanTestHostOptions? options = null)
    {
        options ??= new ZespanTestHostOptions();
        if (options.Provider is not null || options.Backend is not null || (options.GenericHost && options.StartHost))
        {
            throw new ArgumentException("Create builds no servers and starts no host: use StartAsync.", nameof(options));
        }

        options.StartBackend = false;
        return Build(options, null, null);
    }

    /// <summary>Changes one <c>Zespan</c> setting and reloads the configuration (IOptionsMonitor.OnChange fires).</summary>
    public void SetOption(string key, string? value)
    {
        Configuration["Zespan:" + key] = value;
        Configuration.Reload();
    }

    /// <summary>Changes several <c>Zespan</c> settings and reloads the configuration once, as an edited appsettings.json does.</summary>
    public void SetOptions(params (string Key, string? Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            Configuration["Zespan:" + key] = value;
        }

        Configuration.Reload();
    }

    /// <summary>Flushes (asserting success) and returns every event the backend accepted.</summary>
    public async Task<IReadOnlyList<JsonObject>> FlushAsync()
    {
        Assert.True(await _services.GetRequiredService<IZespanClient>().FlushAsync().ConfigureAwait(false));
        return Backend.Events;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            if (_stopOnDispose)
            {
                await _host.StopAsync().ConfigureAwait(false);
            }

            if (_host is IAsyncDisposable asyncHost)
            {
                await asyncHost.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                _host.Dispose();
            }
        }
        else if (_services is IAsyncDisposable asyncServices)
        {
            await asyncServices.DisposeAsync().ConfigureAwait(false);
        }

        if (_provider is not null)
        {
            await _provider.DisposeAsync().ConfigureAwait(false);
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Disposes a host built by <see cref="Create"/> (no servers to stop).</summary>
    public void Dispose()
    {
        if (_backend is not null || _provider is not null)
        {
            DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        if (_host is not null)
        {
            _host.Dispose();
        }
        else if (_services is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    private static ZespanTestHost Build(ZespanTestHostOptions options, FakeZespanBackend? backend, LoopbackServer? provider)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (backend is not null)
        {
            values["Zespan:ApiKey"] = FakeZespanBackend.ValidApiKey;
            values["Zespan:BaseUrl"] = (options.BackendPathPrefix is { } prefix ? new Uri(backend.BaseUrl, prefix) : backend.BaseUrl).ToString();
        }

        foreach (var (key, value) in options.Settings)
        {
            values["Zespan:" + key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var host = new ZespanTestHost(backend, provider, configuration) { _stopOnDispose = options.StopHostOnDispose };
        HostApplicationBuilder? hostBuilder = null;
        IServiceCollection services;
        if (options.GenericHost)
        {
            hostBuilder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            services = hostBuilder.Services;
        }
        else
        {
            services = new ServiceCollection();
        }

        services.AddLogging(b => b.ClearProviders().SetMinimumLevel(options.MinimumLogLevel).AddProvider(new FakeLoggerProvider(host.Logs)));
        services.AddSingleton(host.Logs);
        if (options.FakeTime)
        {
            services.AddSingleton<TimeProvider>(host.Time);
        }

        options.ServicesBeforeZespan?.Invoke(services);
        var zespan = services.AddZespan(configuration.GetSection("Zespan"));
        if (options.Configure is { } configure)
        {
            services.AddZespan(configure);
        }

        options.Zespan?.Invoke(zespan);
        options.Services?.Invoke(services, host);
        if (hostBuilder is not null)
        {
            host._host = hostBuilder.Build();
            host._services = host._host.Services;
        }
        else
        {
            host._services = ((ServiceCollection)services).BuildServiceProvider();
        }

        return host;
    }
}
