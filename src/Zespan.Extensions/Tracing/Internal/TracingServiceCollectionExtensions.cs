using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Agents.Internal;
using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Filtering.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tracing.Internal;

internal static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the tracer, the context accessor, redaction, sampling and export filters. With
    /// <see cref="ZespanOptions.Enabled"/> false, <see cref="IZespanTracer"/> and <see cref="IZespanContextAccessor"/>
    /// resolve to no-ops. <see cref="ZespanTracer"/> itself (for the instrumentation handlers) always resolves;
    /// its <c>TryStartEvent</c> then returns false.
    /// </summary>
    public static IServiceCollection AddZespanTracing(this IServiceCollection services)
    {
        services.TryAddSingleton(static sp => new EventSteps(
            sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>(),
            sp.GetRequiredService<ExportStatistics>(),
            sp.GetRequiredService<DropCounter>(),
            sp.GetServices<IZespanEventProcessor>(),
            sp.GetService<IZespanCostEstimator>(),
            sp.GetService<ILoggerFactory>(),
            sp.GetService<Pricing.Internal.ITokenCountEstimator>()));
        services.TryAddSingleton<IEventPreparer>(static sp => sp.GetRequiredService<EventSteps>());
        services.TryAddSingleton(static sp => new EventLifecycle(
            sp.GetRequiredService<IZespanEventQueue>(),
            sp.GetRequiredService<EventSteps>(),
            sp.GetRequiredService<ExportStatistics>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(static sp =>
        {
            var tracer = new ZespanTracer(
                sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>(),
                sp.GetRequiredService<EventLifecycle>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>(),
                sp.GetService<AgentFrameworkSpans>());

            // CaptureAgentFrameworks: listen from the first use of the tracer, even without a host to start it.
            sp.GetService<AgentFrameworkListener>()?.Start();
            return tracer;
        });
        services.TryAddSingleton<IZespanTracer>(static sp =>
            IsEnabled(sp) ? sp.GetRequiredService<ZespanTracer>() : NoOpZespanTracer.Instance);
        services.TryAddSingleton<IZespanContextAccessor>(static sp =>
            IsEnabled(sp) ? new ZespanContextAccessor() : NoOpZespanContextAccessor.Instance);

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IZespanEventProcessor, ExportFilterProcessor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IZespanEventProcessor, RedactionProcessor>());
        return services;
    }

    private static bool IsEnabled(IServiceProvider services) =>
        services.GetRequiredService<IOptionsMonitor<ZespanOptions>>().CurrentValue.Enabled;
}
