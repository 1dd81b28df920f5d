using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Zespan.Extensions.Context.Internal;

namespace Zespan.Extensions.AspNetCore.Internal;

/// <summary>
/// The values of one request's context scope, read from the request when they are used: the user from
/// <see cref="HttpContext.User"/> (set by authentication, which runs after the scope began), the session from a
/// header, <c>http.route</c> from the endpoint routing chose, and the app's <see cref="ZespanAspNetCoreOptions.EnrichTags"/>.
/// A snapshot is kept until the user or the endpoint changes, so an event costs two reference comparisons.
/// </summary>
/// <remarks>Thread-safe: tasks of one request may start events at once; two of them may build the same snapshot, and either is kept.</remarks>
internal sealed class RequestContextSource : IContextScopeSource
{
    /// <summary>The tag holding the route template of the request's endpoint.</summary>
    public const string RouteTag = "http.route";

    private static readonly string[] EmailClaimTypes = [ClaimTypes.Email, "email"];
    private static readonly string[] NameClaimTypes = [ClaimTypes.Name, "name"];

    private readonly HttpContext _context;
    private readonly RequestContextSettings _settings;
    private readonly ILogger _logger;
    private readonly string? _sessionId;
    private volatile Snapshot? _last;

    public RequestContextSource(HttpContext context, RequestContextSettings settings, ILogger logger)
    {
        _context = context;
        _settings = settings;
        _logger = logger;
        _sessionId = ReadSessionId(context, settings.SessionIdHeader);
    }

    public ContextScopeValues GetValues()
    {
        var last = _last;
        ClaimsPrincipal? user;
        Endpoint? endpoint;
        try
        {
            user = _context.User;
            endpoint = _context.GetEndpoint();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The request is gone (a task that outlived it): keep what was read.
            AspNetCoreLog.RequestContextFailed(_logger, ex);
            return last?.Values ?? new ContextScopeValues(null, _sessionId, null, null, null);
        }

        if (last is not null && ReferenceEquals(last.User, user) && ReferenceEquals(last.Endpoint, endpoint))
        {
            return last.Values;
        }

        var snapshot = new Snapshot(user, endpoint, Read(user, endpoint));
        _last = snapshot;
        return snapshot.Values;
    }

    private static string? ReadSessionId(HttpContext context, string? header)
    {
        if (header is null)
        {
            return null;
        }

        foreach (var value in context.Request.Headers[header])
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    private static string? FindClaim(ClaimsPrincipal? user, string[] types)
    {
        if (user is null)
        {
            return null;
        }

        foreach (var type in types)
        {
            foreach (var identity in user.Identities)
            {
                if (identity.IsAuthenticated && identity.FindFirst(type) is { Value: { } value } && !string.IsNullOrWhiteSpace(value))
                {
                    return value;
                }
            }
        }

        return null;
    }

    private ContextScopeValues Read(ClaimsPrincipal? user, Endpoint? endpoint)
    {
        string? userId = null;
        string? email = null;
        string? name = null;
        try
        {
            userId = FindClaim(user, _settings.UserIdClaimTypes);
            if (_settings.CaptureUserEmailAndName)
            {
                email = FindClaim(user, EmailClaimTypes);
                name = FindClaim(user, NameClaimTypes);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            AspNetCoreLog.RequestContextFailed(_logger, ex);
        }

        return new ContextScopeValues(userId, _sessionId, ReadTags(endpoint), email, name);
    }

    private Dictionary<string, string>? ReadTags(Endpoint? endpoint)
    {
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText;
        var enrich = _settings.EnrichTags;
        if (route is null && enrich is null)
        {
            return null;
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (enrich is not null)
        {
            try
            {
                enrich(_context, tags);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                AspNetCoreLog.EnrichTagsFailed(_logger, ex);
                tags.Clear();
            }
        }

        if (route is not null)
        {
            tags[RouteTag] = route;
        }

        return tags.Count == 0 ? null : tags;
    }

    /// <summary>The values read for one user and endpoint.</summary>
    private sealed record Snapshot(ClaimsPrincipal? User, Endpoint? Endpoint, ContextScopeValues Values);
}
