namespace Zespan.DevServer.Api;

/// <summary>The <c>error.type</c> values the server answers with (docs/protocol.md lists them with their statuses).</summary>
internal static class ApiErrors
{
    public const string InvalidRequest = "invalid_request";
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string PayloadTooLarge = "payload_too_large";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string RateLimited = "rate_limited";
    public const string InternalError = "internal_error";

    public static string TypeForStatus(int status) => status switch
    {
        400 => InvalidRequest,
        401 => Unauthorized,
        404 => NotFound,
        405 => MethodNotAllowed,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        >= 500 => InternalError,
        _ => InvalidRequest,
    };

    public static string MessageForStatus(int status) => status switch
    {
        404 => "no such endpoint",
        405 => "method not allowed on this endpoint",
        413 => "request body too large",
        415 => "unsupported media type",
        429 => "too many requests",
        >= 500 => "the server failed",
        _ => "bad request",
    };
}

/// <summary>A request the handler refuses: the status, <c>error.type</c> and message of the answer.</summary>
internal sealed class ApiException : Exception
{
    public ApiException(int status, string type, string message)
        : base(message)
    {
        Status = status;
        Type = type;
    }

    public ApiException()
        : this(400, ApiErrors.InvalidRequest, "bad request")
    {
    }

    public ApiException(string message)
        : this(400, ApiErrors.InvalidRequest, message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Type = ApiErrors.InvalidRequest;
    }

    public int Status { get; }

    public string Type { get; }

    public static ApiException BadRequest(string message) => new(400, ApiErrors.InvalidRequest, message);

    public static ApiException NotFound(string message) => new(404, ApiErrors.NotFound, message);
}
