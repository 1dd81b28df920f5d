namespace Zespan.Extensions.Tests.Prompts;

/// <summary>The prompt cache holds at most <see cref="ZespanOptions.PromptCacheMaxEntries"/> prompts, evicting the least recently used.</summary>
public class PromptCacheBoundTests
{
    [Fact]
    public void PromptCacheMaxEntries_Default_Is1000() => Assert.Equal(1000, new ZespanOptions().PromptCacheMaxEntries);

    [Fact]
    public async Task GetAsync_OverTheBound_LeastRecentlyUsedEvicted()
    {
        await using var h = await PromptHarness.StartAsync(o => o.PromptCacheMaxEntries = 2);
        foreach (var name in new[] { "a", "b", "c" })
        {
            h.Backend.SeedPrompt(name, name + " text", "production");
        }

        await h.Client.GetAsync("a");
        await h.Client.GetAsync("b");
        await h.Client.GetAsync("a"); // a is now more recently used than b
        await h.Client.GetAsync("c"); // evicts b

        Assert.Equal(2, h.Internal.CachedCount);
        await h.Client.GetAsync("a");
        await h.Client.GetAsync("c");
        Assert.Equal(1, h.Backend.PromptGetCount("a"));
        Assert.Equal(1, h.Backend.PromptGetCount("c"));
        await h.Client.GetAsync("b");
        Assert.Equal(2, h.Backend.PromptGetCount("b"));
        Assert.Equal(2, h.Internal.CachedCount);
    }

    [Fact]
    public async Task GetAsync_ManyDistinctPrompts_CacheNeverExceedsTheBound()
    {
        await using var h = await PromptHarness.StartAsync(o => o.PromptCacheMaxEntries = 10);
        for (var i = 0; i < 60; i++)
        {
            h.Backend.SeedPrompt("p" + i, "text " + i, "production");
        }

        for (var i = 0; i < 60; i++)
        {
            await h.Client.GetAsync("p" + i);
            Assert.True(h.Internal.CachedCount <= 10, $"{h.Internal.CachedCount} entries after {i + 1} prompts");
        }

        // The most recent ten are the ones kept.
        for (var i = 50; i < 60; i++)
        {
            await h.Client.GetAsync("p" + i);
            Assert.Equal(1, h.Backend.PromptGetCount("p" + i));
        }
    }
}
