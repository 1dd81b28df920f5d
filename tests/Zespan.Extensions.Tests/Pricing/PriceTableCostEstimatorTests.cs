using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Pricing;

public class PriceTableCostEstimatorTests
{
    [Fact]
    public async Task LogGeneration_NoCostGiven_IsEstimatedFromPriceTableAndOverrides()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(InstrumentationHost.Serve("openai-chat.json"), (_, _) => { },
            o => o.ModelPrices.Add(new ModelPrice { Model = "house-model", InputPerMillion = 1_000_000m, OutputPerMillion = 2_000_000m }));
        var tracer = h.Services.GetRequiredService<IZespanTracer>();

        tracer.LogGeneration(new GenerationLog { Model = "gpt-4o-mini", Provider = "openai", PromptTokens = 1000, CompletionTokens = 1000 });
        tracer.LogGeneration(new GenerationLog { Model = "house-model", PromptTokens = 2, CompletionTokens = 3 });
        tracer.LogGeneration(new GenerationLog { Model = "unknown-model-x", PromptTokens = 2, CompletionTokens = 3 });
        tracer.LogGeneration(new GenerationLog { Model = "house-model", PromptTokens = 2, CompletionTokens = 3, Cost = 0.5 });

        var events = await h.FlushAsync();
        Assert.True((double)events[0]["cost"]! > 0);
        Assert.Equal(8.0, (double)events[1]["cost"]!, 6);
        Assert.Null(events[2]["cost"]);
        Assert.Equal(0.5, (double)events[3]["cost"]!);
    }
}
