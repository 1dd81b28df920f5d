namespace Zespan.Samples.WebApi.Controllers;

/// <summary>Reads who is calling. A real app would take the user from <c>HttpContext.User</c>.</summary>
internal static class RequestIdentity
{
    public static (string? UserId, string? SessionId) From(HttpRequest request) =>
        (Header(request, SampleHeaders.UserId), Header(request, SampleHeaders.SessionId));

    private static string? Header(HttpRequest request, string name)
    {
        var value = request.Headers[name].ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
