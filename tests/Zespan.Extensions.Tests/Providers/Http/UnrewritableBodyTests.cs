using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>
/// Request bodies the handler cannot read as text (a lone surrogate escape or invalid UTF-8 in <c>model</c>): with a
/// model override configured or StorePrompts off, the request goes out byte for byte, nothing is thrown, and the
/// event is recorded with what could be read.
/// </summary>
public class UnrewritableBodyTests
{
    public static TheoryData<string, bool> Cases() => new()
    {
        { "lone-surrogate", true },
        { "lone-surrogate", false },
        { "invalid-utf8", true },
        { "invalid-utf8", false },
    };

    private static byte[] Body(string kind)
    {
        var head = Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o");
        var tail = Encoding.UTF8.GetBytes("\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        byte[] middle = kind == "lone-surrogate" ? Encoding.UTF8.GetBytes("\\uD800") : [0xC3, 0x28, 0xFF];
        return [.. head, .. middle, .. tail];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task SendAsync_ModelCannotBeDecoded_SentUnchangedAndRecorded(string kind, bool withOverride)
    {
        var body = Body(kind);
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(),
            o =>
            {
                if (withOverride)
                {
                    o.ModelOverrides.Add(new ModelOverride { From = "gpt-4o", To = "gpt-4o-mini" });
                }
                else
                {
                    o.StorePrompts = false;
                }
            });
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, "v1/chat/completions"), content);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(Fixtures.Text("openai-chat.json"), await response.Content.ReadAsStringAsync());
        Assert.Equal(body, Assert.Single(h.Provider.Requests).RawBody);
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("generation", (string?)e["log_type"]);
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.StartsWith("gpt-4o", (string?)e["model"] ?? (string?)e["response_model"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_SynchronousPath_ModelCannotBeDecoded_SentUnchanged()
    {
        var body = Body("lone-surrogate");
        await using var h = await InstrumentationHarness.StartAsync(
            InstrumentationHarness.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddZespanOpenAI(),
            o => o.ModelOverrides.Add(new ModelOverride { From = "gpt-4o", To = "gpt-4o-mini" }));
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Provider.BaseUrl, "v1/chat/completions")) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = h.Factory.CreateClient("openai").Send(request);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(body, Assert.Single(h.Provider.Requests).RawBody);
    }
}
