using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> on <c>/v1</c>, <c>/admin</c> and <c>/api</c>: one of the configured keys, or, when none
/// is configured, the random key generated for this run (<see cref="Generated"/>), compared in constant time. The key is
/// read from that header only: never from a cookie or the query string, so a page on another site cannot make a
/// browser send it. A wrong or missing key gets 401 with the protocol's error body. The key is never logged or echoed.
/// </summary>
internal sealed class ApiKeys
{
    private const string Prefix = "zsp_";
    private static readonly string[] ProtectedPrefixes = ["/v1", "/admin", "/api"];
    private readonly byte[][] _keys;

    public ApiKeys(IEnumerable<string> keys)
    {
        var configured = keys.ToList();
        Generated = configured.Count == 0;
        if (Generated)
        {
            configured.Add(Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        }

        Primary = configured[0];
        _keys = configured.Select(static k => Encoding.UTF8.GetBytes(k)).ToArray();
    }

    /// <summary>Gets a value indicating whether the key was generated for this run (no <c>--api-key</c> was given).</summary>
    public bool Generated { get; }

    /// <summary>Gets the key clients and the viewer use: the first configured one, or the generated one.</summary>
    public string Primary { get; }

    public static bool IsProtected(PathString path)
    {
        foreach (var prefix in ProtectedPrefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Null when the request may pass, else why not.</summary>
    public string? Check(string? authorization)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            return "missing API key: send Authorization: Bearer <key>";
        }

        const string Scheme = "Bearer ";
        if (!authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return "the Authorization header must use the Bearer scheme";
        }

        var given = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        var match = false;
        foreach (var accepted in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(given, accepted);
        }

        return match ? null : Generated
            ? "invalid API key: without --api-key the server accepts only the key it printed at start (open the viewer from that line)"
            : "invalid API key";
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next, DevServerLogger logger)
    {
        if (IsProtected(context.Request.Path))
        {
            var problem = Check(context.Request.Headers.Authorization.ToString());
            if (problem is not null)
            {
                logger.Unauthorized(context.Request.Method, context.Request.Path.Value ?? "/", problem);
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await HttpJson.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, ApiErrors.Unauthorized, problem).ConfigureAwait(false);
                return;
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
