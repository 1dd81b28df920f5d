using System.Text;
using Microsoft.Extensions.AI;
using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>An <c>IChatClient</c> call larger than <c>MaxEventBytes</c> is cut and sent marked truncated, not dropped.</summary>
public sealed class TruncationTests
{
    [Fact]
    public async Task GetResponseAsync_PromptAndCompletionOverMaxEventBytes_IsDeliveredCutMarkedTruncatedAndValid()
    {
        await using var h = await ZespanTestHost.StartChatAsync();
        var cjk = string.Concat(Enumerable.Repeat("漢字かな😀", 30_000)); // ~150K UTF-16 units, surrogate pairs included
        var inner = new FakeChatClient { Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, cjk)) { ModelId = "gpt-4o" } };
        var client = h.Wrap(inner);

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, cjk)]);

        var e = await h.SingleGenerationAsync();
        Assert.True((bool)e["truncated"]!);
        var prompt = (string)e["prompt_messages"]![0]!["content"]!;
        var completion = (string)e["completion_message"]!["content"]!;
        Assert.True(prompt.Length < cjk.Length && completion.Length < cjk.Length);
        Assert.StartsWith(prompt, cjk, StringComparison.Ordinal);
        Assert.StartsWith(completion, cjk, StringComparison.Ordinal);
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        _ = strict.GetByteCount(prompt + completion); // throws on a cut surrogate pair
        Assert.True(e.ToJsonString().Length <= new ZespanOptions().MaxEventBytes);
    }
}
