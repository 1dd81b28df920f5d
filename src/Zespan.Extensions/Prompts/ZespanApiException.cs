namespace Zespan.Extensions;

/// <summary>
/// A call to the Zespan backend failed: it answered with an error status, or could not be reached in time.
/// The message names the request, the status and the server's message; it never contains the API key.
/// </summary>
public class ZespanApiException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="ZespanApiException"/> class.</summary>
    public ZespanApiException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ZespanApiException"/> class with a message.</summary>
    /// <param name="message">The message.</param>
    public ZespanApiException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ZespanApiException"/> class with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ZespanApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ZespanApiException"/> class with the backend's answer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status, or <see langword="null"/> when there was no answer.</param>
    /// <param name="errorType">The <c>error.type</c> of the answer.</param>
    /// <param name="serverMessage">The <c>error.message</c> of the answer.</param>
    /// <param name="innerException">The cause.</param>
    public ZespanApiException(string message, int? statusCode, string? errorType, string? serverMessage, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        ErrorType = errorType;
        ServerMessage = serverMessage;
    }

    /// <summary>Gets the HTTP status the backend answered with.</summary>
    /// <value><see langword="null"/> when no answer came (network failure, timeout, circuit open).</value>
    public int? StatusCode { get; }

    /// <summary>Gets the error type the backend gave (<c>error.type</c>, such as <c>invalid_request</c>).</summary>
    /// <value><see langword="null"/> when the answer had no error body.</value>
    public string? ErrorType { get; }

    /// <summary>Gets the error message the backend gave (<c>error.message</c>).</summary>
    /// <value><see langword="null"/> when the answer had no error body.</value>
    public string? ServerMessage { get; }
}
