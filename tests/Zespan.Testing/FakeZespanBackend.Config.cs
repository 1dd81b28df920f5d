using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Zespan.Testing;

public sealed partial class FakeZespanBackend
{
    private volatile string _configJson = """{"version":0,"rules":[]}""";
    private int _configVersion;

    /// <summary>Gets the ETag of the current configuration.</summary>
    public string ConfigETag => $"\"v{_configVersion}\"";

    /// <summary>Sets the remote configuration: a version and the rules as a JSON array.</summary>
    public void SetConfig(int version, string rulesJson)
    {
        var doc = new JsonObject { ["version"] = version, ["rules"] = JsonNode.Parse(rulesJson) };
        _configJson = doc.ToJsonString();
        _configVersion = version;
    }

    private async Task HandleConfigAsync(HttpContext context)
    {
        var etag = ConfigETag;
        if (context.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            context.Response.StatusCode = 304;
            context.Response.Headers.ETag = etag;
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.Headers.ETag = etag;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(_configJson).ConfigureAwait(false);
    }
}
