using Microsoft.Extensions.Diagnostics.HealthChecks;
using Zespan.Extensions.Diagnostics.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the Zespan health check.</summary>
public static class ZespanHealthChecksBuilderExtensions
{
    /// <summary>
    /// Adds a check named <c>zespan</c> reporting the export pipeline: <paramref name="failureStatus"/> while
    /// exports fail, the queue is more than half full, or the key is rejected, with data (backlog, last
    /// success, dropped events).
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on trouble. The default is <see cref="HealthStatus.Degraded"/>: telemetry trouble should not get pods restarted.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns>The builder.</returns>
    public static IHealthChecksBuilder AddZespan(this IHealthChecksBuilder builder, string name = "zespan", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name,
            static sp => ActivatorUtilities.CreateInstance<ZespanHealthCheck>(sp, sp),
            failureStatus ?? HealthStatus.Degraded,
            tags));
    }
}
