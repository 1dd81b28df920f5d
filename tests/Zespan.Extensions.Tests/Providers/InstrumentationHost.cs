using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// The instrumentation tests' <see cref="ZespanTestHost"/>: a fake LLM provider (real Kestrel on loopback), the fake
/// Zespan backend, and Zespan added with flushes left to the test.
/// </summary>
internal static class InstrumentationHost
{
    /// <summary>Answers with a fixture file.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Serve(string fixture, string contentType = "application/json", int status = 200) =>
        async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(Fixtures.Bytes(fixture));
        };

    extension(ZespanTestHost)
    {
        /// <summary>Starts the provider and the backend; <paramref name="configureServices"/> gets the provider's base URL.</summary>
        public static Task<ZespanTestHost> StartInstrumentedAsync(
            Func<HttpContext, RecordedRequest, Task> provider,
            Action<IServiceCollection, Uri> configureServices,
            Action<ZespanOptions>? configure = null) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                Provider = provider,
                MinimumLogLevel = LogLevel.Information,
                Configure = configure,
                Services = (services, host) => configureServices(services, host.Provider.BaseUrl),
            }.Quiet());
    }
}
