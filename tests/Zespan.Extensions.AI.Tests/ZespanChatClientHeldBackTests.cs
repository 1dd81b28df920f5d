using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// A post-checked stream is held back up to 4 MiB (GuardrailCheckRunner.MaxHeldBytes); beyond it the check fails
/// and FailClosed decides. Remote guardrail rules apply only where the client allows them.
/// </summary>
public class ZespanChatClientHeldBackTests
{
    private const string GuardrailPath = "/v1/guardrails/check";

    /// <summary>GuardrailCheckRunner.MaxHeldBytes, as documented in docs/guardrails.md.</summary>
    private const int MaxHeldBytes = 4 * 1024 * 1024;

    private static List<ChatMessage> Conversation() => [new(ChatRole.User, "write a lot")];

    private static List<ChatResponseUpdate> HugeUpdates()
    {
        var filler = new string('x', 4000);
        var updates = new List<ChatResponseUpdate>();
        for (var i = 0; i * filler.Length * 2 <= MaxHeldBytes + 100_000; i++)
        {
            updates.Add(new ChatResponseUpdate(ChatRole.Assistant, filler) { MessageId = "m1" });
        }

        updates.Add(new ChatResponseUpdate(ChatRole.Assistant, "end") { MessageId = "m1", FinishReason = ChatFinishReason.Stop });
        return updates;
    }

    [Fact]
    public async Task GetStreamingResponseAsync_HeldOverCapFailOpen_EveryUpdateDeliveredUnchecked()
    {
        await using var h = await ZespanHarness.StartAsync(static o => o.ShutdownTimeout = TimeSpan.FromMinutes(1)); // a multi-megabyte event: its truncation must not race FlushAsync's default 5 s on a loaded machine
        var updates = HugeUpdates();
        var chat = h.Wrap(new FakeChatClient { Updates = updates }, o => o.Guardrails = new GuardrailOptions { Pre = false, Post = true, FailClosed = false });

        var received = new List<ChatResponseUpdate>();
        await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
        {
            received.Add(update);
        }

        Assert.Equal(updates, received);
        Assert.Empty(h.Backend.RequestsTo(GuardrailPath));
        var guardrail = Assert.Single(await h.FlushAsync(), e => (string?)e["log_type"] == "guardrail");
        Assert.True((bool)guardrail["guardrail"]!["passed"]!);
        Assert.Equal("zespan.unavailable", (string?)guardrail["guardrail"]!["results"]![0]!["policy"]);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_HeldOverCapFailClosed_BlocksBeforeAnyUpdate()
    {
        await using var h = await ZespanHarness.StartAsync(static o => o.ShutdownTimeout = TimeSpan.FromMinutes(1)); // a multi-megabyte event: its truncation must not race FlushAsync's default 5 s on a loaded machine
        var inner = new FakeChatClient { Updates = HugeUpdates() };
        var chat = h.Wrap(inner, o => o.Guardrails = new GuardrailOptions { Pre = false, Post = true, FailClosed = true });
        var count = 0;

        var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(async () =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync(Conversation()))
            {
                count++;
            }
        });

        Assert.Equal(0, count);
        Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
        Assert.True(inner.StreamDisposed);
        Assert.True(inner.UpdatesSent < inner.Updates.Count);
    }

    [Fact]
    public async Task GetResponseAsync_RemoteGuardrailEnable_AllowRemoteGuardrailsFalse_NotChecked()
    {
        await using var h = await ZespanHarness.StartAsync(o => o.DisableConfigSync = false);
        h.Backend.SetConfig(3, """[{"type": "guardrail_enable", "provider": "*", "pre": true, "post": true}]""");
        await h.Services.GetRequiredService<IZespanClient>().RefreshConfigAsync();

        await h.Wrap(new FakeChatClient(), o => o.AllowRemoteGuardrails = false).GetResponseAsync(Conversation());
        Assert.Empty(h.Backend.RequestsTo(GuardrailPath));

        await h.Wrap(new FakeChatClient()).GetResponseAsync(Conversation());
        Assert.Equal(2, h.Backend.RequestsTo(GuardrailPath).Count);
    }
}
