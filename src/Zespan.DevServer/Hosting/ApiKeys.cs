using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// <c>Authorization: Bearer &lt;key&gt;</c> on <c>/v1</c>, <c>/admin</c> and <c>/api</c>: one of the configured keys
/// (compared in constant time), or any key starting with <c>zsp_</c> when none is configured. A wrong or missing
/// key gets 401 with the protocol's error body. The key is never logged or echoed.
/// </summary>
internal sealed class ApiKeys
{
    private const string Prefix = "zsp_";
    private static readonly string[] ProtectedPrefixes = ["/v1", "/admin", "/api"];
    private readonly byte[][] _keys;

    public ApiKeys(IEnumerable<string> keys)
    {
        _keys = keys.Select(k => Encoding.UTF8.GetBytes(k)).ToArray();
    }

    public bool AnyZspKey => _keys.Length == 0;

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

        var key = authorization[Scheme.Length..].Trim();
        if (_keys.Length == 0)
        {
            return key.Length > Prefix.Length && key.StartsWith(Prefix, StringComparison.Ordinal) ? null : "invalid API key: keys start with zsp_";
        }

        var given = Encoding.UTF8.GetBytes(key);
        var match = false;
        foreach (var accepted in _keys)
        {
            match |= CryptographicOperations.FixedTimeEquals(given, accepted);
        }

        return match ? null : "invalid API key";
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next, ILogger logger)
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
