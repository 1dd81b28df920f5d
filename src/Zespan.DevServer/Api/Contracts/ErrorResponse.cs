namespace Zespan.DevServer.Api.Contracts;

/// <summary>The body of every non-2xx answer: <c>{"error": {"type", "message"}}</c>.</summary>
internal sealed record ErrorResponse(ErrorDetail Error)
{
    public static ErrorResponse Of(string type, string message) => new(new ErrorDetail(type, message));
}

/// <summary>The <c>error</c> object: a stable <c>type</c> (see <see cref="ApiErrors"/>) and a message for people.</summary>
internal sealed record ErrorDetail(string Type, string Message);
