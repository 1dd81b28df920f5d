using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Zespan.Samples.Serverless;

namespace Zespan.Samples.Tests.Serverless;

public sealed class SupportFunctionTests
{
    [Fact]
    public async Task HandleAsync_Invocation_EventsAreOnTheServerWhenItReturns()
    {
        await using var server = await TestDevServer.StartAsync();
        using var host = BuildHost(server.ZespanBaseUrl, server.AnthropicMockBaseUrl);
        await host.StartAsync();
        var function = host.Services.GetRequiredService<SupportFunction>();

        var result = await function.HandleAsync(new Invocation("req-1", "fn-user", "Where is my parcel?"));

        Assert.True(result.Flushed);
        Assert.Equal("This is a mock reply from claude-haiku-4-5. You said: \"Where is my parcel?\"", result.Reply);
        // No wait and no poll: the background loop is an hour away, so only the handler's FlushAsync can have delivered these.
        var trace = await server.GetJsonAsync($"api/traces/{result.TraceId}");
        Assert.Equal("fn-user", (string?)trace["user"]);
        Assert.Equal("function.invoke", (string?)trace["name"]);
        var events = TestDevServer.Flatten(trace).Select(static e => e.Event).ToList();
        Assert.Equal(2, events.Count);
        var generation = Assert.Single(events, static e => (string?)e["log_type"] == "generation");
        Assert.Equal("anthropic", (string?)generation["provider"]);
        Assert.Equal("claude-haiku-4-5", (string?)generation["model"]);
        Assert.Equal("req-1", (string?)generation["thread_identifier"]);
        Assert.Equal("req-1", (string?)events.Single(static e => (string?)e["log_type"] == "workflow")["tags"]!["faas.invocation_id"]);
        await host.StopAsync();
    }

    [Fact]
    public async Task HandleAsync_ZespanServerUnreachable_StillAnswersAndReportsFlushFailed()
    {
        await using var server = await TestDevServer.StartAsync(); // serves the mock model only
        using var host = BuildHost($"http://127.0.0.1:{ClosedPort()}", server.AnthropicMockBaseUrl, shutdownTimeout: "00:00:01");
        await host.StartAsync();
        var function = host.Services.GetRequiredService<SupportFunction>();

        var result = await function.HandleAsync(new Invocation("req-2", "fn-user", "Hello"));

        Assert.False(result.Flushed);
        Assert.Equal("This is a mock reply from claude-haiku-4-5. You said: \"Hello\"", result.Reply);
        await host.StopAsync();
    }

    private static IHost BuildHost(string zespanBaseUrl, string anthropicBaseUrl, string shutdownTimeout = "00:00:05") =>
        FunctionHost.Build([], configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Zespan:BaseUrl"] = zespanBaseUrl,
            ["Zespan:ApiKey"] = TestDevServer.Key,
            ["Zespan:FlushInterval"] = "01:00:00",
            ["Zespan:ShutdownTimeout"] = shutdownTimeout,
            ["Anthropic:BaseUrl"] = anthropicBaseUrl,
            ["Logging:LogLevel:Default"] = "None",
        }));

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
