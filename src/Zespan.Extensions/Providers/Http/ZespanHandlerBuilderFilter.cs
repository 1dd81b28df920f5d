using Microsoft.Extensions.Http;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// <c>InstrumentAllHttpClients</c>: adds one detecting <see cref="ZespanHttpHandler"/> outermost to every
/// <c>IHttpClientFactory</c> client, unless the client already has its own (<c>AddZespanOpenAI</c> and kin).
/// Calls to hosts that are not LLM providers pass through without their body being read.
/// </summary>
internal sealed class ZespanHandlerBuilderFilter(ZespanHandlerServices services, ZespanInstrumentationOptions options) : IHttpMessageHandlerBuilderFilter
{
    public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
    {
        ArgumentNullException.ThrowIfNull(next);
        return builder =>
        {
            // The client's own configuration runs first, so a client-specific handler is seen here.
            next(builder);
            foreach (var handler in builder.AdditionalHandlers)
            {
                if (handler is ZespanHttpHandler)
                {
                    return;
                }
            }

            builder.AdditionalHandlers.Insert(0, new ZespanHttpHandler(services, provider: null, options));
        };
    }
}
