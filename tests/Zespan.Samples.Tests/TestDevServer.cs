using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Zespan.DevServer;

namespace Zespan.Samples.Tests;

/// <summary>The dev server in-process on 127.0.0.1:0 with its own SQLite file, and a client for its admin and read APIs.</summary>
internal sealed class TestDevServer : IAsyncDisposable
{
    public const string Key = "zsp_samples_test";

    private readonly WebApplication _app;

    private TestDevServer(WebApplication app, Uri baseUrl, TempDirectory directory)
    {
        _app = app;
        BaseUrl = baseUrl;
        Directory = directory;
        Client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
    }

    public Uri BaseUrl { get; }

    /// <summary>The Zespan base URL as configured in an app (no trailing slash).</summary>
    public string ZespanBaseUrl => BaseUrl.ToString().TrimEnd('/');

    public string OpenAIMockEndpoint => new Uri(BaseUrl, "mock/openai/v1").ToString();

    public string AnthropicMockBaseUrl => new Uri(BaseUrl, "mock/anthropic").ToString();

    public TempDirectory Directory { get; }

    public HttpClient Client { get; }

    public static async Task<TestDevServer> StartAsync()
    {
        var directory = new TempDirectory();
        var options = new DevServerOptions
        {
            DatabasePath = directory.File("zespan-dev.db"),
            ConfigureLogging = static logging => logging.ClearProviders(),
        };
        options.Urls.Add("http://127.0.0.1:0");
        options.ApiKeys.Add(Key); // the samples are configured with this key (without one the server makes up a key per run)
        var app = DevServerApp.Build(options);
        await app.StartAsync();
        return new TestDevServer(app, DevServerApp.GetListeningUrls(app)[0], directory);
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task PutJsonAsync(string path, JsonNode body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Client.PutAsync(path, content);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Adds a blocklist policy that blocks the word <c>forbidden</c>.</summary>
    public Task BlockWordAsync(string word) => PutJsonAsync($"admin/guardrails/policies/block-{word}", new JsonObject
    {
        ["kind"] = "blocklist",
        ["words"] = new JsonArray(word),
        ["action"] = "block",
    });

    /// <summary>Every event of a trace, depth first, with the depth of its span (the server answers them in that order).</summary>
    public static List<(JsonNode Event, int Depth, string? Parent)> Flatten(JsonNode trace) =>
        trace["spans"]!.AsArray().Select(static s => (s!["event"]!, s["depth"]!.GetValue<int>(), (string?)s["parent_span_id"])).ToList();

    /// <summary>The root spans of a trace (depth 0).</summary>
    public static List<JsonNode> Roots(JsonNode trace) =>
        trace["spans"]!.AsArray().Where(static s => s!["depth"]!.GetValue<int>() == 0).Select(static s => s!).ToList();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Dispose();
    }
}

/// <summary>A temp directory deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "zespan-samples-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still open on some platform; the OS temp cleaner gets it
        }
    }
}
