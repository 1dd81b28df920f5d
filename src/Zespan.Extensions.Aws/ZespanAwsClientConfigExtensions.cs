using Amazon.Runtime;

namespace Zespan.Extensions;

/// <summary>Turns on Zespan tracing for an AWS SDK service client's configuration.</summary>
public static class ZespanAwsClientConfigExtensions
{
    /// <summary>
    /// Sets <see cref="ClientConfig.HttpClientFactory"/> to a new <see cref="ZespanAwsHttpClientFactory"/>, so the
    /// Amazon Bedrock Runtime calls of the client built from this configuration are traced. Call it before the
    /// service client is created: the SDK reads the factory when it makes its first request.
    /// </summary>
    /// <typeparam name="TConfig">The service's configuration type, such as <c>AmazonBedrockRuntimeConfig</c>.</typeparam>
    /// <param name="config">The configuration.</param>
    /// <param name="services">The application's service provider, in which <c>AddZespan</c> was called.</param>
    /// <param name="configure">Sets guardrails and a provider label for this client's calls.</param>
    /// <returns>The same configuration, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="config"/> or <paramref name="services"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException"><c>AddZespan</c> was not called on <paramref name="services"/>.</exception>
    public static TConfig UseZespan<TConfig>(this TConfig config, IServiceProvider services, Action<ZespanInstrumentationOptions>? configure = null)
        where TConfig : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.HttpClientFactory = new ZespanAwsHttpClientFactory(services, configure);
        return config;
    }
}
