using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly.CircuitBreaker;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>How the backend (or the way to it) answered one ingest batch.</summary>
internal enum IngestOutcome
{
    /// <summary>2xx: stored.</summary>
    Accepted,

    /// <summary>400 or another non-transient 4xx: dropped for good.</summary>
    Rejected,

    /// <summary>401 or 403: the key is bad; nothing more is sent until it changes.</summary>
    KeyRejected,

    /// <summary>413: the body is too large; split it.</summary>
    TooLarge,

    /// <summary>Retries ran out, the circuit is open, a network error or the time ran out.</summary>
    Failed,
}

/// <summary>The result of one <see cref="IngestExporter.SendAsync"/>.</summary>
internal readonly record struct IngestResult(IngestOutcome Outcome, int StatusCode, string Reason, Exception? Error = null, string? ErrorType = null, string? ErrorMessage = null);

/// <summary>
/// Sends one prepared batch to <c>POST /v1/ingest</c> through the backend client's Ingest pipeline
/// (retry with backoff, jitter and <c>Retry-After</c>, circuit breaker, attempt timeout) and classifies the
/// answer. Never throws: every failure becomes an <see cref="IngestResult"/>.
/// </summary>
internal sealed class IngestExporter(ZespanBackendClient backend)
{
    /// <summary>The path of the ingest endpoint, relative to <c>BaseUrl</c>.</summary>
    public const string IngestPath = "v1/ingest";

    private static readonly Func<ZespanBackendClient, IngestBody, HttpRequestMessage> RequestFactory = CreateRequest;

    /// <summary>Sends <paramref name="body"/>; with <paramref name="async"/> false it completes synchronously (the process-exit drain).</summary>
    public async ValueTask<IngestResult> SendAsync(IngestBody body, bool async, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = async
                ? await backend.SendAsync(ZespanBackendEndpoint.Ingest, RequestFactory, body, cancellationToken).ConfigureAwait(false)
                : backend.Send(ZespanBackendEndpoint.Ingest, RequestFactory, body, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            return new IngestResult(IngestOutcome.Failed, 0, "circuit open", ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return new IngestResult(IngestOutcome.Failed, 0, "cancelled", ex);
        }
#pragma warning disable CA1031 // network errors, attempt timeouts and anything else become a failed delivery
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new IngestResult(IngestOutcome.Failed, 0, ex.GetType().Name, ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return new IngestResult(IngestOutcome.Accepted, status, "accepted");
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                return new IngestResult(IngestOutcome.KeyRejected, status, "key rejected");
            }

            if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
            {
                return new IngestResult(IngestOutcome.TooLarge, status, "too large");
            }

            if (ZespanBackendClient.IsTransient(response.StatusCode))
            {
                return new IngestResult(IngestOutcome.Failed, status, "retries exhausted");
            }

            if (status < 400)
            {
                return new IngestResult(IngestOutcome.Failed, status, "unexpected status");
            }

            var (type, message) = async
                ? await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false)
                : ReadError(response, cancellationToken);
            return new IngestResult(IngestOutcome.Rejected, status, "rejected", null, type, message);
        }
    }

    private static HttpRequestMessage CreateRequest(ZespanBackendClient client, IngestBody body)
    {
        body.Attempts++;
        var request = client.CreateRequest(HttpMethod.Post, IngestPath);
        var content = new ByteArrayContent(body.Buffer, 0, body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        request.Content = content;
        request.Headers.TryAddWithoutValidation("Idempotency-Key", body.BatchIdText);
        body.ApiKey = request.Headers.Authorization?.Parameter;
        return request;
    }

    private static async ValueTask<(string? Type, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var error = await JsonSerializer.DeserializeAsync(stream, ZespanJsonContext.Default.ErrorEnvelope, cancellationToken).ConfigureAwait(false);
                return (error?.Error?.Type, error?.Error?.Message);
            }
        }
#pragma warning disable CA1031 // the error body is only for the log
        catch (Exception)
#pragma warning restore CA1031
        {
            return (null, null);
        }
    }

    private static (string? Type, string? Message) ReadError(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var stream = response.Content.ReadAsStream(cancellationToken);
            var error = JsonSerializer.Deserialize(stream, ZespanJsonContext.Default.ErrorEnvelope);
            return (error?.Error?.Type, error?.Error?.Message);
        }
#pragma warning disable CA1031 // the error body is only for the log
        catch (Exception)
#pragma warning restore CA1031
        {
            return (null, null);
        }
    }
}
