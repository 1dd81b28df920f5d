namespace Zespan.Extensions.Backend.Internal;

/// <summary>Why a call to the backend produced no answer (the resilience pipeline's failures, in the SDK's own terms).</summary>
internal enum BackendFailure
{
    /// <summary>The connection failed or dropped (every attempt).</summary>
    Network,

    /// <summary>The attempt timeout (<c>RequestTimeout</c>, <c>GuardrailTimeout</c>) ran out.</summary>
    Timeout,

    /// <summary>The endpoint's circuit breaker is open: too many recent calls failed, so none was attempted.</summary>
    CircuitOpen,

    /// <summary>The answer was larger than the endpoint's limit after decompression (<see cref="ZespanBackendLimits"/>); it was discarded.</summary>
    ResponseTooLarge,
}
