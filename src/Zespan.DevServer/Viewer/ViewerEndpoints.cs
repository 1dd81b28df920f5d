using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Zespan.DevServer.Viewer;

/// <summary>
/// The trace viewer: plain HTML, CSS and JavaScript embedded in the assembly, served at <c>/</c> and <c>/viewer/*</c>
/// with a strict Content-Security-Policy (scripts and styles from this origin only, no inline script), so even a
/// mistake in the page could not run script that came in with LLM output.
/// </summary>
internal static class ViewerEndpoints
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Content, string ContentType)> Files = Load();

    public static IEndpointRouteBuilder MapViewer(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", static (HttpResponse response) => Serve(response, "index.html"));
        app.MapGet("/index.html", static (HttpResponse response) => Serve(response, "index.html"));
        app.MapGet("/favicon.ico", static (HttpResponse response) => Serve(response, "favicon.svg"));
        app.MapGet("/viewer/{file}", static (string file, HttpResponse response) => Serve(response, file));
        return app;
    }

    private static Results<FileContentHttpResult, NotFound> Serve(HttpResponse response, string file)
    {
        if (!Files.TryGetValue(file, out var entry))
        {
            return TypedResults.NotFound();
        }

        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return TypedResults.Bytes(entry.Content, entry.ContentType);
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(ViewerEndpoints).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            const string Prefix = "viewer/";
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[Prefix.Length..];
            files[name] = (copy.ToArray(), ContentTypeOf(name));
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
