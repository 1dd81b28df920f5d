using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace Zespan.Extensions;

/// <summary>
/// What <c>AddAspNetCore</c> reads from each request into its Zespan context scope: the user from the authenticated
/// <see cref="ClaimsPrincipal"/>, the session from a header, the route, and tags of the app's choosing.
/// </summary>
/// <remarks>
/// The values are read when an event starts (or <see cref="IZespanContextAccessor.Current"/> is read) inside the
/// request, not when the request begins: authentication, which sets the user, runs after the scope began. A scope
/// the app begins inside the request (<see cref="IZespanContextAccessor.BeginScope"/>) wins over these values, as
/// nested scopes do.
/// </remarks>
public sealed class ZespanAspNetCoreOptions
{
    /// <summary>The header <see cref="SessionIdHeader"/> names by default.</summary>
    public const string DefaultSessionIdHeader = "X-Session-Id";

    /// <summary>
    /// Gets or sets the claim types that hold the user id (sent as <c>customer_identifier</c>), in order: the first
    /// present on an authenticated identity wins. A request with no authenticated user has no user id.
    /// </summary>
    /// <value>The default is <see cref="ClaimTypes.NameIdentifier"/>, then <c>sub</c> (the JWT subject, when the
    /// handler keeps the token's claim names). An empty list records no user id.</value>
    public IList<string> UserIdClaimTypes { get; set; } = new List<string> { ClaimTypes.NameIdentifier, "sub" };

    /// <summary>
    /// Gets or sets a value indicating whether the user's email and name (sent as <c>customer_email</c> and
    /// <c>customer_name</c>) are read from the <see cref="ClaimTypes.Email"/> or <c>email</c> claim and the
    /// <see cref="ClaimTypes.Name"/> or <c>name</c> claim. Personal data stays out unless asked for.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool CaptureUserEmailAndName { get; set; }

    /// <summary>Gets or sets the request header whose value is the session id (sent as <c>thread_identifier</c>).</summary>
    /// <value>The default is <c>X-Session-Id</c> (<see cref="DefaultSessionIdHeader"/>). <see langword="null"/> or empty reads no session id.</value>
    public string? SessionIdHeader { get; set; } = DefaultSessionIdHeader;

    /// <summary>
    /// Gets or sets a callback that adds tags of the app's choosing (the route's tenant, a feature flag) to the
    /// request's scope. It runs inside the request, at most once per user and endpoint of the request, usually
    /// when the first LLM call starts. Its tags are redacted like every tag; an exception it throws is logged and
    /// the request's events carry no tags from it.
    /// </summary>
    /// <value>The default is <see langword="null"/>: only <c>http.route</c> is added.</value>
    public Action<HttpContext, IDictionary<string, string>>? EnrichTags { get; set; }
}
