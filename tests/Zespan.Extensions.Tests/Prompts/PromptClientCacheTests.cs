using System.Net;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

public class PromptClientCacheTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task GetAsync_NoLabelOrVersion_FetchesProductionLabel()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("support-reply", "v1 {{name}}", "production");
        h.Backend.SeedPrompt("support-reply", "v2 {{name}}", "staging");

        var prompt = await h.Client.GetAsync("support-reply");

        Assert.Equal(1, prompt.Version);
        Assert.Equal("v1 {{name}}", prompt.Text);
        var request = Assert.Single(h.Backend.RequestsTo("/v1/prompts/support-reply"));
        Assert.Equal("?label=production", request.Query);
    }

    [Fact]
    public async Task GetAsync_Request_CarriesKeyAndUserAgent()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "text", "production");

        await h.Client.GetAsync("p");

        var request = Assert.Single(h.Backend.RequestsTo("/v1/prompts/p"));
        Assert.Equal("Bearer " + FakeZespanBackend.ValidApiKey, request.Header("Authorization"));
        Assert.StartsWith("zespan-dotnet/", request.Header("User-Agent"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_BothLabelAndVersion_ThrowsArgumentException()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        var ex = Assert.Throws<ArgumentException>(() => { _ = h.Client.GetAsync("p", label: "staging", version: 2); });

        Assert.Contains("not both", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Backend.Requests);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(".")]
    [InlineData("..")]
    public async Task GetAsync_NameThatCannotBeAddressed_ThrowsArgumentException(string name)
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        Assert.ThrowsAny<ArgumentException>(() => { _ = h.Client.GetAsync(name); });
    }

    [Fact]
    public async Task GetAsync_WithinTtl_ServedFromCacheWithoutRequest()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");

        var first = await h.Client.GetAsync("p");
        h.Backend.SeedPrompt("p", "two", "production");
        h.Time.Advance(Ttl - TimeSpan.FromSeconds(1));
        var second = await h.Client.GetAsync("p");

        Assert.Same(first, second);
        Assert.Equal(1, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_LabelsAndVersions_CachedUnderSeparateKeys()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        h.Backend.SeedPrompt("p", "two", "staging");

        var production = await h.Client.GetAsync("p");
        var staging = await h.Client.GetAsync("p", label: "staging");
        var version1 = await h.Client.GetAsync("p", version: 1);
        var again = new[] { await h.Client.GetAsync("p", label: "production"), await h.Client.GetAsync("p", label: "staging"), await h.Client.GetAsync("p", version: 1) };

        Assert.Equal(new[] { "one", "two", "one" }, new[] { production.Text, staging.Text, version1.Text });
        Assert.Same(production, again[0]);
        Assert.Same(staging, again[1]);
        Assert.Same(version1, again[2]);
        Assert.Equal(3, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_CacheHit_ReturnsSameCompletedTask()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        await h.Client.GetAsync("p");

        var a = h.Client.GetAsync("p");
        var b = h.Client.GetAsync("p");

        Assert.True(a.IsCompletedSuccessfully);
        Assert.Same(a, b);
    }

    [Fact]
    public async Task GetAsync_AfterTtl_ReturnsStalePromptAtOnceAndRefreshesInBackground()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        var first = await h.Client.GetAsync("p");
        h.Backend.SeedPrompt("p", "two", "production");
        h.Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var gate = h.HoldGets("p");

        var stale = h.Client.GetAsync("p");

        // The refresh is held by the backend, yet the stale prompt is already there.
        Assert.True(stale.IsCompletedSuccessfully);
        Assert.Same(first, await stale);
        await gate.Arrived;
        gate.Release();
        await h.Internal.WhenRefreshesCompleteAsync();
        var fresh = await h.Client.GetAsync("p");

        Assert.Equal(2, fresh.Version);
        Assert.Equal("two", fresh.Text);
        Assert.Equal(2, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_ManyStaleHits_StartOneRefresh()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        await h.Client.GetAsync("p");
        h.Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        var gate = h.HoldGets("p");

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(1, (await h.Client.GetAsync("p")).Version);
        }

        await gate.Arrived;
        gate.Release();
        await h.Internal.WhenRefreshesCompleteAsync();

        Assert.Equal(2, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_RefreshFails_KeepsStalePromptAndRetriesLater()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        await h.Client.GetAsync("p");
        h.Backend.SeedPrompt("p", "two", "production");
        h.Time.Advance(Ttl + TimeSpan.FromSeconds(1));
        h.Backend.FailNext("/v1/prompts/p", 1, HttpStatusCode.Forbidden);

        Assert.Equal("one", (await h.Client.GetAsync("p")).Text);
        await h.Internal.WhenRefreshesCompleteAsync();

        // Still stale, and no new attempt right after a failure.
        Assert.Equal("one", (await h.Client.GetAsync("p")).Text);
        await h.Internal.WhenRefreshesCompleteAsync();
        Assert.Equal(2, h.Backend.PromptGetCount("p"));
        Assert.Contains(h.Logs.GetSnapshot(), e => e.Id.Id == 5001 && e.Level == LogLevel.Warning && e.Message.Contains("'p'", StringComparison.Ordinal));

        // After the retry delay the next hit refreshes again, and this time it succeeds.
        h.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("one", (await h.Client.GetAsync("p")).Text);
        await h.Internal.WhenRefreshesCompleteAsync();
        Assert.Equal("two", (await h.Client.GetAsync("p")).Text);
        Assert.Equal(3, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_RefreshAnswers404_EvictsPrompt()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "beta");
        await h.Client.GetAsync("p", label: "beta");
        h.Backend.RemoveLabel("p", "beta");
        h.Time.Advance(Ttl + TimeSpan.FromSeconds(1));

        var stale = await h.Client.GetAsync("p", label: "beta");
        await h.Internal.WhenRefreshesCompleteAsync();

        Assert.Equal("one", stale.Text);
        Assert.Equal(0, h.Internal.CachedCount);
        var ex = await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.GetAsync("p", label: "beta"));
        Assert.Equal("beta", ex.Label);
        Assert.Contains(h.Logs.GetSnapshot(), e => e.Id.Id == 5002);
    }

    [Fact]
    public async Task GetAsync_100ConcurrentMisses_MakeOneRequest()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        var gate = h.HoldGets("p");

        var tasks = Enumerable.Range(0, 100).Select(_ => h.Client.GetAsync("p")).ToArray();
        await gate.Arrived;
        gate.Release();
        var prompts = await Task.WhenAll(tasks);

        Assert.All(prompts, p => Assert.Same(prompts[0], p));
        Assert.Equal(1, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_FirstCallerCancels_OthersStillGetPrompt()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        var gate = h.HoldGets("p");
        using var cts = new CancellationTokenSource();

        var first = h.Client.GetAsync("p", cancellationToken: cts.Token);
        var others = Enumerable.Range(0, 10).Select(_ => h.Client.GetAsync("p")).ToArray();
        await gate.Arrived;
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.Release();
        var prompts = await Task.WhenAll(others);

        Assert.All(prompts, p => Assert.Equal("one", p.Text));
        Assert.Equal(1, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_CanceledTokenOnMiss_ThrowsWithoutRequest()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => h.Client.GetAsync("p", cancellationToken: cts.Token));

        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task ClearCache_AfterGet_NextGetFetchesAgain()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        await h.Client.GetAsync("p");
        h.Backend.SeedPrompt("p", "two", "production");

        h.Client.ClearCache();
        var prompt = await h.Client.GetAsync("p");

        Assert.Equal("two", prompt.Text);
        Assert.Equal(2, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task ClearCache_DuringFetch_FetchResultIsNotCached()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        var gate = h.HoldGets("p");
        var inFlight = h.Client.GetAsync("p");
        await gate.Arrived;

        h.Client.ClearCache();
        gate.Release();
        await inFlight;

        Assert.Equal(0, h.Internal.CachedCount);
    }

    [Fact]
    public async Task GetAsync_TtlZero_FetchesEveryTime()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.PromptCacheTtl = TimeSpan.Zero);
        h.Backend.SeedPrompt("p", "one", "production");

        await h.Client.GetAsync("p");
        await h.Client.GetAsync("p");
        await h.Client.GetAsync("p");

        Assert.Equal(3, h.Backend.PromptGetCount("p"));
        Assert.Equal(0, h.Internal.CachedCount);
    }

    [Fact]
    public async Task GetAsync_CustomTtl_ExpiresAfterIt()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.PromptCacheTtl = TimeSpan.FromSeconds(10));
        h.Backend.SeedPrompt("p", "one", "production");
        await h.Client.GetAsync("p");

        h.Time.Advance(TimeSpan.FromSeconds(9));
        await h.Client.GetAsync("p");
        await h.Internal.WhenRefreshesCompleteAsync();
        Assert.Equal(1, h.Backend.PromptGetCount("p"));

        h.Time.Advance(TimeSpan.FromSeconds(1));
        await h.Client.GetAsync("p");
        await h.Internal.WhenRefreshesCompleteAsync();
        Assert.Equal(2, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task GetAsync_AppMemoryCacheWithSizeLimit_StillCaches()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(services: s => s.AddMemoryCache(o => o.SizeLimit = 1));
        _ = h.Services.GetRequiredService<IMemoryCache>();
        h.Backend.SeedPrompt("a", "one", "production");
        h.Backend.SeedPrompt("b", "one", "production");

        await h.Client.GetAsync("a");
        await h.Client.GetAsync("b");
        await h.Client.GetAsync("a");
        await h.Client.GetAsync("b");

        Assert.Equal(1, h.Backend.PromptGetCount("a"));
        Assert.Equal(1, h.Backend.PromptGetCount("b"));
    }

    [Fact]
    public async Task GetAsync_NotFound_IsNotCached()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();

        await Assert.ThrowsAsync<PromptNotFoundException>(() => h.Client.GetAsync("p"));
        h.Backend.SeedPrompt("p", "one", "production");
        var prompt = await h.Client.GetAsync("p");

        Assert.Equal("one", prompt.Text);
    }

    [Fact]
    public async Task GetAsync_TransientFailure_IsRetried()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        h.Backend.Enqueue("/v1/prompts/p", new CannedResponse(503, """{"error":{"type":"unavailable","message":"busy"}}""", new Dictionary<string, string> { ["Retry-After"] = "0" }));

        var prompt = await h.Client.GetAsync("p");

        Assert.Equal("one", prompt.Text);
        Assert.Equal(2, h.Backend.PromptGetCount("p"));
    }

    [Fact]
    public async Task Cache_EntriesReplacedOrCleared_LeaveNoStalenessTimerBehind()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("p", "one", "production");
        h.Backend.SeedPrompt("q", "one", "production");
        await h.Client.GetAsync("p");
        await h.Client.GetAsync("q");
        Assert.Equal(2, h.Time.PendingTimers);

        h.Time.Advance(Ttl);
        await h.Client.GetAsync("p");
        await h.Internal.WhenRefreshesCompleteAsync();
        Assert.Equal(1, h.Time.PendingTimers);

        h.Client.ClearCache();
        Assert.Equal(0, h.Time.PendingTimers);
    }

    [Fact]
    public async Task GetAsync_TtlBeyondTimerRange_CachesWithoutExpiring()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.PromptCacheTtl = TimeSpan.MaxValue);
        h.Backend.SeedPrompt("p", "one", "production");

        await h.Client.GetAsync("p");
        h.Time.Advance(TimeSpan.FromDays(365));
        await h.Client.GetAsync("p");
        await h.Internal.WhenRefreshesCompleteAsync();

        Assert.Equal(1, h.Backend.PromptGetCount("p"));
    }
}
