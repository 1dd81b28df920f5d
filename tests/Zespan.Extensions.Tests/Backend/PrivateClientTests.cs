using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Tests.Export;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Backend;

/// <summary>Zespan's backend client stays private: what the app registers for all its HTTP clients never wraps it.</summary>
public class PrivateClientTests
{
    [Fact]
    public async Task FlushAsync_AppAddsAHandlerToEveryHttpClient_TheBackendCallsDoNotGoThroughIt()
    {
        var seen = 0;
        await using var h = await ZespanTestHost.StartExportAsync(services: s =>
            s.ConfigureHttpClientDefaults(b => b.AddHttpMessageHandler(() => new CountingHandler(() => Interlocked.Increment(ref seen)))));
        h.EnqueueAll(TestEvents.Many(3));

        Assert.True(await h.Client.FlushAsync());

        Assert.Equal(3, h.Backend.Events.Count);
        Assert.Equal(0, Volatile.Read(ref seen));
    }

    private sealed class CountingHandler(Action onSend) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            onSend();
            return base.SendAsync(request, cancellationToken);
        }
    }
}
