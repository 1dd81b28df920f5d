using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Zespan.DevServer.Tests.Otlp;

/// <summary><c>POST /v1/traces</c>: a real OpenTelemetry .NET OTLP exporter (http/protobuf) and an OTLP/JSON export, both mapped to Zespan events.</summary>
public class OtlpReceiverTests
{
    [Fact]
    public async Task Export_FromTheOpenTelemetryExporter_StoresGenAiSpansAsGenerationsAgentsAndTools_WithTokensAndCost()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = await ExportGenAiTraceAsync(server, "otlp-test-proto");

        var trace = await server.GetJsonAsync($"api/traces/{traceId}");

        var spans = trace["spans"]!.AsArray().Select(static s => s!).ToList();
        Assert.Equal(["agent", "generation", "tool", "custom"], spans.Select(static s => s["log_type"]!.GetValue<string>()));
        Assert.Equal([0, 1, 1, 1], spans.Select(static s => s["depth"]!.GetValue<int>()));
        var generation = spans[1]["event"]!;
        Assert.Equal("gpt-4o-mini", generation["model"]!.GetValue<string>());
        Assert.Equal("openai", generation["provider"]!.GetValue<string>());
        Assert.Equal(1200, generation["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(300, generation["completion_tokens"]!.GetValue<int>());
        Assert.Equal(400, generation["prompt_tokens_details"]!["cached_tokens"]!.GetValue<int>());
        Assert.Equal("estimated", generation["cost_status"]!.GetValue<string>());
        Assert.Equal((1200 * 0.15 + 300 * 0.60) / 1_000_000, generation["cost"]!.GetValue<double>(), 12); // gpt-4o-mini's list price
        Assert.Equal("Where is order A-1001?", generation["prompt_messages"]![1]!["content"]!.GetValue<string>());
        Assert.Equal("system", generation["prompt_messages"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("It shipped <script>alert(1)</script> yesterday.", generation["completion_message"]!["content"]!.GetValue<string>());
        Assert.Equal("stop", generation["finish_reason"]!.GetValue<string>());
        Assert.Equal("ada", generation["customer_identifier"]!.GetValue<string>());
        Assert.Equal("conv-1", generation["thread_identifier"]!.GetValue<string>());
        Assert.Equal("otlp-test-proto", generation["metadata"]!["service.name"]!.GetValue<string>());
        Assert.Equal("support-agent", spans[0]["event"]!["agent"]!["name"]!.GetValue<string>());
        Assert.Equal("lookup_order", spans[2]["event"]!["tool"]!["name"]!.GetValue<string>());
        Assert.Equal("A-1001", spans[2]["event"]!["tool"]!["arguments"]!["order_id"]!.GetValue<string>());
        Assert.Equal("cache.get", spans[3]["name"]!.GetValue<string>());
        Assert.Equal(1500, trace["total_tokens"]!.GetValue<int>());
        Assert.Equal("ada", trace["user"]!.GetValue<string>());
    }

    [Fact]
    public async Task Export_OtlpJson_StoresTheGeneration_AndAnUnknownModelIsUnpriced()
    {
        await using var server = await DevServerHost.StartAsync();
        var traceId = TestEvents.TraceId();
        var spanId = TestEvents.SpanId();
        var json = OtlpJson(traceId, spanId, "gen_ai.request.model", "claude-haiku-4-5", inputTokens: 2000, outputTokens: 100);
        var unpricedTrace = TestEvents.TraceId();
        var unpriced = OtlpJson(unpricedTrace, TestEvents.SpanId(), "gen_ai.request.model", "my-local-llama", inputTokens: 10, outputTokens: 5);

        using var first = await server.Client.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"));
        using var retried = await server.Client.PostAsync("v1/traces", new StringContent(json, Encoding.UTF8, "application/json"));
        using var second = await server.Client.PostAsync("v1/traces", new StringContent(unpriced, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("{}", await first.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var trace = await server.GetJsonAsync($"api/traces/{traceId}");
        var generation = Assert.Single(trace["spans"]!.AsArray())!["event"]!;
        Assert.Equal("generation", generation["log_type"]!.GetValue<string>());
        Assert.Equal("anthropic", generation["provider"]!.GetValue<string>());
        Assert.Equal(2000, generation["prompt_tokens"]!.GetValue<int>());
        Assert.Equal((2000 * 1.0 + 100 * 5.0) / 1_000_000, generation["cost"]!.GetValue<double>(), 12);
        Assert.Equal("Hello from JSON", generation["completion_message"]!["content"]!.GetValue<string>());
        Assert.Equal(2.5, trace["latency"]!.GetValue<double>(), 6);
        var other = (await server.GetJsonAsync($"api/traces/{unpricedTrace}"))["spans"]![0]!["event"]!;
        Assert.Equal("unpriced", other["cost_status"]!.GetValue<string>());
        Assert.Null(other["cost"]);
        Assert.Equal(2, (await server.GetJsonAsync("api/stats"))["events"]!.GetValue<int>()); // the retry stored nothing twice
    }

    [Theory]
    [InlineData("application/x-protobuf", "not protobuf at all \u00ff\u00ff\u00ff\u00ff")]
    [InlineData("application/json", "[1, 2, 3]")]
    [InlineData("text/plain", "hello")]
    public async Task Export_Malformed_Answers4xxAndStoresNothing(string contentType, string body)
    {
        await using var server = await DevServerHost.StartAsync();

        using var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await server.Client.PostAsync("v1/traces", content);

        Assert.True((int)response.StatusCode is 400 or 415, $"answered {(int)response.StatusCode}");
        Assert.Equal(0, (await server.GetJsonAsync("api/stats"))["events"]!.GetValue<int>());
    }

    [Fact]
    public async Task Export_WithoutTheKey_Answers401()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.PostAsync("v1/traces", new StringContent("{}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    /// <summary>
    /// Sends, through the OpenTelemetry SDK and its OTLP exporter (http/protobuf), one trace shaped like an app
    /// instrumented with GenAI semantic conventions: invoke_agent, chat (tokens, messages), execute_tool, and a plain span.
    /// </summary>
    internal static async Task<string> ExportGenAiTraceAsync(DevServerHost server, string serviceName, string user = "ada", string completion = "It shipped <script>alert(1)</script> yesterday.")
    {
        var sourceName = "Zespan.DevServer.Tests.Otlp." + Guid.NewGuid().ToString("N");
        using var source = new ActivitySource(sourceName);
        using var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(serviceName).AddAttributes([new("deployment.environment.name", "staging")]))
            .AddSource(sourceName)
            .SetSampler(new AlwaysOnSampler())
            .AddOtlpExporter(o =>
            {
                o.Endpoint = new Uri(server.BaseUrl, "v1/traces");
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Headers = "Authorization=Bearer " + server.Key;
                o.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build()!;

        string traceId;
        using (var agent = source.StartActivity("invoke_agent support-agent", ActivityKind.Internal)!)
        {
            traceId = agent.TraceId.ToHexString();
            agent.SetTag("gen_ai.operation.name", "invoke_agent");
            agent.SetTag("gen_ai.agent.name", "support-agent");
            agent.SetTag("gen_ai.conversation.id", "conv-1");
            agent.SetTag("user.id", user);
            using (var chat = source.StartActivity("chat gpt-4o-mini", ActivityKind.Client)!)
            {
                chat.SetTag("gen_ai.operation.name", "chat");
                chat.SetTag("gen_ai.provider.name", "openai");
                chat.SetTag("gen_ai.request.model", "gpt-4o-mini");
                chat.SetTag("gen_ai.response.model", "gpt-4o-mini-2024-07-18");
                chat.SetTag("gen_ai.usage.input_tokens", 1200);
                chat.SetTag("gen_ai.usage.output_tokens", 300);
                chat.SetTag("gen_ai.usage.cache_read.input_tokens", 400);
                chat.SetTag("gen_ai.response.finish_reasons", new[] { "stop" });
                chat.SetTag("gen_ai.conversation.id", "conv-1");
                chat.SetTag("user.id", user);
                chat.SetTag("gen_ai.system_instructions", """[{"type":"text","content":"You are a support bot."}]""");
                chat.SetTag("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"Where is order A-1001?"}]}]""");
                chat.SetTag("gen_ai.output.messages", new JsonArray(new JsonObject
                {
                    ["role"] = "assistant",
                    ["parts"] = new JsonArray(new JsonObject { ["type"] = "text", ["content"] = completion }),
                    ["finish_reason"] = "stop",
                }).ToJsonString());
            }

            using (var tool = source.StartActivity("execute_tool lookup_order")!)
            {
                tool.SetTag("gen_ai.operation.name", "execute_tool");
                tool.SetTag("gen_ai.tool.name", "lookup_order");
                tool.SetTag("gen_ai.tool.call.arguments", """{"order_id":"A-1001"}""");
                tool.SetTag("gen_ai.tool.call.result", """{"status":"shipped"}""");
            }

            using (source.StartActivity("cache.get"))
            {
            }
        }

        Assert.True(provider.ForceFlush(30_000), "the OTLP exporter did not flush");
        return traceId;
    }

    internal static string OtlpJson(string traceId, string spanId, string modelKey, string model, int inputTokens, int outputTokens)
    {
        const long Start = 1_795_000_000_000_000_000; // 2026-11-18
        return new JsonObject
        {
            ["resourceSpans"] = new JsonArray(new JsonObject
            {
                ["resource"] = new JsonObject { ["attributes"] = new JsonArray(Attr("service.name", "python-app")) },
                ["scopeSpans"] = new JsonArray(new JsonObject
                {
                    ["scope"] = new JsonObject { ["name"] = "opentelemetry.instrumentation.openai_v2", ["version"] = "2.1b0" },
                    ["spans"] = new JsonArray(new JsonObject
                    {
                        ["traceId"] = traceId.ToUpperInvariant(), // hex, any case
                        ["spanId"] = spanId,
                        ["parentSpanId"] = "",
                        ["name"] = "chat " + model,
                        ["kind"] = 3,
                        ["startTimeUnixNano"] = Start.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["endTimeUnixNano"] = (Start + 2_500_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["attributes"] = new JsonArray(
                            Attr("gen_ai.operation.name", "chat"),
                            Attr("gen_ai.system", model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : "local"),
                            Attr(modelKey, model),
                            new JsonObject { ["key"] = "gen_ai.usage.input_tokens", ["value"] = new JsonObject { ["intValue"] = inputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture) } },
                            new JsonObject { ["key"] = "gen_ai.usage.output_tokens", ["value"] = new JsonObject { ["intValue"] = outputTokens } },
                            Attr("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"Hello from JSON"}],"finish_reason":"stop"}]""")),
                        ["status"] = new JsonObject { ["code"] = 1 },
                    }),
                }),
            }),
        }.ToJsonString();

        static JsonObject Attr(string key, string value) => new() { ["key"] = key, ["value"] = new JsonObject { ["stringValue"] = value } };
    }
}
