using Microsoft.Extensions.AI;

namespace Zespan.Extensions.AI.Tests;

/// <summary>A hand-written inner embedding generator: one fixed vector per input, with usage; can throw.</summary>
internal sealed class FakeEmbeddingGenerator(string? providerName = "openai", string? defaultModelId = "text-embedding-3-small") : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new(providerName, new Uri("https://llm.invalid/"), defaultModelId, 3);

    /// <summary>Gets or sets the exception to throw (instead of answering).</summary>
    public Exception? Throw { get; set; }

    /// <summary>Gets the inputs received, one list per call.</summary>
    public List<List<string>> Calls { get; } = [];

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var inputs = values.ToList();
        Calls.Add(inputs);
        if (Throw is { } exception)
        {
            throw exception;
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Select(_ => new Embedding<float>(new float[] { 0.1f, 0.2f, 0.3f }) { ModelId = options?.ModelId ?? "text-embedding-3-small" }))
        {
            Usage = new UsageDetails { InputTokenCount = 4 * inputs.Count, TotalTokenCount = 4 * inputs.Count },
        };
        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
