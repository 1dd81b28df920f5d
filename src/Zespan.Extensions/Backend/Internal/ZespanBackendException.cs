namespace Zespan.Extensions.Backend.Internal;

/// <summary>
/// A call to the backend that produced no usable answer: the only failure <see cref="ZespanBackendClient"/> throws
/// (besides the caller's own cancellation), so no resilience type leaves <c>Backend/</c>.
/// </summary>
internal sealed class ZespanBackendException : Exception
{
    public ZespanBackendException()
    {
    }

    public ZespanBackendException(string message)
        : base(message)
    {
    }

    public ZespanBackendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ZespanBackendException(BackendFailure failure, ZespanBackendEndpoint endpoint, Exception? innerException)
        : base(Describe(failure, endpoint), innerException)
    {
        Failure = failure;
        Endpoint = endpoint;
    }

    /// <summary>Gets why the call failed.</summary>
    public BackendFailure Failure { get; }

    /// <summary>Gets the endpoint called.</summary>
    public ZespanBackendEndpoint Endpoint { get; }

    /// <summary>Gets a short reason for logs and results (<c>circuit open</c>, <c>timeout</c>, ...).</summary>
    public string Reason => Failure switch
    {
        BackendFailure.CircuitOpen => "circuit open",
        BackendFailure.Timeout => "timeout",
        BackendFailure.ResponseTooLarge => "response too large",
        _ => "network error",
    };

    private static string Describe(BackendFailure failure, ZespanBackendEndpoint endpoint) => failure switch
    {
        BackendFailure.CircuitOpen => $"The Zespan backend was not called ({endpoint}): too many recent calls failed, so calls pause for a while (circuit open).",
        BackendFailure.Timeout => $"The Zespan backend did not answer in time ({endpoint}).",
        BackendFailure.ResponseTooLarge => $"The Zespan backend's answer ({endpoint}) was larger than {ZespanBackendLimits.MaxResponseBytes(endpoint)} bytes after decompression and was discarded.",
        _ => $"The Zespan backend could not be reached ({endpoint}).",
    };
}
