using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary>
/// An authentication handler for tests: the request's <c>X-Test-Claims</c> header lists the claims of an authenticated
/// user as <c>type=value</c> pairs separated by <c>;</c>. No header: anonymous.
/// </summary>
internal sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    public const string ClaimsHeader = "X-Test-Claims";

    public static string Header(params (string Type, string Value)[] claims) =>
        string.Join(";", claims.Select(static c => c.Type + "=" + c.Value));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[ClaimsHeader].ToString();
        if (string.IsNullOrEmpty(header))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = header.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(static pair => pair.Split('=', 2))
            .Select(static parts => new Claim(parts[0], parts[1]));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
