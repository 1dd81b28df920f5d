using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly.CircuitBreaker;
using Zespan.Extensions.Backend.Internal;

namespace Zespan.Extensions.Export.Internal;

/// <summary>
/// Sends one prepared batch to <c>POST /v1/ingest</c> through the backend client's Ingest pipeline
/// (retry with backoff, jitter and <c>Retry-After</c>, circuit breaker, attempt timeout) and classifies the
/// answer. Never throws: every failure becomes an <see cref="IngestResult"/>. The <see cref="IZespanExporter"/>
/// registered by default; decorators wrap it.
/// </summary>
internal sealed class IngestExporter(ZespanBackendClient backend) : IZespanExporter
{
    /// <summary>The path of the ingest endpoint, relative to <c>BaseUrl</c>.</summary>
    public const string IngestPath = "v1/ingest";

    private static readonly Func<ZespanBackendClient, IngestBody, HttpRequestMessage> RequestFactory = CreateRequest;

    /// <inheritdoc/>
    public async ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken cancellationToken)
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
