using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Zespan.Samples.WebApi.Controllers;

namespace Zespan.Samples.WebApi.Authentication;

/// <summary>
/// The sample's stand-in for real authentication: a caller is signed in as the user its <c>X-User-Id</c> header names,
/// with that id as its <see cref="ClaimTypes.NameIdentifier"/> claim. Zespan's <c>AddAspNetCore</c> reads the user from
/// that claim, as it would from a JWT bearer or cookie scheme. Never use a scheme like this in production: anyone can
/// claim to be anyone. A real app registers <c>AddJwtBearer</c>, <c>AddCookie</c> or <c>AddMicrosoftIdentityWebApi</c>
/// instead and changes nothing else.
/// </summary>
public sealed class DevelopmentAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "Development";

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var userId = Request.Headers[SampleHeaders.UserId].ToString().Trim();
        if (userId.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult()); // anonymous
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, userId), new Claim(ClaimTypes.Name, userId)],
            SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
