using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
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

    private static readonly Func<ZespanBackendClient, (IngestBody Body, StrongBox<int> Attempts), HttpRequestMessage> RequestFactory = CreateRequest;

    /// <inheritdoc/>
    public async ValueTask<IngestResult> ExportAsync(IngestBody body, bool async, CancellationToken cancellationToken)
    {
        var attempts = new StrongBox<int>();
        HttpResponseMessage response;
        try
        {
            response = async
                ? await backend.SendAsync(ZespanBackendEndpoint.Ingest, RequestFactory, (body, attempts), cancellationToken).ConfigureAwait(false)
                : backend.Send(ZespanBackendEndpoint.Ingest, RequestFactory, (body, attempts), cancellationToken);
        }
        catch (ZespanBackendException ex)
        {
            return new IngestResult(IngestOutcome.Failed, 0, ex.Reason, ex);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return new IngestResult(IngestOutcome.Failed, 0, "cancelled", ex);
        }
#pragma warning disable CA1031 // anything else becomes a failed delivery too
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return new IngestResult(IngestOutcome.Failed, 0, ex.GetType().Name, ex);
        }
        finally
        {
            body.Attempts += Math.Max(1, Volatile.Read(ref attempts.Value));
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
                var retryAfter = ZespanBackendClient.GetRetryAfter(response, backend.TimeProvider.GetUtcNow());
                return new IngestResult(IngestOutcome.Failed, status, "retries exhausted", RetryAfter: retryAfter);
            }

            if (status < 400)
            {
                return new IngestResult(IngestOutcome.Failed, status, "unexpected status");
            }

            var (type, message) = ReadError(response);
            return new IngestResult(IngestOutcome.Rejected, status, "rejected", null, type, message);
        }
    }

    private static HttpRequestMessage CreateRequest(ZespanBackendClient client, (IngestBody Body, StrongBox<int> Attempts) state)
    {
        var body = state.Body;
        var request = client.CreateRequest(HttpMethod.Post, IngestPath);
        var content = new ByteArrayContent(body.Buffer, 0, body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        request.Content = content;
        request.Headers.TryAddWithoutValidation("Idempotency-Key", body.BatchIdText);
        request.Options.Set(BoundedResponseHandler.AttemptsKey, state.Attempts);
        body.ApiKey = request.Headers.Authorization?.Parameter;
        return request;
    }

    /// <summary>Reads the error body, which the backend client has already read within its limit (synchronous: it is in memory).</summary>
    private static (string? Type, string? Message) ReadError(HttpResponseMessage response)
    {
        try
        {
            using var stream = response.Content.ReadAsStream();
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
