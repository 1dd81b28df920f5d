using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Zespan.DevServer.Tests;

/// <summary>A dev server started in-process on 127.0.0.1:0 with its own SQLite file, and a client for it.</summary>
internal sealed class DevServerHost : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDirectory;

    private DevServerHost(WebApplication app, Uri baseUrl, string databasePath, TempDirectory? ownedDirectory)
    {
        App = app;
        BaseUrl = baseUrl;
        DatabasePath = databasePath;
        _ownedDirectory = ownedDirectory;
        Key = DevServerApp.GetApiKey(app);
        Client = CreateClient(Key);
    }

    public WebApplication App { get; }

    public Uri BaseUrl { get; }

    /// <summary>Gets the key the server accepts: the first configured one, or the one it generated for this run.</summary>
    public string Key { get; }

    /// <summary>Gets the viewer's address with the key, as the command line prints it.</summary>
    public Uri ViewerUrl => DevServerApp.GetViewerUrl(App);

    public string DatabasePath { get; }

    /// <summary>A client that sends <see cref="Key"/>.</summary>
    public HttpClient Client { get; }

    /// <summary>Starts a server; a fresh temp database unless <paramref name="databasePath"/> is given (then the caller owns it).</summary>
    public static async Task<DevServerHost> StartAsync(Action<DevServerOptions>? configure = null, string? databasePath = null)
    {
        TempDirectory? owned = null;
        if (databasePath is null)
        {
            owned = new TempDirectory();
            databasePath = owned.File("zespan-dev.db");
        }

        var options = new DevServerOptions { DatabasePath = databasePath, ConfigureLogging = static logging => logging.ClearProviders() };
        options.Urls.Add("http://127.0.0.1:0");
        configure?.Invoke(options);
        var app = DevServerApp.Build(options);
        await app.StartAsync();
        return new DevServerHost(app, DevServerApp.GetListeningUrls(app)[0], databasePath, owned);
    }

    public HttpClient CreateClient(string? key)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, JsonNode body) =>
        Client.PostAsync(path, Json(body));

    public Task<HttpResponseMessage> PutJsonAsync(string path, JsonNode body) =>
        Client.PutAsync(path, Json(body));

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Ingests one batch and asserts 202.</summary>
    public async Task IngestAsync(JsonObject batch)
    {
        using var response = await PostJsonAsync("v1/ingest", batch);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 202, $"ingest answered {(int)response.StatusCode}: {text}");
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _ownedDirectory?.Dispose();
    }
}

/// <summary>A temp directory deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "zespan-devserver-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a file still open on some platform; the OS temp cleaner gets it
        }
    }
}
