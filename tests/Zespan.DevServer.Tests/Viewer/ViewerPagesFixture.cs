using Microsoft.Playwright;

namespace Zespan.DevServer.Tests.Viewer;

/// <summary>
/// One headless Chromium and one dev server seeded through the SDK (plus two OTLP exports: the OpenTelemetry .NET
/// exporter's protobuf and an OTLP/JSON document), shared by the tests of <see cref="ViewerPagesTests"/>.
/// </summary>
public sealed class ViewerPagesFixture : IAsyncLifetime
{
    private readonly BrowserFixture _browser = new();

    public IBrowser Browser => _browser.Browser;

    internal DevServerHost Server { get; private set; } = null!;

    internal SeededData Seeded { get; private set; } = null!;

    public string OtlpProtobufTrace { get; private set; } = string.Empty;

    public string OtlpJsonTrace { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        await _browser.InitializeAsync();
        Server = await DevServerHost.StartAsync();
        Seeded = await SdkSeed.SeedAsync(Server);
        OtlpProtobufTrace = await Otlp.OtlpReceiverTests.ExportGenAiTraceAsync(Server, "otel-dotnet-app", user: "carol", completion: "OTLP says " + SdkSeed.Hostile);
        OtlpJsonTrace = TestEvents.TraceId();
        var json = Otlp.OtlpReceiverTests.OtlpJson(OtlpJsonTrace, TestEvents.SpanId(), "gen_ai.request.model", "claude-haiku-4-5", inputTokens: 2000, outputTokens: 100);
        using var response = await Server.Client.PostAsync("v1/traces", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await _browser.DisposeAsync();
    }
}
