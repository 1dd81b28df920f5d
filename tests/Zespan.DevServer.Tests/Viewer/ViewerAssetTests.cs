using System.Net;
using System.Text.RegularExpressions;

namespace Zespan.DevServer.Tests.Viewer;

public class ViewerAssetTests
{
    [Fact]
    public async Task Index_IsServedWithAStrictContentSecurityPolicy()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.GetAsync("");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("/viewer/app.js", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex(@"<script>(?!</script>)", RegexOptions.IgnoreCase), html);
    }

    [Theory]
    [InlineData("viewer/app.js", "text/javascript")]
    [InlineData("viewer/styles.css", "text/css")]
    public async Task Assets_AreServedWithTheirTypes(string path, string mediaType)
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType!.MediaType);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 1000);
    }

    [Theory]
    [InlineData("favicon.ico")]
    [InlineData("viewer/favicon.svg")]
    public async Task Favicon_IsServed(string path)
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownAsset_Answers404()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        using var response = await client.GetAsync("viewer/secrets.txt");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ViewerScript_NeverWritesHtml()
    {
        await using var server = await DevServerHost.StartAsync();
        using var client = server.CreateClient(key: null);

        var script = await client.GetStringAsync("viewer/app.js");

        foreach (var sink in new[] { "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "DOMParser" })
        {
            Assert.DoesNotContain(sink, script, StringComparison.Ordinal);
        }

        Assert.Contains("createTextNode", script, StringComparison.Ordinal);
    }
}
