using System.Net;
using System.Net.Http.Headers;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>
/// Property-based tests of the real <c>ZespanHttpHandler</c> over an in-memory provider: whatever the (mutated)
/// request and response bodies hold, nothing is thrown into the caller, the provider receives the request bytes as
/// sent, the caller reads the provider's bytes, and every call is recorded once on the export side.
/// </summary>
public sealed class HandlerProperties : IAsyncLifetime
{
    private FakeZespanBackend _backend = null!;

    public async Task InitializeAsync() => _backend = await FakeZespanBackend.StartAsync();

    public async Task DisposeAsync() => await _backend.DisposeAsync();

    public static TheoryData<bool> Modes() => new() { true, false };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task SendAsync_GeneratedExchanges_CallerSeesProviderBytesAndEveryCallIsRecorded(bool storePrompts)
    {
        var logs = new CollectingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddZespan(o =>
        {
            o.ApiKey = FakeZespanBackend.ValidApiKey;
            o.BaseUrl = _backend.BaseUrl;
            o.DisableConfigSync = true;
            o.FlushInterval = TimeSpan.FromMinutes(5);
            o.BatchSize = 1000;
            o.StorePrompts = storePrompts;

            // A rule that matches nothing still makes the handler read every request's model.
            o.ModelOverrides.Add(new ModelOverride { From = "no-such-model", To = "other-model" });
        });
        await using var provider = services.BuildServiceProvider();
        var inner = new InMemoryProvider();
        var clients = new Dictionary<ZespanProvider, HttpClient>();
        var calls = 0;

        void Property(BodyCase c)
        {
            var (wire, url, _) = FixtureEndpoints.For(c.Fixture);
            if (!clients.TryGetValue(wire, out var client))
            {
                clients[wire] = client = new HttpClient(ZespanInstrumentation.CreateHandler(provider, wire, innerHandler: inner));
            }

            inner.Next = c;
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(c.Request ?? [.. "{}"u8]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            using var body = response.Content.ReadAsStream();
            var read = new MemoryStream();
            var buffer = new byte[c.ReadSize];
            int n;
            while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
            {
                read.Write(buffer, 0, n);
            }

            Assert.Equal(c.Status, (int)response.StatusCode);
            Assert.Equal(c.Body, read.ToArray());
            Assert.Equal(c.Request ?? [.. "{}"u8], inner.LastRequest);
            calls++;
        }

        PropertyRunner.Check(ProviderBodyProperties.Cases, Property, iterations: 600, budget: TimeSpan.FromSeconds(6), print: c => c.ToString());
        foreach (var client in clients.Values)
        {
            client.Dispose();
        }

        Assert.True(await provider.GetRequiredService<IZespanClient>().FlushAsync());
        // One event per call (log type generation, response or embedding by endpoint); none lost on the export side.
        Assert.Equal(calls, _backend.Events.Count);
        // The one warning a mutated body may rightly cause: a model with no price (logged once per model).
        Assert.DoesNotContain(logs.Logs, l => l.Level >= LogLevel.Warning && l.EventId.Id != ZespanLogEvents.ModelUnpriced);
        Assert.DoesNotContain(logs.Logs, l => l.EventId.Id == ZespanLogEvents.InstrumentationFailed);
    }

    /// <summary>Answers each request with the case's body, in small pieces, and keeps the request's bytes.</summary>
    private sealed class InMemoryProvider : HttpMessageHandler
    {
        public BodyCase? Next { get; set; }

        public byte[] LastRequest { get; private set; } = [];

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastRequest = request.Content is null ? [] : request.Content.ReadAsByteArrayAsync(cancellationToken).GetAwaiter().GetResult();
            var c = Next!;
            var response = new HttpResponseMessage((HttpStatusCode)c.Status) { Content = new StreamContent(new TrickleStream(c.Body, 1 + (c.ReadSize % 700))) };
            if (c.ContentType is not null)
            {
                response.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            return response;
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(Send(request, cancellationToken));
    }

    /// <summary>A body that arrives a few bytes per read, as from a network.</summary>
    private sealed class TrickleStream(byte[] data, int step) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, step));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, step)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, step)], cancellationToken);
    }
}
