using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Zespan.Extensions.Backend.Internal;

/// <summary>
/// The innermost step of every attempt, under the resilience handler: counts the attempt, then reads the whole
/// answer (after automatic decompression) into memory, at most the endpoint's limit
/// (<see cref="ZespanBackendLimits"/>). An answer over the limit, a gzip bomb included, is discarded as soon as
/// it passes the limit, so it never costs more than the limit in memory; the call then fails with
/// <see cref="BackendFailure.ResponseTooLarge"/> (not retried) and a warning is logged (the first time per endpoint;
/// later ones at Debug).
/// </summary>
internal sealed class BoundedResponseHandler : DelegatingHandler
{
    /// <summary>The endpoint of a request (chooses its pipeline and its limit).</summary>
    public static readonly HttpRequestOptionsKey<ZespanBackendEndpoint> EndpointKey = new("Zespan.Endpoint");

    /// <summary>Counts the attempts of a request when the caller set it.</summary>
    public static readonly HttpRequestOptionsKey<StrongBox<int>> AttemptsKey = new("Zespan.Attempts");

    private const int ChunkBytes = 16 * 1024;

    private readonly ILogger _logger;
    private readonly int[] _logged = new int[Enum.GetValues<ZespanBackendEndpoint>().Length];

    public BoundedResponseHandler(HttpMessageHandler inner, ILogger logger)
        : base(inner)
    {
        _logger = logger;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = Begin(request);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.Content is { } content)
            {
                var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var limit = ZespanBackendLimits.MaxResponseBytes(endpoint);
                    using var buffer = new MemoryStream();
                    var chunk = new byte[ChunkBytes];
                    int read;
                    while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        Append(buffer, chunk, read, limit, endpoint);
                    }

                    Replace(response, buffer);
                }
            }

            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var endpoint = Begin(request);
        var response = base.Send(request, cancellationToken);
        try
        {
            if (response.Content is { } content)
            {
                using var stream = content.ReadAsStream(cancellationToken);
                var limit = ZespanBackendLimits.MaxResponseBytes(endpoint);
                using var buffer = new MemoryStream();
                var chunk = new byte[ChunkBytes];
                int read;
                while ((read = stream.Read(chunk)) > 0)
                {
                    Append(buffer, chunk, read, limit, endpoint);
                }

                Replace(response, buffer);
            }

            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private static ZespanBackendEndpoint Begin(HttpRequestMessage request)
    {
        if (request.Options.TryGetValue(AttemptsKey, out var attempts))
        {
            Interlocked.Increment(ref attempts.Value);
        }

        return request.Options.TryGetValue(EndpointKey, out var endpoint) ? endpoint : ZespanBackendEndpoint.Ingest;
    }

    private static void Replace(HttpResponseMessage response, MemoryStream buffer)
    {
        var bytes = new ByteArrayContent(buffer.GetBuffer(), 0, (int)buffer.Length);
        foreach (var header in response.Content.Headers)
        {
            // The length and encoding of the body as read (already decompressed) replace the wire's.
            if (!string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(header.Key, "Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                bytes.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        bytes.Headers.ContentLength = buffer.Length;
        response.Content.Dispose();
        response.Content = bytes;
    }

    private void Append(MemoryStream buffer, byte[] chunk, int read, int limit, ZespanBackendEndpoint endpoint)
    {
        if (buffer.Length + read > limit)
        {
            var level = Interlocked.Exchange(ref _logged[(int)endpoint], 1) == 0 ? LogLevel.Warning : LogLevel.Debug;
            BackendLog.ResponseTooLarge(_logger, level, endpoint.ToString(), limit);

            throw new ZespanBackendException(BackendFailure.ResponseTooLarge, endpoint, null);
        }

        buffer.Write(chunk, 0, read);
    }
}

/// <summary>The backend client's log messages (category <c>Zespan</c>, event ids 50-59).</summary>
internal static partial class BackendLog
{
    /// <summary>Logged at Warning the first time per endpoint, then at Debug (a backend that keeps answering too much must not flood the log).</summary>
    [LoggerMessage(EventId = ZespanLogEvents.BackendResponseTooLarge, EventName = nameof(ZespanLogEvents.BackendResponseTooLarge),
        Message = "The Zespan backend's answer to a {Endpoint} call was larger than {LimitBytes} bytes after decompression; Zespan discarded it and counts the call as failed (remote configuration keeps the last good one). Check that Zespan:BaseUrl points at a Zespan backend.")]
    public static partial void ResponseTooLarge(ILogger logger, LogLevel level, string endpoint, int limitBytes);
}
