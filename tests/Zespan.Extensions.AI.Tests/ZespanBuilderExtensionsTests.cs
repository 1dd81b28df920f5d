using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.AI.Tests;

/// <summary><c>UseZespan()</c> on Microsoft.Extensions.AI's builders, alone and beside its OpenTelemetry clients.</summary>
[Collection(ActivityListenerCollection.Name)]
public class ZespanBuilderExtensionsTests
{
    [Fact]
    public async Task UseZespan_AddChatClient_RecordsTheCallWithServicesFromTheBuilder()
    {
        var inner = new FakeChatClient();
        await using var h = await ZespanHarness.StartAsync(services: s => s.AddChatClient(inner).UseZespan(o => o.ProviderName = "acme"));
        var chat = h.Services.GetRequiredService<IChatClient>();

        var response = await chat.GetResponseAsync("hello");

        Assert.Equal("Hello there!", response.Text);
        Assert.NotNull(chat.GetService<ZespanChatClient>());
        var e = await h.SingleGenerationAsync();
        Assert.Equal("acme", (string?)e["provider"]);
        Assert.Equal("acme.chat", (string?)e["name"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![0]!["content"]);
        Assert.Equal(17, (int)e["total_tokens"]!);
    }

    [Fact]
    public async Task UseZespan_AddEmbeddingGenerator_RecordsAnEmbeddingEvent()
    {
        var inner = new FakeEmbeddingGenerator();
        await using var h = await ZespanHarness.StartAsync(services: s => s.AddEmbeddingGenerator(inner).UseZespan());
        var generator = h.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var embeddings = await generator.GenerateAsync(["first", "second", "third"]);

        Assert.Equal(3, embeddings.Count);
        Assert.Equal(["first", "second", "third"], Assert.Single(inner.Calls));
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("embedding", (string?)e["log_type"]);
        Assert.Equal("openai.embeddings", (string?)e["name"]);
        Assert.Equal("openai", (string?)e["provider"]);
        Assert.Equal("text-embedding-3-small", (string?)e["model"]);
        Assert.Equal(3, (int)e["metadata"]!["input_count"]!);
        Assert.Equal(3, (int)e["metadata"]!["embedding_count"]!);
        Assert.Equal(3, (int)e["metadata"]!["embedding_dimensions"]!);
        Assert.Equal(12, (int)e["prompt_tokens"]!);
        Assert.Equal(12, (int)e["total_tokens"]!);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.True((double)e["latency"]! >= 0);
        Assert.True((double)e["cost"]! > 0);
        Assert.Equal("second", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task UseZespan_EmbeddingGeneratorStorePromptsOff_KeepsNoInputs()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.StorePrompts = false, s => s.AddEmbeddingGenerator(new FakeEmbeddingGenerator()).UseZespan());

        await h.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["secret text"]);

        var e = Assert.Single(await h.FlushAsync());
        Assert.Null(e["prompt_messages"]);
        Assert.Equal(1, (int)e["metadata"]!["input_count"]!);
    }

    [Fact]
    public async Task UseZespan_EmbeddingGeneratorThrows_CallerGetsTheSameExceptionAndTheEventRecordsIt()
    {
        var failure = new InvalidOperationException("quota exceeded");
        await using var h = await ZespanHarness.StartAsync(services: s => s.AddEmbeddingGenerator(new FakeEmbeddingGenerator { Throw = failure }).UseZespan());

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["x"]));

        Assert.Same(failure, thrown);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("System.InvalidOperationException", (string?)e["error"]!["type"]);
        Assert.Equal(500, (int)e["status_code"]!);
    }

    [Fact]
    public void UseZespan_AddZespanNeverCalled_ResolvingTheClientFailsNamingAddZespan()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddChatClient(new FakeChatClient()).UseZespan();
        services.AddEmbeddingGenerator(new FakeEmbeddingGenerator()).UseZespan();
        using var provider = services.BuildServiceProvider();

        var chat = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IChatClient>());
        var embeddings = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());

        Assert.All([chat.Message, embeddings.Message], m => Assert.Contains("UseZespan() needs Zespan's services, but services.AddZespan(...) was never called", m, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UseZespan_OpenTelemetryChatClientInThePipeline_OneSpanAndOneEvent(bool openTelemetryOutside)
    {
        var sourceName = "Test.MEAI." + Guid.NewGuid().ToString("N");
        var spans = new List<Activity>();
        using var listener = Listen(sourceName, spans);
        await using var h = await ZespanHarness.StartAsync(services: s =>
        {
            var builder = s.AddChatClient(new FakeChatClient());
            if (openTelemetryOutside)
            {
                builder.UseOpenTelemetry(sourceName: sourceName).UseZespan();
            }
            else
            {
                builder.UseZespan().UseOpenTelemetry(sourceName: sourceName);
            }
        });

        using (var app = new Activity("app.request").Start())
        {
            await h.Services.GetRequiredService<IChatClient>().GetResponseAsync("hello");
        }

        var e = await h.SingleGenerationAsync();
        var span = Assert.Single(spans);
        Assert.Equal(sourceName, span.Source.Name);
        Assert.Equal(span.TraceId.ToHexString(), (string?)e["trace_id"]);
        Assert.Equal(span.ParentSpanId.ToHexString(), (string?)e["parent_span_id"]);
        if (openTelemetryOutside)
        {
            // The span is further out: the event is the same call under the same id.
            Assert.Equal(span.SpanId.ToHexString(), (string?)e["span_id"]);
        }
    }

    [Fact]
    public async Task UseZespan_NoOtherGenAiSpan_ZespanStartsItsOwnActivity()
    {
        var spans = new List<Activity>();
        using var listener = Listen("unused." + Guid.NewGuid().ToString("N"), spans);
        await using var h = await ZespanHarness.StartAsync(services: s => s.AddChatClient(new FakeChatClient()).UseZespan());

        await h.Services.GetRequiredService<IChatClient>().GetResponseAsync("hello");

        var e = await h.SingleGenerationAsync();
        var span = Assert.Single(spans);
        Assert.Equal("Zespan", span.Source.Name);
        Assert.Equal(span.SpanId.ToHexString(), (string?)e["span_id"]);
    }

    [Fact]
    public async Task UseZespan_OpenTelemetryEmbeddingGeneratorOutside_OneSpanWhoseIdTheEventTakes()
    {
        var sourceName = "Test.MEAI." + Guid.NewGuid().ToString("N");
        var spans = new List<Activity>();
        using var listener = Listen(sourceName, spans);
        await using var h = await ZespanHarness.StartAsync(services: s => s.AddEmbeddingGenerator(new FakeEmbeddingGenerator()).UseOpenTelemetry(sourceName: sourceName).UseZespan());

        await h.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateAsync(["x"]);

        var e = Assert.Single(await h.FlushAsync());
        var span = Assert.Single(spans);
        Assert.Equal(sourceName, span.Source.Name);
        Assert.Equal(span.SpanId.ToHexString(), (string?)e["span_id"]);
    }

    private static ActivityListener Listen(string otherSource, List<Activity> stopped)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Zespan" || s.Name == otherSource,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (stopped)
                {
                    stopped.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
