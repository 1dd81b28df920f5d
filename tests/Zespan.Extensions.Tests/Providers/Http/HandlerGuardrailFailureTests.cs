using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// A verdict that cannot be applied because the body breaks the rewriter (duplicate keys, odd value types) is a
/// failed check: FailClosed alone decides, and nothing else reaches the caller.
/// </summary>
public class HandlerGuardrailFailureTests
{
    private const string DuplicateMessages = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"my email is a@b.com"}],"messages":[{"role":"user","content":"my email is a@b.com"}]}""";

    private static Action<IServiceCollection, Uri> Guarded(bool pre, bool post, bool failClosed) =>
        (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions { Pre = pre, Post = post, FailClosed = failClosed });

    private static JsonObject Redact(string text) => new()
    {
        ["passed"] = false,
        ["results"] = new JsonArray(new JsonObject { ["policy"] = "pii", ["passed"] = false, ["action"] = "redact", ["modified_text"] = text }),
    };

    private static JsonObject Pass() => new() { ["passed"] = true, ["results"] = new JsonArray() };

    private static Task<HttpResponseMessage> PostAsync(InstrumentationHarness h, string body)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), content);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PreRedact_BodyCannotBeRewritten_FailClosedDecides(bool failClosed)
    {
        await using var h = await InstrumentationHarness.StartAsync(InstrumentationHarness.Serve("openai-chat.json"), Guarded(pre: true, post: false, failClosed));
        h.Backend.GuardrailResponder = _ => Redact("my email is [EMAIL]");

        if (failClosed)
        {
            var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => PostAsync(h, DuplicateMessages));
            Assert.Equal(GuardrailPhase.Pre, ex.Phase);
            Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
            Assert.Empty(h.Provider.Requests);
        }
        else
        {
            using var response = await PostAsync(h, DuplicateMessages);
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(DuplicateMessages, Assert.Single(h.Provider.Requests).BodyText);
        }
    }

    [Fact]
    public async Task PreRedact_MessageWithNonStringRole_LastUserMessageRewritten()
    {
        await using var h = await InstrumentationHarness.StartAsync(InstrumentationHarness.Serve("openai-chat.json"), Guarded(pre: true, post: false, failClosed: false));
        h.Backend.GuardrailResponder = _ => Redact("my email is [EMAIL]");

        using var response = await PostAsync(h, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"my email is a@b.com"},{"role":{"kind":"odd"},"content":"x"},{"role":7,"content":"y"}]}""");

        Assert.Equal(200, (int)response.StatusCode);
        var sent = Assert.Single(h.Provider.Requests).Json!;
        Assert.Equal("my email is [EMAIL]", (string?)sent["messages"]![0]!["content"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PostRedact_ResponseCannotBeRewritten_FailClosedDecides(bool failClosed)
    {
        const string Answer = """{"id":"x","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"mail me at a@b.com"},"finish_reason":"stop"}],"choices":[{"index":0,"message":{"role":"assistant","content":"mail me at a@b.com"},"finish_reason":"stop"}]}""";
        async Task Serve(HttpContext context, RecordedRequest _)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Answer);
        }

        await using var h = await InstrumentationHarness.StartAsync(Serve, Guarded(pre: false, post: true, failClosed));
        h.Backend.GuardrailResponder = check => (string?)check["phase"] == "post" ? Redact("mail me at [EMAIL]") : Pass();

        if (failClosed)
        {
            var ex = await Assert.ThrowsAsync<GuardrailBlockedException>(() => PostAsync(h, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"""));
            Assert.Equal(GuardrailPhase.Post, ex.Phase);
            Assert.Equal("zespan.unavailable", Assert.Single(ex.Results).Policy);
        }
        else
        {
            using var response = await PostAsync(h, """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""");
            Assert.Equal(Answer, await response.Content.ReadAsStringAsync());
        }
    }
}
