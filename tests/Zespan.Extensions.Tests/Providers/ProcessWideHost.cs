using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// The process-wide capture tests' <see cref="ZespanTestHost"/>: a started generic host with
/// <c>AddZespan(...).InstrumentAllHttpClients()</c> (process-wide capture on), a fake provider on loopback mapped to its
/// wire format through <see cref="ZespanOptions.ProviderEndpoints"/>, and the fake Zespan backend. Process-wide capture
/// sees every request of the test process, so each host maps only its own provider's port: hosts of tests running in
/// parallel never record each other's calls.
/// </summary>
internal static class ProcessWideHost
{
    extension(ZespanTestHost)
    {
        public static Task<ZespanTestHost> StartProcessWideAsync(
            Func<HttpContext, RecordedRequest, Task> provider,
            ZespanProvider wireFormat = ZespanProvider.OpenAI,
            Action<ZespanOptions>? configure = null,
            Action<ZespanInstrumentationOptions>? instrumentation = null,
            Action<IServiceCollection, Uri>? services = null) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                GenericHost = true,
                StopHostOnDispose = true,
                Provider = provider,
                MinimumLogLevel = LogLevel.Debug,
                Configure = configure,
                Zespan = zespan => zespan.InstrumentAllHttpClients(instrumentation),
                Services = (s, host) =>
                {
                    s.Configure<ZespanOptions>(o => o.ProviderEndpoints.Add(new ProviderEndpoint { Host = host.Provider.BaseUrl.Authority, Provider = wireFormat }));
                    services?.Invoke(s, host.Provider.BaseUrl);
                },
            }.Quiet());
    }

    extension(ZespanTestHost h)
    {
        /// <summary>Gets the fake provider's base URL.</summary>
        public Uri BaseUrl => h.Provider.BaseUrl;
    }
}
