using Microsoft.Extensions.AI;

namespace Zespan.Extensions.AI;

/// <summary>Adds Zespan to an <see cref="IChatClient"/>.</summary>
public static class ZespanChatClientExtensions
{
    /// <summary>
    /// Wraps <paramref name="inner"/> in a <see cref="ZespanChatClient"/> that records each call (streaming too)
    /// as a Zespan <c>generation</c> event and applies guardrails, with the services Zespan registered in
    /// <paramref name="services"/>.
    /// </summary>
    /// <param name="inner">The client to wrap (a provider's <see cref="IChatClient"/>).</param>
    /// <param name="services">The service provider <c>services.AddZespan(...)</c> was called on.</param>
    /// <returns>The wrapping client.</returns>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was never called on <paramref name="services"/>.</exception>
    /// <remarks>With <see cref="ZespanOptions.Enabled"/> false the client only passes calls through.</remarks>
    public static IChatClient WithZespan(this IChatClient inner, IServiceProvider services) =>
        WithZespan(inner, services, configure: null);

    /// <summary>
    /// Wraps <paramref name="inner"/> in a <see cref="ZespanChatClient"/> with its own options (guardrails,
    /// provider label).
    /// </summary>
    /// <param name="inner">The client to wrap (a provider's <see cref="IChatClient"/>).</param>
    /// <param name="services">The service provider <c>services.AddZespan(...)</c> was called on.</param>
    /// <param name="configure">Sets this client's options; may be null.</param>
    /// <returns>The wrapping client.</returns>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was never called on <paramref name="services"/>.</exception>
    public static IChatClient WithZespan(this IChatClient inner, IServiceProvider services, Action<ZespanChatClientOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(services);
        var options = new ZespanChatClientOptions();
        configure?.Invoke(options);
        return new ZespanChatClient(inner, services, options);
    }
}
