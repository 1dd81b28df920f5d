using Microsoft.Extensions.Logging;
using Zespan.DevServer.Hosting;

namespace Zespan.DevServer.Tests.Hosting;

public class StartupTests
{
    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:5087")]
    [InlineData("http://+:5087")]
    [InlineData("http://[::]:5087")]
    [InlineData("http://192.168.1.20:5087")]
    [InlineData("http://example.com:5087")]
    public void Build_NonLoopbackWithoutApiKey_RefusesWithClearMessage(string url)
    {
        using var dir = new TempDirectory();
        var options = Options(dir, url);

        var error = Assert.Throws<DevServerStartupException>(() => DevServerApp.Build(options));

        Assert.Contains("--api-key", error.Message, StringComparison.Ordinal);
        Assert.Contains(url, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_NonLoopbackWithApiKey_Builds()
    {
        using var dir = new TempDirectory();
        var options = Options(dir, "http://0.0.0.0:0");
        options.ApiKeys.Add("zsp_team_key");

        var app = DevServerApp.Build(options);

        await app.DisposeAsync();
    }

    [Theory]
    [InlineData("http://127.0.0.1:5087", true)]
    [InlineData("http://127.0.0.2:5087", true)]
    [InlineData("http://localhost:5087", true)]
    [InlineData("http://[::1]:5087", true)]
    [InlineData("https://LOCALHOST:5001/", true)]
    [InlineData("http://0.0.0.0:5087", false)]
    [InlineData("http://*:5087", false)]
    [InlineData("http://10.0.0.1:5087", false)]
    [InlineData("not a url", false)]
    public void IsLoopback_ClassifiesListenUrls(string url, bool expected)
    {
        Assert.Equal(expected, ListenAddresses.IsLoopback(url));
    }

    [Fact]
    public void TryParse_EveryOption_MapsOntoOptions()
    {
        var ok = CommandLine.TryParse(
            ["--db", "data/dev.db", "--api-key", "zsp_a", "--api-key=zsp_b", "--urls", "http://127.0.0.1:6000;http://localhost:6001", "--max-body-bytes", "4096"],
            out var options, out var message, out var help);

        Assert.True(ok, message);
        Assert.False(help);
        Assert.Equal("data/dev.db", options.DatabasePath);
        Assert.Equal(["zsp_a", "zsp_b"], options.ApiKeys);
        Assert.Equal(["http://127.0.0.1:6000", "http://localhost:6001"], options.Urls);
        Assert.Equal(4096, options.MaxBodyBytes);
    }

    [Fact]
    public void TryParse_NoArguments_GivesTheDefaults()
    {
        Assert.True(CommandLine.TryParse([], out var options, out _, out _));

        Assert.Equal("zespan-dev.db", options.DatabasePath);
        Assert.Empty(options.ApiKeys);
        Assert.Empty(options.Urls);
        Assert.Equal(10 * 1024 * 1024, options.MaxBodyBytes);
        Assert.Equal("http://127.0.0.1:5087", DevServerOptions.DefaultUrl);
    }

    [Theory]
    [InlineData("--nope")]
    [InlineData("--db")]
    [InlineData("--max-body-bytes", "12")]
    [InlineData("--max-body-bytes", "lots")]
    [InlineData("--api-key", "--db")]
    public void TryParse_BadArguments_FailsWithMessage(params string[] args)
    {
        Assert.False(CommandLine.TryParse(args, out _, out var message, out var help));

        Assert.False(help);
        Assert.False(string.IsNullOrEmpty(message));
    }

    [Fact]
    public void TryParse_Help_AsksForUsage()
    {
        Assert.False(CommandLine.TryParse(["--help"], out _, out _, out var help));

        Assert.True(help);
        Assert.Contains("--api-key", CommandLine.Usage, StringComparison.Ordinal);
    }

    private static DevServerOptions Options(TempDirectory dir, string url)
    {
        var options = new DevServerOptions { DatabasePath = dir.File("dev.db"), ConfigureLogging = static l => l.ClearProviders() };
        options.Urls.Add(url);
        return options;
    }
}
