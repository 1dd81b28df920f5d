using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Guardrails.Internal;

/// <summary>
/// <see cref="IGuardrailClient"/> over <c>POST /v1/guardrails/check</c>, through the Guardrails pipeline of
/// <see cref="ZespanBackendClient"/> (its own circuit breaker: an ingest outage never trips checks). Offers a
/// synchronous <see cref="Check"/> for the <c>HttpClient.Send</c> path, with synchronous HTTP (no sync-over-async).
/// </summary>
internal sealed class GuardrailClient(ZespanBackendClient backend, IOptionsMonitor<ZespanOptions> options) : IGuardrailClient
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    public async Task<GuardrailCheckResult> CheckAsync(GuardrailCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Serialize(request);
        HttpResponseMessage response;
        try
        {
            response = await backend.SendAsync(ZespanBackendEndpoint.Guardrails, static (b, content) => CreateRequest(b, content), body, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsCheckFailure(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw StatusFailure(response);
            }

            byte[] answer;
            try
            {
                answer = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsCheckFailure(ex, cancellationToken))
            {
                throw Unavailable(ex);
            }

            return Parse(answer);
        }
    }

    /// <summary>The synchronous form, for <c>HttpMessageHandler.Send</c>: synchronous HTTP all the way.</summary>
    public GuardrailCheckResult Check(GuardrailCheckRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = Serialize(request);
        HttpResponseMessage response;
        try
        {
            response = backend.Send(ZespanBackendEndpoint.Guardrails, static (b, content) => CreateRequest(b, content), body, cancellationToken);
        }
        catch (Exception ex) when (IsCheckFailure(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw StatusFailure(response);
            }

            byte[] answer;
            try
            {
                // The backend client has read the answer already, within its size limit.
                using var stream = response.Content.ReadAsStream(cancellationToken);
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                answer = buffer.ToArray();
            }
            catch (Exception ex) when (IsCheckFailure(ex, cancellationToken))
            {
                throw Unavailable(ex);
            }

            return Parse(answer);
        }
    }

    /// <summary>The result recorded and thrown when a check fails and <see cref="GuardrailOptions.FailClosed"/> is set.</summary>
    public static GuardrailResult UnavailableResult(string reason) => new()
    {
        Policy = "zespan.unavailable",
        Passed = false,
        Action = "block",
        Reason = reason,
    };

    private byte[] Serialize(GuardrailCheckRequest request)
    {
        var body = new GuardrailCheckBody
        {
            Phase = request.Phase == GuardrailPhase.Pre ? "pre" : "post",
            Provider = request.Provider,
            Model = request.Model,
            Environment = request.Environment ?? options.CurrentValue.Environment,
            TraceId = request.TraceId,
            SpanId = request.SpanId,
            Messages = request.Messages,
            Completion = request.Completion,
        };
        return JsonSerializer.SerializeToUtf8Bytes(body, GuardrailJsonContext.Default.GuardrailCheckBody);
    }

    private static HttpRequestMessage CreateRequest(ZespanBackendClient backend, byte[] content)
    {
        var request = backend.CreateRequest(HttpMethod.Post, "v1/guardrails/check");
        request.Content = new ByteArrayContent(content);
        request.Content.Headers.ContentType = Json;
        return request;
    }

    private static GuardrailCheckResult Parse(byte[] answer)
    {
        GuardrailAnswer? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(answer, GuardrailJsonContext.Default.GuardrailAnswer);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // JsonException, and the InvalidOperationException of text that cannot be decoded (a lone surrogate).
            throw new GuardrailUnavailableException("The guardrail check answered with a body that is not a verdict.", ex);
        }

        if (parsed?.Passed is not { } passed)
        {
            throw new GuardrailUnavailableException("The guardrail check answered without a 'passed' verdict.");
        }

        var results = new List<GuardrailResult>(parsed.Results?.Count ?? 0);
        foreach (var r in parsed.Results ?? [])
        {
            results.Add(new GuardrailResult
            {
                Policy = r.Policy ?? string.Empty,
                Passed = r.Passed,
                Action = string.IsNullOrEmpty(r.Action) ? (r.Passed ? "allow" : "block") : r.Action,
                Reason = r.Reason,
                ModifiedText = r.ModifiedText,
            });
        }

        return new GuardrailCheckResult { Passed = passed, Results = results };
    }

    private static GuardrailUnavailableException StatusFailure(HttpResponseMessage response) =>
        new($"The guardrail check answered {(int)response.StatusCode}.") { StatusCode = (int)response.StatusCode };

    /// <summary>
    /// Every failure of the check is the check failing (and <see cref="GuardrailOptions.FailClosed"/> decides), whatever
    /// its type; only the caller's own cancellation is the caller's.
    /// </summary>
    internal static bool IsCheckFailure(Exception ex, CancellationToken cancellationToken) =>
        !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested) && ex is not OutOfMemoryException;

    private static GuardrailUnavailableException Unavailable(Exception ex) => ex switch
    {
        ZespanBackendException { Failure: BackendFailure.Timeout } => new GuardrailUnavailableException("The guardrail check timed out.", ex),
        ZespanBackendException { Failure: BackendFailure.CircuitOpen } => new GuardrailUnavailableException("The guardrail check was not attempted: the backend is failing (circuit open).", ex),
        ZespanBackendException { Failure: BackendFailure.ResponseTooLarge } => new GuardrailUnavailableException("The guardrail check answered with a body over its size limit.", ex),
        GuardrailUnavailableException unavailable => unavailable,
        ZespanBackendException or HttpRequestException or IOException or OperationCanceledException => new GuardrailUnavailableException("The guardrail check could not reach the backend.", ex),
        _ => new GuardrailUnavailableException("The guardrail check failed (" + ex.GetType().Name + ").", ex),
    };
}
