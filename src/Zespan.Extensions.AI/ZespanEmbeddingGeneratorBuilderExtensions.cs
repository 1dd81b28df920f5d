using Zespan.Extensions;
using Zespan.Extensions.AI;
using Zespan.Extensions.AI.Internal;

namespace Microsoft.Extensions.AI;

/// <summary>Adds Zespan to an <see cref="EmbeddingGeneratorBuilder{TInput, TEmbedding}"/> pipeline.</summary>
public static class ZespanEmbeddingGeneratorBuilderExtensions
{
    /// <summary>
    /// Records every call of the pipeline as a Zespan <c>embedding</c> event (model, number of inputs, tokens,
    /// latency, cost, and the inputs when <see cref="ZespanOptions.StorePrompts"/> is on and they are text), with
    /// Zespan's services taken from the builder's <see cref="IServiceProvider"/>
    /// (<c>services.AddEmbeddingGenerator(inner).UseZespan()</c>). With <c>OpenTelemetryEmbeddingGenerator</c> in the
    /// same pipeline the call is recorded once and is one span: that generator's.
    /// </summary>
    /// <typeparam name="TInput">The type of the inputs (text for most providers).</typeparam>
    /// <typeparam name="TEmbedding">The type of the embeddings.</typeparam>
    /// <param name="builder">The pipeline.</param>
    /// <param name="configure">Sets the provider label (<see cref="ZespanChatClientOptions.ProviderName"/>); guardrails do not apply to embeddings.</param>
    /// <returns>The builder.</returns>
    /// <remarks>
    /// The pipeline is built when the generator is first resolved; without <c>services.AddZespan(...)</c> that fails
    /// with an <see cref="InvalidOperationException"/> naming it.
    /// </remarks>
    public static EmbeddingGeneratorBuilder<TInput, TEmbedding> UseZespan<TInput, TEmbedding>(this EmbeddingGeneratorBuilder<TInput, TEmbedding> builder, Action<ZespanChatClientOptions>? configure = null)
        where TEmbedding : Embedding
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new ZespanChatClientOptions();
        configure?.Invoke(options);
        return builder.Use((inner, services) => new ZespanEmbeddingGenerator<TInput, TEmbedding>(inner, services, options));
    }
}
