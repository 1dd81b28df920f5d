using System.Net;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

public class PromptClientFallbackTests
{
    [Fact]
    public async Task GetAsync_WithFallback_NothingCachedAndFetchFails_ReturnsFallbackMarked()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        var fallback = PromptTestData.TextFallback();

        var prompt = await h.Client.GetAsync("support-reply", fallback);

        Assert.True(prompt.IsFallback);
        Assert.Equal(fallback.Text, prompt.Text);
        Assert.Equal("support-reply", prompt.Name);
        Assert.False(fallback.IsFallback);
        Assert.Contains(h.Logs.GetSnapshot(), e => e.Id.Id == 5003 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task GetAsync_WithFallback_ServerError_ReturnsFallback()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.FailNext("/v1/prompts/support-reply", 1, HttpStatusCode.Forbidden);

        var prompt = await h.Client.GetAsync("support-reply", PromptTestData.TextFallback(), version: 3);

        Assert.True(prompt.IsFallback);
    }

    [Fact]
    public async Task GetAsync_WithFallback_PromptAvailable_ReturnsFetchedPrompt()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("support-reply", "from zespan", "production");

        var prompt = await h.Client.GetAsync("support-reply", PromptTestData.TextFallback());
        var cached = h.Client.GetAsync("support-reply", PromptTestData.TextFallback());

        Assert.False(prompt.IsFallback);
        Assert.Equal("from zespan", prompt.Text);
        Assert.True(cached.IsCompletedSuccessfully);
        Assert.Same(prompt, await cached);
    }

    [Fact]
    public async Task GetAsync_WithFallback_StaleCachedAndRefreshFails_ReturnsCachedPrompt()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("support-reply", "from zespan", "production");
        await h.Client.GetAsync("support-reply");
        h.Time.Advance(TimeSpan.FromMinutes(6));
        h.Backend.FailNext("/v1/prompts/support-reply", 1, HttpStatusCode.Forbidden);

        var prompt = await h.Client.GetAsync("support-reply", PromptTestData.TextFallback());
        await h.Internal.WhenRefreshesCompleteAsync();
        var again = await h.Client.GetAsync("support-reply", PromptTestData.TextFallback());

        Assert.False(prompt.IsFallback);
        Assert.Equal("from zespan", again.Text);
    }

    [Fact]
    public async Task GetAsync_WithFallback_CallerCancels_Throws()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync();
        h.Backend.SeedPrompt("support-reply", "x", "production");
        var gate = h.HoldGets("support-reply");
        using var cts = new CancellationTokenSource();

        var task = h.Client.GetAsync("support-reply", PromptTestData.TextFallback(), cancellationToken: cts.Token);
        await gate.Arrived;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        gate.Release();
    }

    [Fact]
    public async Task GetAsync_WithFallback_AlreadyMarked_ReturnsSameInstance()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.Enabled = false);
        var fallback = PromptTestData.TextFallback() with { IsFallback = true };

        Assert.Same(fallback, await h.Client.GetAsync("support-reply", fallback));
    }

    [Fact]
    public async Task GetAsync_Disabled_WithFallbackReturnsFallbackWithoutRequest()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.Enabled = false);

        var prompt = await h.Client.GetAsync("support-reply", PromptTestData.TextFallback());

        Assert.True(prompt.IsFallback);
        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task GetAsync_Disabled_WithoutFallbackThrowsInvalidOperation()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.Enabled = false);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => h.Client.GetAsync("support-reply"));

        Assert.Contains("Zespan:Enabled", ex.Message, StringComparison.Ordinal);
        Assert.Contains("fallback", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task BackendCalls_Disabled_ThrowInvalidOperation()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.Enabled = false);

        Assert.Throws<InvalidOperationException>(() => { _ = h.Client.ListAsync(); });
        Assert.Throws<InvalidOperationException>(() => { _ = h.Client.CreateAsync(new CreatePromptRequest { Name = "p", Text = "x" }); });
        Assert.Throws<InvalidOperationException>(() => { _ = h.Client.UpdateLabelsAsync("p", 1, ["x"]); });
        Assert.Empty(h.Backend.Requests);
    }

    [Fact]
    public async Task Compile_Disabled_StillWorks()
    {
        await using var h = await ZespanTestHost.StartPromptsAsync(o => o.Enabled = false);

        var text = h.Client.Compile(PromptTestData.TextFallback(), PromptTestData.Vars(("customer_name", "Ada")));

        Assert.Equal("Hello Ada (fallback)", text);
    }
}
