using Microsoft.Extensions.DependencyInjection;
using Zespan.Extensions.Export.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

public class RefusedEventTests
{
    [Fact]
    public async Task Complete_QueueRefusesEvent_ReleasesTheCapture()
    {
        var refusing = new RefusingQueue();
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            (s, _) =>
            {
                s.AddHttpClient("openai").AddZespanOpenAI();
                s.AddSingleton<IZespanEventQueue>(refusing);
            });
        var client = h.Factory.CreateClient("openai");

        var response = await client.PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"""));
        await response.Content.ReadAsStringAsync();

        var refused = Assert.Single(refusing.Seen);
        Assert.Equal(LogTypes.Generation, refused.LogType);
        Assert.True(refusing.HadCapture);
        Assert.Null(refused.PendingCapture);
    }

    private sealed class RefusingQueue : IZespanEventQueue
    {
        public List<ZespanEvent> Seen { get; } = [];

        public bool HadCapture { get; private set; }

        public bool TryEnqueue(ZespanEvent item)
        {
            lock (Seen)
            {
                Seen.Add(item);
                HadCapture |= item.PendingCapture is not null;
            }

            return false;
        }
    }
}
