using Microsoft.Extensions.Hosting;

namespace Zespan.Extensions.Agents.Internal;

/// <summary>Starts the <see cref="AgentFrameworkListener"/> with the host and stops it with the host (a distinct type, so <c>TryAddEnumerable</c> registers it once).</summary>
internal sealed class AgentFrameworkListenerHost(AgentFrameworkListener listener) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => listener.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => listener.StopAsync(cancellationToken);
}
