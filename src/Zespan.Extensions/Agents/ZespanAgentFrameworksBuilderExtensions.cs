using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Zespan.Extensions;
using Zespan.Extensions.Agents.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the capture of .NET agent frameworks' spans to Zespan.</summary>
public static class ZespanAgentFrameworksBuilderExtensions
{
    /// <summary>
    /// Records the spans Microsoft Agent Framework (<c>Microsoft.Agents.AI</c>, its workflows) and Semantic Kernel emit
    /// from their <see cref="System.Diagnostics.ActivitySource"/>s as Zespan events in the same trace: an
    /// <c>invoke_agent</c> span becomes an <c>agent</c> event (its instructions a <c>plan</c> when recorded), an
    /// <c>execute_tool</c> span a <c>tool</c> event, a handoff workflow's transfer a <c>handoff</c> event, and a
    /// <c>chat</c> span a <c>generation</c> only when Zespan did not record that call itself (through an instrumented
    /// <c>HttpClient</c> or the <c>IChatClient</c> middleware, whose generation then nests under the agent or tool).
    /// Events keep the spans' trace and span ids. No package of those frameworks is needed: Zespan listens to their
    /// sources by name. Safe to call more than once.
    /// </summary>
    /// <param name="builder">The builder <c>AddZespan</c> returned.</param>
    /// <returns>The same builder.</returns>
    /// <remarks>
    /// The frameworks emit spans only when asked: Microsoft Agent Framework agents built with
    /// <c>.AsBuilder().UseOpenTelemetry()</c>, workflows with <c>.WithOpenTelemetry()</c>, Microsoft.Extensions.AI chat
    /// clients with <c>.UseOpenTelemetry()</c>; Semantic Kernel emits its function spans always and its model-call spans
    /// with the <c>Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics</c> switch on. Message content is in
    /// the spans only with each framework's sensitive-data switch on; Zespan keeps it only while
    /// <see cref="ZespanOptions.StorePrompts"/> is on, and redacts it like all content. docs/agent-frameworks.md has the details.
    /// </remarks>
    public static IZespanBuilder CaptureAgentFrameworks(this IZespanBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton<AgentFrameworkSpans>();
        services.TryAddSingleton(static sp => new AgentFrameworkListener(
            sp.GetRequiredService<AgentFrameworkSpans>(),
            sp,
            sp.GetRequiredService<IOptionsMonitor<ZespanOptions>>(),
            sp.GetService<ILoggerFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AgentFrameworkListenerHost>());
        return builder;
    }
}
