using System.Net;
using System.Text;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class CapturingStreamTests
{
    /// <summary>A stream that hands out its bytes in fixed pieces, and can fail or block on demand.</summary>
    private sealed class PieceStream(byte[] data, int piece) : Stream
    {
        private int _position;

        public Exception? FailAt { get; set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public bool Disposed { get; private set; }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (FailAt is not null && _position > 0)
            {
                throw FailAt;
            }

            var n = Math.Min(Math.Min(count, piece), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            if (FailAt is not null && _position > 0)
            {
                throw FailAt;
            }

            var n = Math.Min(Math.Min(buffer.Length, piece), data.Length - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    private static byte[] Data(int length) => Enumerable.Range(0, length).Select(i => (byte)(i * 31 % 251)).ToArray();

    [Fact]
    public async Task ReadAsync_ToEnd_PassesBytesInOrderAndCompletesOnce()
    {
        var data = Data(10_000);
        var time = new ManualTimeProvider();
        var observer = new RecordingObserver();
        var capture = new CaptureBuffer(100_000);
        var output = new MemoryStream();
        await using (var tee = new CapturingStream(new PieceStream(data, 333), capture, time, observer))
        {
            var buffer = new byte[1000];
            int read;
            time.Advance(TimeSpan.FromSeconds(2));
            while ((read = await tee.ReadAsync(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
                time.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.True(tee.IsCompleted);
        }

        Assert.Equal(data, output.ToArray());
        Assert.Equal(data, capture.Head.ToArray());
        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.Completed, completion.Outcome);
        Assert.Equal(10_000, completion.BytesRead);
        Assert.Equal(TimeSpan.FromSeconds(2).Ticks, completion.FirstByteTimestamp);
        Assert.Equal(TimeSpan.FromSeconds(2 + 31).Ticks, completion.EndTimestamp);
        Assert.Null(completion.Exception);
    }

    [Fact]
    public void Read_Sync_PassesBytesAndCompletes()
    {
        var data = Data(5000);
        var observer = new RecordingObserver();
        var capture = new CaptureBuffer(100);
        using var tee = new CapturingStream(new PieceStream(data, 77), capture, new ManualTimeProvider(), observer);
        var output = new MemoryStream();
        tee.CopyTo(output, 64);
        Assert.Equal(-1, tee.ReadByte());

        Assert.Equal(data, output.ToArray());
        Assert.Equal(data[..100], capture.Head.ToArray());
        Assert.True(capture.Truncated);
        Assert.Equal(data[^100..], capture.CopyTail()); // the tail is never larger than the head limit
        Assert.Equal(CaptureOutcome.Completed, Assert.Single(observer.Completions).Outcome);
    }

    [Fact]
    public void Dispose_BeforeEnd_CompletesOnceAsDisposedEarlyAndDisposesInner()
    {
        var data = Data(1000);
        var inner = new PieceStream(data, 100);
        var observer = new RecordingObserver();
        var capture = new CaptureBuffer(10_000);
        var tee = new CapturingStream(inner, capture, new ManualTimeProvider(), observer);
        var buffer = new byte[100];
        tee.ReadExactly(buffer);
        tee.Dispose();
        tee.Dispose();

        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.DisposedEarly, completion.Outcome);
        Assert.Equal(100, completion.BytesRead);
        Assert.Equal(data[..100], capture.Head.ToArray());
        Assert.True(inner.Disposed);
    }

    [Fact]
    public async Task ReadAsync_Canceled_CompletesAsCanceledAndRethrows()
    {
        var observer = new RecordingObserver();
        await using var tee = new CapturingStream(new PieceStream(Data(1000), 10), null, new ManualTimeProvider(), observer);
        var buffer = new byte[10];
        await tee.ReadExactlyAsync(buffer);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tee.ReadAsync(buffer, cts.Token).AsTask());
        await tee.DisposeAsync();

        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.Canceled, completion.Outcome);
        Assert.Equal(10, completion.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_InnerFails_CompletesAsFailedAndRethrowsSameException()
    {
        var failure = new IOException("connection reset");
        var observer = new RecordingObserver();
        var inner = new PieceStream(Data(1000), 10) { FailAt = failure };
        await using var tee = new CapturingStream(inner, null, new ManualTimeProvider(), observer);
        var buffer = new byte[10];
        await tee.ReadExactlyAsync(buffer);

        var thrown = await Assert.ThrowsAsync<IOException>(() => tee.ReadAsync(buffer).AsTask());

        Assert.Same(failure, thrown);
        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.Failed, completion.Outcome);
        Assert.Same(failure, completion.Exception);
    }

    [Fact]
    public void Read_ObserverThrows_CallerUnaffected()
    {
        var observer = new ThrowingObserver();
        using var tee = new CapturingStream(new MemoryStream(Data(100)), new ThrowingSink(), new ManualTimeProvider(), observer);
        var output = new MemoryStream();
        tee.CopyTo(output);

        Assert.Equal(100, output.Length);
        Assert.Equal(1, observer.Calls);
    }

    [Fact]
    public void Read_ZeroLengthBuffer_DoesNotComplete()
    {
        var observer = new RecordingObserver();
        using var tee = new CapturingStream(new MemoryStream(Data(10)), null, new ManualTimeProvider(), observer);
        Assert.Equal(0, tee.Read([], 0, 0));
        Assert.Empty(observer.Completions);
    }

    private sealed class ThrowingObserver : ICaptureObserver
    {
        public int Calls { get; private set; }

        public void OnCaptureCompleted(in CaptureCompletion completion)
        {
            Calls++;
            throw new InvalidOperationException("observer bug");
        }
    }

    private sealed class ThrowingSink : IResponseCaptureSink
    {
        public void Append(ReadOnlySpan<byte> data) => throw new InvalidOperationException("sink bug");
    }
}

public class CapturingContentTests
{
    [Fact]
    public async Task ReadAsStreamAsync_ServerPausesMidStream_FirstChunkArrivesBeforeServerFinishes()
    {
        await using var server = await LoopbackServer.StartAsync();
        server.FirstPart = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"u8.ToArray();
        server.SecondPart = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"u8.ToArray();
        using var client = new HttpClient { BaseAddress = server.BaseUrl };
        using var response = await client.GetAsync("stream", HttpCompletionOption.ResponseHeadersRead);
        var endpoint = LlmEndpoint.Detect(ZespanProvider.OpenAI, new Uri("https://api.openai.com/v1/chat/completions"));
        var context = new ParseContext(true, 262_144);
        var sink = new StreamCaptureSink(ProviderStreamParser.Create(endpoint, "text/event-stream", context)!, 262_144);
        var observer = new RecordingObserver();
        var time = new ManualTimeProvider();
        response.Content = new CapturingContent(response.Content, sink, time, observer);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);

        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var first = await stream.ReadAsync(buffer);

        // The server is still holding the rest: what we read is exactly its first part.
        Assert.Equal(server.FirstPart, buffer[..first]);
        Assert.Empty(observer.Completions);

        server.Release();
        var rest = new MemoryStream();
        await stream.CopyToAsync(rest);
        Assert.Equal(server.SecondPart, rest.ToArray());
        Assert.Equal(CaptureOutcome.Completed, (await observer.FirstCompletion).Outcome);

        var evt = new ZespanEvent();
        using var exchange = new ProviderExchange { Endpoint = endpoint, Context = context, Stream = sink, StatusCode = 200 };
        ProviderEventBuilder.Fill(evt, exchange, null);
        Assert.Equal("Hello", evt.CompletionMessage!.Content);
        Assert.Equal("stop", evt.FinishReason);
    }

    [Fact]
    public async Task LoadIntoBufferAsync_BufferedRead_CapturesWholeBodyAndKeepsBytes()
    {
        await using var server = await LoopbackServer.StartAsync();
        var body = Fixtures.Bytes("openai-chat.json");
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "echo")) { Content = new ByteArrayContent(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var capture = new CaptureBuffer(262_144);
        var observer = new RecordingObserver();
        response.Content = new CapturingContent(response.Content, capture, new ManualTimeProvider(), observer);

        await response.Content.LoadIntoBufferAsync();
        var read = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(body, read);
        Assert.Equal(body, capture.Head.ToArray());
        Assert.Equal(CaptureOutcome.Completed, Assert.Single(observer.Completions).Outcome);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }

    [Fact]
    public void ReadAsStream_Sync_ReadsThroughTee()
    {
        var body = Fixtures.Bytes("anthropic-messages.json");
        var capture = new CaptureBuffer(262_144);
        var observer = new RecordingObserver();
        using var content = new CapturingContent(new ByteArrayContent(body), capture, new ManualTimeProvider(), observer);
        using var stream = content.ReadAsStream();
        var output = new MemoryStream();
        stream.CopyTo(output);

        Assert.Equal(body, output.ToArray());
        Assert.Equal(body, capture.Head.ToArray());
        Assert.Single(observer.Completions);
    }

    [Fact]
    public void Dispose_NeverRead_ReportsOnceAsDisposedEarly()
    {
        var observer = new RecordingObserver();
        var content = new CapturingContent(new StringContent("{}"), null, new ManualTimeProvider(), observer);
        content.Dispose();
        content.Dispose();

        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.DisposedEarly, completion.Outcome);
        Assert.Equal(0, completion.BytesRead);
    }

    [Fact]
    public async Task Dispose_AfterFullRead_ReportsOnlyCompletion()
    {
        var observer = new RecordingObserver();
        var content = new CapturingContent(new StringContent("{\"a\":1}"), null, new ManualTimeProvider(), observer);
        _ = await content.ReadAsStringAsync();
        content.Dispose();

        Assert.Equal(CaptureOutcome.Completed, Assert.Single(observer.Completions).Outcome);
    }
}

public class RequestBodyCaptureTests
{
    [Fact]
    public async Task CaptureAsync_StreamContent_SendsIdenticalBytesAndHeaders()
    {
        await using var server = await LoopbackServer.StartAsync();
        var body = Fixtures.Bytes("bedrock-converse.request.json");
        using var client = new HttpClient();

        using var plain = SignedLikeRequest(server, new StreamContent(new NonSeekableStream(body)), body.Length);
        (await client.SendAsync(plain)).Dispose();

        using var captured = SignedLikeRequest(server, new StreamContent(new NonSeekableStream(body)), body.Length);
        using var capture = await RequestBodyCapture.CaptureAsync(captured, 100, CancellationToken.None);
        (await client.SendAsync(captured)).Dispose();

        Assert.Equal(body[..100], capture!.Head.ToArray());
        Assert.True(capture.Truncated);
        var received = server.Received.ToArray();
        Assert.Equal(2, received.Length);
        Assert.Equal(received[0].Body, received[1].Body);
        Assert.Equal(body, received[1].Body);
        Assert.Equal(received[0].PathAndQuery, received[1].PathAndQuery);
        Assert.Equal(Signed(received[0]), Signed(received[1]));
    }

    [Fact]
    public async Task CaptureAsync_ByteArrayContent_LeavesContentReadable()
    {
        var body = Fixtures.Bytes("openai-chat.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new ByteArrayContent(body) };
        var original = request.Content;
        using var capture = await RequestBodyCapture.CaptureAsync(request, 262_144, CancellationToken.None);

        Assert.Same(original, request.Content);
        Assert.Equal(body, capture!.Head.ToArray());
        Assert.False(capture.Truncated);
        Assert.Equal(body, await request.Content!.ReadAsByteArrayAsync());
    }

    [Fact]
    public void Capture_SyncStreamContent_SendsIdenticalBytes()
    {
        var body = Fixtures.Bytes("anthropic-messages.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.anthropic.com/v1/messages") { Content = new StreamContent(new NonSeekableStream(body)) };
        request.Content.Headers.ContentType = new("application/json");
        using var capture = RequestBodyCapture.Capture(request, 262_144, CancellationToken.None);

        Assert.Equal(body, capture!.Head.ToArray());
        Assert.Equal("application/json", request.Content!.Headers.ContentType!.MediaType);
        using var sent = new MemoryStream();
        request.Content.CopyTo(sent, null, CancellationToken.None);
        Assert.Equal(body, sent.ToArray());
    }

    [Fact]
    public void Capture_SyncByteArrayContent_KeepsSameContent()
    {
        var body = Fixtures.Bytes("openai-chat.request.json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.openai.com/v1/chat/completions") { Content = new StringContent(Encoding.UTF8.GetString(body)) };
        var original = request.Content;
        using var first = RequestBodyCapture.Capture(request, 262_144, CancellationToken.None);
        using var second = RequestBodyCapture.Capture(request, 262_144, CancellationToken.None);

        Assert.Same(original, request.Content);
        Assert.Equal(body, first!.Head.ToArray());
        Assert.Equal(body, second!.Head.ToArray());
    }

    [Fact]
    public async Task CaptureAsync_NoContent_ReturnsNull()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://api.openai.com/v1/models");
        Assert.Null(await RequestBodyCapture.CaptureAsync(request, 100, CancellationToken.None));
    }

    private static HttpRequestMessage SignedLikeRequest(LoopbackServer server, HttpContent content, int length)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "model/amazon.nova-lite-v1%3A0/converse")) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261121/us-east-1/bedrock/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=abc123");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", "20261121T230000Z");
        request.Headers.TryAddWithoutValidation("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentLength = length;
        return request;
    }

    private static string Signed(ReceivedRequest request) =>
        string.Join("|", new[] { "Authorization", "X-Amz-Date", "X-Amz-Content-SHA256", "Content-Type", "Content-Length", "Transfer-Encoding" }
            .Select(h => h + "=" + (request.Headers.TryGetValue(h, out var v) ? v : "-")));

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
