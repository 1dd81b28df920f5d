namespace Zespan.Extensions.Providers.Internal;

/// <summary>
/// Reads a request body up to a limit without changing what is sent. The content is buffered inside the
/// <see cref="HttpContent"/> (<see cref="HttpContent.LoadIntoBufferAsync(CancellationToken)"/> semantics), so
/// the bytes that go out are the same bytes, and the same content object, as without Zespan: nothing is
/// re-serialized, which is what a SigV4-signed Bedrock request needs (its signature covers the body hash).
/// </summary>
internal static class RequestBodyCapture
{
    /// <summary>Captures up to <paramref name="limit"/> bytes of a request body (asynchronous send path).</summary>
    /// <returns>The captured bytes, or <see langword="null"/> when there is no body.</returns>
    public static ValueTask<CaptureBuffer?> CaptureAsync(HttpRequestMessage request, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Content is { } content ? CaptureAsync(content, limit, cancellationToken) : ValueTask.FromResult<CaptureBuffer?>(null);
    }

    /// <summary>
    /// Captures up to <paramref name="limit"/> bytes of a body that was not sent (a request that failed before its body
    /// went out): buffered inside the content, as before a send, and never throws. Null when it cannot be read.
    /// </summary>
    public static async ValueTask<CaptureBuffer?> TryCaptureUnsentAsync(HttpContent content, int limit, bool async, CancellationToken cancellationToken)
    {
        try
        {
            if (async)
            {
                return await CaptureAsync(content, limit, cancellationToken).ConfigureAwait(false);
            }

            if (content is StreamContent or MultipartContent)
            {
                return null; // no synchronous buffering inside the content: not read, so not consumed
            }

            var capture = new CaptureBuffer(limit, tailBytes: 0);
            try
            {
                Copy(content.ReadAsStream(cancellationToken), capture, limit);
                return capture;
            }
            catch
            {
                capture.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null; // recorded without its prompt
        }
    }

    private static async ValueTask<CaptureBuffer?> CaptureAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        if (!IsReadableWithoutConsuming(content))
        {
            // StreamContent and unknown contents: buffer inside the content, which then sends its buffer.
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var capture = new CaptureBuffer(limit, tailBytes: 0);
        try
        {
            await CopyAsync(stream, capture, limit, cancellationToken).ConfigureAwait(false);
            return capture;
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>Captures up to <paramref name="limit"/> bytes of a request body (synchronous <c>Send</c> path).</summary>
    /// <remarks>
    /// <see cref="HttpContent"/> has no synchronous buffering method. Byte-array, string and memory contents
    /// are read directly; other contents whose read stream is their buffer (the default for custom contents,
    /// as the OpenAI SDK's) are buffered by <see cref="HttpContent.ReadAsStream()"/>. A <see cref="StreamContent"/>
    /// would be consumed by reading it, so it is replaced by a buffered copy with the same headers and bytes.
    /// </remarks>
    /// <param name="request">The request.</param>
    /// <param name="limit">The most bytes kept.</param>
    /// <param name="cancellationToken">Ends the read.</param>
    /// <param name="replaceStreams">
    /// Whether a <see cref="StreamContent"/> or <see cref="MultipartContent"/> is replaced by a buffered copy to be read;
    /// false leaves it untouched and uncaptured (process-wide capture, which reads inside the runtime's HTTP
    /// diagnostics and must neither block on a stream nor replace what the caller sends).
    /// </param>
    public static CaptureBuffer? Capture(HttpRequestMessage request, int limit, CancellationToken cancellationToken, bool replaceStreams = true)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content;
        if (content is null)
        {
            return null;
        }

        if (content is StreamContent or MultipartContent)
        {
            if (!replaceStreams)
            {
                return null;
            }

            content = ReplaceWithBuffered(request, content, cancellationToken);
        }

        var stream = content.ReadAsStream(cancellationToken);
        var capture = new CaptureBuffer(limit, tailBytes: 0);
        try
        {
            Copy(stream, capture, limit);
            return capture;
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>Reads a whole request body (model override needs all of it); the content stays sendable.</summary>
    public static async ValueTask<byte[]?> ReadAllAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content;
        if (content is null)
        {
            return null;
        }

        if (!IsReadableWithoutConsuming(content))
        {
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var start = stream.CanSeek ? stream.Position : 0;
        try
        {
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory, cancellationToken).ConfigureAwait(false);
            return memory.ToArray();
        }
        finally
        {
            if (stream.CanSeek)
            {
                stream.Position = start;
            }
        }
    }

    /// <summary>Reads a whole request body on the synchronous path; the content stays sendable.</summary>
    public static byte[]? ReadAll(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var content = request.Content;
        if (content is null)
        {
            return null;
        }

        if (content is StreamContent or MultipartContent)
        {
            content = ReplaceWithBuffered(request, content, cancellationToken);
        }

        var stream = content.ReadAsStream(cancellationToken);
        var start = stream.CanSeek ? stream.Position : 0;
        try
        {
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            return memory.ToArray();
        }
        finally
        {
            if (stream.CanSeek)
            {
                stream.Position = start;
            }
        }
    }

    /// <summary>Whether reading the content's stream leaves it sendable (it reads from an array it keeps).</summary>
    private static bool IsReadableWithoutConsuming(HttpContent content) =>
        content is ByteArrayContent or ReadOnlyMemoryContent;

    private static async ValueTask CopyAsync(Stream stream, CaptureBuffer capture, int limit, CancellationToken cancellationToken)
    {
        var start = stream.CanSeek ? stream.Position : 0;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Clamp(limit + 1, 1, 81920));
        try
        {
            // Read one byte past the limit so the capture knows the body was longer.
            while (capture.TotalBytes <= limit)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                capture.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (stream.CanSeek)
            {
                stream.Position = start;
            }
        }
    }

    private static void Copy(Stream stream, CaptureBuffer capture, int limit)
    {
        var start = stream.CanSeek ? stream.Position : 0;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Clamp(limit + 1, 1, 81920));
        try
        {
            while (capture.TotalBytes <= limit)
            {
                var read = stream.Read(buffer);
                if (read == 0)
                {
                    break;
                }

                capture.Append(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            if (stream.CanSeek)
            {
                stream.Position = start;
            }
        }
    }

    private static ByteArrayContent ReplaceWithBuffered(HttpRequestMessage request, HttpContent content, CancellationToken cancellationToken)
    {
        using var memory = new MemoryStream();
        content.CopyTo(memory, null, cancellationToken);
        var replacement = new ByteArrayContent(memory.ToArray());
        foreach (var header in content.Headers)
        {
            replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        request.Content = replacement;
        content.Dispose();
        return replacement;
    }
}
