using System.Text.Json;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tests.Providers;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Export;

/// <summary>
/// Truncate, don't drop: an event over <c>MaxEventBytes</c> from each producer (the HTTP handler, <c>LogGeneration</c>,
/// a span with large metadata) is cut, stays valid JSON and UTF-8, is marked <c>truncated</c> and is delivered.
/// </summary>
public class TruncationTests
{
    /// <summary>CJK and an emoji (a surrogate pair): 6 JSON bytes per UTF-16 unit, and a pair a careless cut would split.</summary>
    private static readonly string Cjk = string.Concat(Enumerable.Repeat("漢字かな😀", 20_000));

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Fact]
    public async Task LogGeneration_CjkPromptAndCompletionOverMaxEventBytes_IsDeliveredCutAndMarkedTruncated()
    {
        await using var h = await ExportHarness.StartAsync();
        var tracer = h.Services.GetRequiredService<IZespanTracer>();

        tracer.LogGeneration(new GenerationLog
        {
            Model = "gpt-4o",
            Provider = "openai",
            PromptMessages = [new LlmMessage("system", "Be brief."), new LlmMessage("user", Cjk)],
            CompletionMessage = new LlmMessage("assistant", Cjk),
        });
        Assert.True(await h.Client.FlushAsync());

        var e = Assert.Single(h.Backend.Events);
        AssertCut(e, h);
        Assert.Equal("Be brief.", (string)e["prompt_messages"]![0]!["content"]!); // small fields stay whole
        AssertValidPrefix(Cjk, (string)e["prompt_messages"]![1]!["content"]!);
        AssertValidPrefix(Cjk, (string)e["completion_message"]!["content"]!);
    }

    [Fact]
    public async Task Span_LargeMetadataAndToolResult_IsDeliveredCutAndMarkedTruncated()
    {
        await using var h = await ExportHarness.StartAsync();
        var tracer = h.Services.GetRequiredService<IZespanTracer>();

        using (var span = tracer.StartSpan("rag-pipeline"))
        {
            span.SetMetadata("document", Cjk);
            span.SetMetadata("chunks", Enumerable.Range(0, 20_000).Select(i => "chunk " + i).ToArray());
            span.SetMetadata("small", "kept whole");
        }

        Assert.True(await h.Client.FlushAsync());

        var e = Assert.Single(h.Backend.Events);
        AssertCut(e, h);
        Assert.Equal("kept whole", (string)e["metadata"]!["small"]!);
        AssertValidPrefix(Cjk, (string)e["metadata"]!["document"]!);
        Assert.StartsWith("[\"chunk 0\",\"chunk 1\"", (string)e["metadata"]!["chunks"]!, StringComparison.Ordinal); // a cut JSON value becomes a string of its JSON
    }

    [Fact]
    public async Task Span_MetadataAndToolDataNestedDeeperThanJsonReadersAccept_FlattenedAndTheBatchIsDelivered()
    {
        await using var h = await ExportHarness.StartAsync();
        var tracer = h.Services.GetRequiredService<IZespanTracer>();
        static JsonNode Nest(int depth)
        {
            JsonNode node = new JsonObject { ["leaf"] = "value" };
            for (var i = 1; i < depth; i++)
            {
                node = new JsonObject { ["next"] = node };
            }

            return node;
        }

        using (var span = tracer.StartSpan("deep"))
        {
            span.SetMetadata("deep", Nest(60));
            span.SetMetadata("shallow", Nest(3));
        }

        using (var agent = tracer.StartAgent("deep-agent"))
        {
            agent.TraceTool("deep-tool", Nest(50), () => Nest(45));
        }

        tracer.LogGeneration(new GenerationLog { Model = "m", Name = "sibling" });

        // Before, one value 60 levels deep made the whole batch unreadable to a JSON reader at its default depth of 64
        // (the backend answered 400 and every event of the batch was dropped).
        Assert.True(await h.Client.FlushAsync());
        var body = h.Backend.RequestsTo("/v1/ingest").Single().Body;
        using (JsonDocument.Parse(body))
        {
        }

        Assert.Equal(4, h.Backend.Events.Count);
        var deep = h.Backend.Events.Single(e => (string?)e["name"] == "deep");
        Assert.True((bool)deep["truncated"]!);
        Assert.StartsWith("{\"next\":{\"next\":", (string)deep["metadata"]!["deep"]!, StringComparison.Ordinal); // the structure became its text
        Assert.Equal("value", (string?)deep["metadata"]!["shallow"]!["next"]!["next"]!["leaf"]);
        var tool = h.Backend.Events.Single(e => (string?)e["log_type"] == "tool");
        Assert.True((bool)tool["truncated"]!);
        Assert.IsAssignableFrom<JsonValue>(tool["tool"]!["arguments"]);
        Assert.IsAssignableFrom<JsonValue>(tool["tool"]!["result"]);
        Assert.False((bool?)h.Backend.Events.Single(e => (string?)e["name"] == "sibling")["truncated"] ?? false);
    }

    [Fact]
    public async Task HttpHandler_CjkRequestAndResponseOverMaxEventBytes_IsDeliveredCutAndMarkedTruncated()
    {
        var answer = new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["object"] = "chat.completion",
            ["model"] = "gpt-4o-2024-08-06",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Cjk[..30_000] },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 20, ["total_tokens"] = 30 },
        }.ToJsonString();
        await using var h = await InstrumentationHarness.StartAsync(
            async (context, _) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(answer);
            },
            static (services, _) => services.AddHttpClient("openai").AddZespanOpenAI());
        var http = h.Factory.CreateClient("openai");

        using var response = await http.PostAsJsonAsync(
            new Uri(h.Provider.BaseUrl, "v1/chat/completions"),
            new { model = "gpt-4o", messages = new[] { new { role = "user", content = Cjk[..30_000] } } });
        response.EnsureSuccessStatusCode();

        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["truncated"]!);
        Assert.True(Encoding.UTF8.GetByteCount(e.ToJsonString()) <= new ZespanOptions().MaxEventBytes * 2);
        AssertValidPrefix(Cjk, (string)e["prompt_messages"]![0]!["content"]!);
        AssertValidPrefix(Cjk, (string)e["completion_message"]!["content"]!);
        Assert.Equal(30, (int)e["total_tokens"]!);
    }

    private static void AssertCut(JsonObject e, ExportHarness h)
    {
        Assert.True((bool)e["truncated"]!);
        Assert.Equal(1, h.Stats.EventsTruncated);
        Assert.Equal(0, DeliveryTests.DroppedTotal(h.Stats));

        // The event as sent (the gzip body's JSON, parsed by the backend) is within the limit.
        var body = Assert.Single(h.Ingests).Body.Length;
        Assert.True(body <= new ZespanOptions().MaxEventBytes + 1024, $"{body} bytes");
    }

    private static void AssertValidPrefix(string whole, string cut)
    {
        Assert.True(cut.Length < whole.Length, "not cut");
        Assert.True(cut.Length > 1000, "cut to almost nothing");
        Assert.StartsWith(cut, whole, StringComparison.Ordinal);
        _ = Strict.GetByteCount(cut); // throws on half a surrogate pair
    }
}
