using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.Configuration.Internal;

internal static class RemoteConfigServiceCollectionExtensions
{
    /// <summary>
    /// Registers the options monitor (last good value, change only on a real difference), the remote
    /// configuration store, its overlay, the poller and the hosted service that polls (a bounded fetch at start,
    /// then every <c>FlushInterval</c>).
    /// </summary>
    public static IServiceCollection AddZespanRemoteConfig(this IServiceCollection services)
    {
        services.TryAddSingleton<IOptionsMonitor<ZespanOptions>, ZespanOptionsMonitor>();
        services.TryAddSingleton<RemoteConfigStore>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<ZespanOptions>, RemoteConfigStore>(
            static sp => sp.GetRequiredService<RemoteConfigStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<ZespanOptions>, RemoteConfigPostConfigure>());
        services.TryAddSingleton<RemoteConfigPoller>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RemoteConfigPollingService>());
        return services;
    }
}
