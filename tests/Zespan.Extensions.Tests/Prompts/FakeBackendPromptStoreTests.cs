using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Prompts;

/// <summary>The fake backend's prompt store speaks spec section 3 (raw HTTP, no SDK in between).</summary>
public class FakeBackendPromptStoreTests
{
    [Fact]
    public async Task Get_LabelAndVersion_Answers400()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        backend.SeedPrompt("p", "x", "production");
        using var http = Client(backend);

        using var response = await http.GetAsync(new Uri("v1/prompts/p?label=production&version=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_Missing_Answers404WithErrorBody()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        using var http = Client(backend);

        using var response = await http.GetAsync(new Uri("v1/prompts/nope", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("not_found", error["type"]!.GetValue<string>());
        Assert.Contains("label 'production'", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyTwice_CreatesOneVersion()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        using var http = Client(backend);

        async Task<JsonNode> PostAsync(string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("v1/prompts", UriKind.Relative))
            {
                Content = new StringContent("""{"name":"p","type":"text","prompt":"x","labels":["production"]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        }

        var first = await PostAsync("k1");
        var retried = await PostAsync("k1");
        var other = await PostAsync("k2");

        Assert.Equal(1, first["version"]!.GetValue<int>());
        Assert.Equal(1, retried["version"]!.GetValue<int>());
        Assert.Equal(2, other["version"]!.GetValue<int>());
        Assert.Equal(2, backend.PromptVersions("p").Count);
    }

    [Theory]
    [InlineData("""{"name":"p","type":"text","prompt":["x"]}""")]
    [InlineData("""{"name":"p","type":"chat","prompt":"x"}""")]
    [InlineData("""{"type":"text","prompt":"x"}""")]
    [InlineData("""{"name":"p","type":"image","prompt":"x"}""")]
    public async Task Create_Malformed_Answers400(string body)
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        using var http = Client(backend);

        using var response = await http.PostAsync(new Uri("v1/prompts", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task List_BadPaging_Answers400()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        using var http = Client(backend);

        using var response = await http.GetAsync(new Uri("v1/prompts?page=0", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Prompts_WithoutKey_Answer401()
    {
        await using var backend = await FakeZespanBackend.StartAsync();
        using var http = new HttpClient { BaseAddress = backend.BaseUrl };

        using var response = await http.GetAsync(new Uri("v1/prompts/p", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static HttpClient Client(FakeZespanBackend backend)
    {
        var http = new HttpClient { BaseAddress = backend.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FakeZespanBackend.ValidApiKey);
        return http;
    }
}
