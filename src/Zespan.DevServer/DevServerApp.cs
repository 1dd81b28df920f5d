using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Zespan.DevServer.Api;
using Zespan.DevServer.Api.Contracts;
using Zespan.DevServer.Guardrails;
using Zespan.DevServer.Hosting;
using Zespan.DevServer.Mocks;
using Zespan.DevServer.Storage;
using Zespan.DevServer.Viewer;

namespace Zespan.DevServer;

/// <summary>Builds the Zespan dev server as a <see cref="WebApplication"/> (the command line and in-process tests use this).</summary>
public static class DevServerApp
{
    /// <summary>
    /// Validates <paramref name="options"/>, opens (or creates) the SQLite file, applies the schema migrations and
    /// returns the application, not yet started.
    /// </summary>
    /// <param name="options">The settings.</param>
    /// <returns>The application; start it with <c>StartAsync</c> or <c>RunAsync</c>.</returns>
    /// <exception cref="DevServerStartupException">A setting is wrong (a non-loopback address without an API key, a database newer than this server).</exception>
    public static WebApplication Build(DevServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var urls = options.Urls.Count > 0 ? options.Urls.ToArray() : [DevServerOptions.DefaultUrl];
        Validate(options, urls);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(DevServerApp).Assembly.GetName().Name });
        builder.WebHost.UseUrls(urls);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxBodyBytes; // as received; the decompression middleware applies it after decompression too
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        // a failed start (a port in use) is thrown to the caller, which reports it in one line: no "Hosting failed to start" stack trace
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        options.ConfigureLogging?.Invoke(builder.Logging);

        var database = new Database(options.DatabasePath);
        var services = builder.Services;
        services.AddSingleton(database);
        services.AddSingleton(options);
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton<DevServerLogger>();
        services.AddSingleton(new ApiKeys(options.ApiKeys));
        services.AddSingleton(new HostAllowList(urls));
        services.AddRateLimiter(limiter =>
        {
            limiter.AddConcurrencyLimiter(RateLimits.Ingest, o => (o.PermitLimit, o.QueueLimit) = (options.MaxConcurrentIngest, options.RequestQueueLimit));
            limiter.AddConcurrencyLimiter(RateLimits.Requests, o => (o.PermitLimit, o.QueueLimit) = (options.MaxConcurrentRequests, options.RequestQueueLimit));
            limiter.OnRejected = RateLimits.OnRejectedAsync;
        });
        services.AddSingleton<Retention>();
        services.AddSingleton<EventStore>();
        if (options.Retention is not null)
        {
            services.AddHostedService<RetentionService>();
        }

        services.AddSingleton<StatsQueries>();
        services.AddSingleton<SessionQueries>();
        services.AddSingleton<ConfigStore>();
        services.AddSingleton<PromptStore>();
        services.AddSingleton(sp => new GuardrailStore(database, options.TimeProvider, options.RegexTimeout));
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, DevServerJsonContext.Default);
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower; // the protocol's names; the context's own setting applies only to its own options
            json.SerializerOptions.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping; // answers are application/json, never HTML
        });
        services.Configure<RouteHandlerOptions>(routing => routing.ThrowOnBadRequest = true); // binding failures become the protocol's 400 body
        services.AddRequestDecompression();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        var app = builder.Build();

        var logger = app.Services.GetRequiredService<DevServerLogger>();
        try
        {
            foreach (var migration in Migrations.Apply(database, options.TimeProvider))
            {
                logger.MigrationApplied(migration.Version, migration.Description);
            }
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            throw new DevServerStartupException($"Cannot open the database '{database.FullPath}': {e.Message}", e);
        }

        var keys = app.Services.GetRequiredService<ApiKeys>();
        if (keys.Generated)
        {
            logger.GeneratedApiKey();
        }

        var hosts = app.Services.GetRequiredService<HostAllowList>();
        app.Use(ServerTiming.InvokeAsync);
        app.Use((context, next) => ErrorHandling.InvokeAsync(context, next, logger));
        app.Use((context, next) => hosts.InvokeAsync(context, next, logger));
        app.Use((context, next) => keys.InvokeAsync(context, next, logger));
        app.UseRateLimiter();
        app.UseRequestDecompression();

        app.MapZespanApi();
        new MockOpenAi(options).Map(app);
        new MockAnthropic(options).Map(app);
        app.MapViewer();
        app.MapDevServerHealth();

        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in GetListeningUrls(app))
            {
                logger.Listening(url.ToString(), database.FullPath);
            }
        });
        lifetime.ApplicationStopped.Register(database.ClearPool);
        return app;
    }

    /// <summary>The API key clients of this server send: the first of <see cref="DevServerOptions.ApiKeys"/>, or the key generated for this run when none was given.</summary>
    /// <param name="app">An application from <see cref="Build"/>.</param>
    /// <returns>The key.</returns>
    public static string GetApiKey(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<ApiKeys>().Primary;
    }

    /// <summary>The trace viewer's address with the key (<c>http://127.0.0.1:5087/?key=...</c>): open it in a browser.</summary>
    /// <param name="app">A started application from <see cref="Build"/>.</param>
    /// <returns>The viewer URL of the first listening address.</returns>
    public static Uri GetViewerUrl(WebApplication app) =>
        new(GetListeningUrls(app)[0], "?key=" + Uri.EscapeDataString(GetApiKey(app)));

    /// <summary>The addresses the started application listens on, each ending with <c>/</c> (the real port when 0 was asked for).</summary>
    /// <param name="app">A started application from <see cref="Build"/>.</param>
    /// <returns>The base URLs.</returns>
    public static IReadOnlyList<Uri> GetListeningUrls(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.Select(a => new Uri(a.EndsWith('/') ? a : a + "/")).ToArray();
    }

    private static void Validate(DevServerOptions options, string[] urls)
    {
        if (options.MaxEvents is < 1)
        {
            throw new DevServerStartupException("--max-events must be at least 1.");
        }

        if (options.Retention is { } age && age <= TimeSpan.Zero)
        {
            throw new DevServerStartupException("--retention must be a positive duration (30m, 12h, 7d).");
        }

        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new DevServerStartupException("--db needs a file path.");
        }

        if (options.MaxBodyBytes < 1024)
        {
            throw new DevServerStartupException("--max-body-bytes must be at least 1024.");
        }

        foreach (var key in options.ApiKeys)
        {
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new DevServerStartupException("--api-key needs a non-empty key.");
            }
        }

        if (options.ApiKeys.Count == 0)
        {
            foreach (var url in urls)
            {
                if (!ListenAddresses.IsLoopback(url))
                {
                    throw new DevServerStartupException(
                        $"Refusing to listen on '{url}' without an API key: without --api-key the server makes up a key per run and trusts loopback clients, which is only safe on loopback. " +
                        "Pass --api-key <key> (repeatable), or listen on 127.0.0.1 / localhost.");
                }
            }
        }
    }
}
