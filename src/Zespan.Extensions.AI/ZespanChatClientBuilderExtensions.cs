using Zespan.Extensions.AI;
using Zespan.Extensions.AI.Internal;

namespace Microsoft.Extensions.AI;

/// <summary>Adds Zespan to a <see cref="ChatClientBuilder"/> pipeline, as <c>UseOpenTelemetry()</c> adds OpenTelemetry.</summary>
public static class ZespanChatClientBuilderExtensions
{
    /// <summary>
    /// Adds a <see cref="ZespanChatClient"/> to the pipeline: every call (streaming too) is recorded as a Zespan
    /// <c>generation</c> event and checked by guardrails, with Zespan's services taken from the builder's
    /// <see cref="IServiceProvider"/> (<c>services.AddChatClient(inner).UseZespan()</c>). With
    /// <see cref="OpenTelemetryChatClient"/> in the same pipeline the call is recorded once and is one span: that
    /// client's (Zespan's event takes its span id when it is further out).
    /// </summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets this client's options (guardrails, provider label); may be null.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The pipeline is built when the client is first resolved; without <c>services.AddZespan(...)</c> that fails
    /// with an <see cref="InvalidOperationException"/> naming it.
    /// </remarks>
    public static ChatClientBuilder UseZespan(this ChatClientBuilder builder, Action<ZespanChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ZespanChatClientOptions();
        configure?.Invoke(options);
        return builder.Use((inner, services) => new ZespanChatClient(inner, services, options, registration: "UseZespan()"));
    }
}
