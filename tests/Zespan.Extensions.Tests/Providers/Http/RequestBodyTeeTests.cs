using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Zespan.Extensions.Providers.Internal;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Providers;

public class RequestBodyTeeTests
{
    private const string Chat = "v1/chat/completions";

    private static byte[] Body(string text) =>
        Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"{{text}}"}]}""");

    /// <summary>
    /// A content that writes its body in small pieces as it is serialized (not a byte-array content): a different body
    /// per serialization if asked, with or without a known length, failing part-way if asked.
    /// </summary>
    private sealed class WrittenContent : HttpContent
    {
        private readonly Func<int, byte[]> _body;
        private readonly bool _knownLength;
        private int _serializations;

        public WrittenContent(Func<int, byte[]> body, bool knownLength = true)
        {
            _body = body;
            _knownLength = knownLength;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        }

        public WrittenContent(byte[] body, bool knownLength = true)
            : this(_ => body, knownLength)
        {
        }

        public Exception? FailAfterFirstPiece { get; init; }

        public int Serializations => _serializations;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var body = _body(Interlocked.Increment(ref _serializations));
            for (var i = 0; i < body.Length; i += 17)
            {
                if (i > 0 && FailAfterFirstPiece is not null)
                {
                    throw FailAfterFirstPiece;
                }

                await stream.WriteAsync(body.AsMemory(i, Math.Min(17, body.Length - i)));
                await Task.Yield();
            }
        }

        protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var body = _body(Interlocked.Increment(ref _serializations));
            for (var i = 0; i < body.Length; i += 17)
            {
                stream.Write(body.AsSpan(i, Math.Min(17, body.Length - i)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _knownLength ? _body(1).Length : 0;
            return _knownLength;
        }
    }

    /// <summary>Below Zespan's handler: records the content it is given.</summary>
    private sealed class SeenContentHandler : DelegatingHandler
    {
        public List<HttpContent?> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add(request.Content);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Below Zespan's handler: sends every request twice and keeps the second answer.</summary>
    private sealed class SendTwiceHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            (await base.SendAsync(request, cancellationToken)).Dispose();
            return await base.SendAsync(request, cancellationToken);
        }
    }

    private static ChatClient OpenAIChat(HttpClient http, Uri baseUrl) =>
        new("gpt-4o-mini", new ApiKeyCredential("sk-test"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl, "v1"),
            Transport = new HttpClientPipelineTransport(http),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        });

    private static Task<ZespanTestHost> StartAsync(SeenContentHandler? seen = null, Action<ZespanOptions>? configure = null, Func<HttpContext, RecordedRequest, Task>? provider = null) =>
        ZespanTestHost.StartInstrumentedAsync(
            provider ?? InstrumentationHost.Serve("openai-chat.json"),
            (s, _) =>
            {
                s.AddHttpClient("bare");
                var traced = s.AddHttpClient("openai");
                if (seen is not null)
                {
                    traced.AddHttpMessageHandler(() => seen);
                }

                traced.AddZespanOpenAI();
            },
            configure);

    private static async Task<MemoryStream> SerializeAsync(HttpContent content)
    {
        var output = new MemoryStream();
        await content.CopyToAsync(output);
        return output;
    }

    [Fact]
    public async Task SerializeToStreamAsync_BodyLongerThanLimit_PassesAllBytesAndKeepsHeadTruncated()
    {
        var body = Body(new string('x', 500));
        using var tee = new RequestBodyTee(new WrittenContent(body), limit: 100);

        var output = await SerializeAsync(tee);

        Assert.Equal(body, output.ToArray());
        using var capture = Assert.IsType<CaptureBuffer>(tee.TakeCapture());
        Assert.True(capture.Truncated);
        Assert.Equal(body.AsSpan(0, 100).ToArray(), capture.Head.ToArray());
        Assert.Equal(body.Length, capture.TotalBytes);
    }

    [Fact]
    public async Task SerializeToStreamAsync_SerializedTwice_CaptureRestartsWithTheLastBody()
    {
        var inner = new WrittenContent(n => Body($"hello-{n}"));
        using var tee = new RequestBodyTee(inner, limit: 10_000);

        await SerializeAsync(tee);
        var second = await SerializeAsync(tee);

        Assert.Equal(2, inner.Serializations);
        Assert.Equal(Body("hello-2"), second.ToArray());
        using var capture = Assert.IsType<CaptureBuffer>(tee.TakeCapture());
        Assert.False(capture.Truncated);
        Assert.Equal(Body("hello-2"), capture.Head.ToArray());
    }

    [Fact]
    public void SerializeToStream_Synchronous_PassesBytesAndCaptures()
    {
        var body = Body("hello");
        using var tee = new RequestBodyTee(new WrittenContent(body), limit: 10_000);
        var output = new MemoryStream();

        tee.CopyTo(output, null, CancellationToken.None);

        Assert.Equal(body, output.ToArray());
        using var capture = Assert.IsType<CaptureBuffer>(tee.TakeCapture());
        Assert.Equal(body, capture.Head.ToArray());
    }

    [Fact]
    public async Task TakeCapture_HandedOver_LaterSerializationPassesThroughUncaptured()
    {
        using var tee = new RequestBodyTee(new WrittenContent(n => Body($"hello-{n}")), limit: 10_000);
        Assert.Null(tee.TakeCapture());
        Assert.False(tee.Started);

        var output = await SerializeAsync(tee);

        Assert.Equal(Body("hello-1"), output.ToArray());
        Assert.Null(tee.TakeCapture());
    }

    [Fact]
    public async Task SerializeToStreamAsync_InnerFails_ExceptionPassesAndNoPartialBodyKept()
    {
        var boom = new InvalidOperationException("boom");
        using var tee = new RequestBodyTee(new WrittenContent(Body("hello")) { FailAfterFirstPiece = boom }, limit: 10_000);

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => SerializeAsync(tee));

        Assert.Same(boom, thrown);
        Assert.True(tee.Started);
        Assert.Null(tee.TakeCapture());
    }

    [Fact]
    public void Headers_KnownAndUnknownLength_ForwardedUnchanged()
    {
        var body = Body("hello");
        var known = new WrittenContent(body);
        known.Headers.TryAddWithoutValidation("X-Custom-Content", "1");
        using var withLength = new RequestBodyTee(known, limit: 10);
        using var chunked = new RequestBodyTee(new WrittenContent(body, knownLength: false), limit: 10);

        Assert.Equal(body.Length, withLength.Headers.ContentLength);
        Assert.Equal("application/json", withLength.Headers.ContentType?.MediaType);
        Assert.Equal("1", Assert.Single(withLength.Headers.GetValues("X-Custom-Content")));
        Assert.Null(chunked.Headers.ContentLength);
    }

    [Fact]
    public async Task SendAsync_OpenAISdk_ServerReceivesIdenticalRequestAndEventHasMessages()
    {
        var seen = new SeenContentHandler();
        await using var h = await StartAsync(seen);
        var bare = OpenAIChat(h.Factory.CreateClient("bare"), h.Provider.BaseUrl);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await bare.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);
        await traced.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);

        Assert.IsType<RequestBodyTee>(Assert.Single(seen.Seen));
        var requests = h.Provider.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        foreach (var header in new[] { "Content-Type", "Content-Length", "Transfer-Encoding" })
        {
            Assert.Equal(requests[0].Header(header), requests[1].Header(header));
        }

        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("system", (string?)e["prompt_messages"]![0]!["role"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task SendAsync_OpenAISdkStreaming_ServerReceivesIdenticalRequest()
    {
        await using var h = await StartAsync(provider: InstrumentationHost.Serve("openai-chat-stream.sse", "text/event-stream"));
        var bare = OpenAIChat(h.Factory.CreateClient("bare"), h.Provider.BaseUrl);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await foreach (var _ in bare.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
        }

        await foreach (var _ in traced.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
        {
        }

        var requests = h.Provider.Requests;
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Header("Content-Length"), requests[1].Header("Content-Length"));
        var e = Assert.Single(await h.FlushAsync());
        Assert.True((bool)e["stream"]!);
        Assert.Equal("hello", (string?)e["prompt_messages"]![0]!["content"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendAsync_StreamedContent_BytesAndFramingUnchanged(bool knownLength)
    {
        var body = Body("hello");
        var seen = new SeenContentHandler();
        await using var h = await StartAsync(seen);
        var url = new Uri(h.Provider.BaseUrl, Chat);

        (await h.Factory.CreateClient("bare").PostAsync(url, new WrittenContent(body, knownLength))).Dispose();
        var original = new WrittenContent(body, knownLength);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = original };
        (await h.Factory.CreateClient("openai").SendAsync(request)).Dispose();

        Assert.Same(original, request.Content);
        Assert.IsType<RequestBodyTee>(Assert.Single(seen.Seen));
        var requests = h.Provider.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(body, requests[1].Body);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Header("Content-Length"), requests[1].Header("Content-Length"));
        Assert.Equal(knownLength ? body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : null, requests[1].Header("Content-Length"));
        Assert.Equal(requests[0].Header("Transfer-Encoding"), requests[1].Header("Transfer-Encoding"));
        Assert.Equal(knownLength ? null : "chunked", requests[1].Header("Transfer-Encoding"));
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task SendAsync_ResentBelowHandler_RecordsTheLastBodyOnce()
    {
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddHttpMessageHandler(() => new SendTwiceHandler()).AddZespanOpenAI());
        var content = new WrittenContent(n => Body($"hello-{n}"));

        (await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, Chat), content)).Dispose();

        Assert.Equal(2, content.Serializations);
        var requests = h.Provider.Requests;
        Assert.Equal([Body("hello-1"), Body("hello-2")], requests.Select(r => r.Body));
        var e = Assert.Single(await h.FlushAsync());
        var messages = e["prompt_messages"]!.AsArray();
        Assert.Equal(2, messages.Count);
        Assert.Equal("hello-2", (string?)messages[1]!["content"]);
        Assert.Equal(200, (int)e["status_code"]!);
    }

    [Fact]
    public async Task SendAsync_Redirect307_BodyResentIdenticalAndRecordedOnce()
    {
        var body = Body("hello");
        await using var h = await StartAsync(provider: async (context, _) =>
        {
            if (!context.Request.Query.ContainsKey("hop"))
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = "/" + Chat + "?hop=2";
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(Fixtures.Bytes("openai-chat.json"));
        });
        var content = new WrittenContent(body);

        (await h.Factory.CreateClient("openai").PostAsync(new Uri(h.Provider.BaseUrl, Chat), content)).Dispose();

        Assert.Equal(2, content.Serializations);
        var requests = h.Provider.Requests;
        Assert.Equal(2, requests.Count);
        Assert.All(requests, r => Assert.Equal(body, r.Body));
        Assert.All(requests, r => Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Header("Content-Length")));
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal(200, (int)e["status_code"]!);
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task SendAsync_SerializationFails_CallerGetsTheSameExceptionAndEventRecordsError()
    {
        await using var h = await StartAsync();
        var url = new Uri(h.Provider.BaseUrl, Chat);
        HttpContent Failing() => new WrittenContent(Body("hello")) { FailAfterFirstPiece = new InvalidOperationException("boom") };

        var expected = await Assert.ThrowsAnyAsync<Exception>(() => h.Factory.CreateClient("bare").PostAsync(url, Failing()));
        var actual = await Assert.ThrowsAnyAsync<Exception>(() => h.Factory.CreateClient("openai").PostAsync(url, Failing()));

        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Message, actual.Message);
        Assert.Equal(expected.InnerException?.GetType(), actual.InnerException?.GetType());
        Assert.Equal(expected.InnerException?.Message, actual.InnerException?.Message);
        Assert.Equal("boom", (actual as InvalidOperationException ?? actual.InnerException)?.Message);
        var e = Assert.Single(await h.FlushAsync());
        Assert.NotNull(e["error"]);
        Assert.Null(e["prompt_messages"]); // part of a body is not recorded (its model would be cut short)
        Assert.Null(e["model"]);
    }

    [Fact]
    public async Task SendAsync_NotSent_EventStillHasTheRequest()
    {
        await using var h = await StartAsync();
        var closed = new Uri(h.Provider.BaseUrl, Chat);
        await h.Provider.DisposeAsync();

        await Assert.ThrowsAsync<HttpRequestException>(() => h.Factory.CreateClient("openai").PostAsync(closed, new WrittenContent(Body("hello"))));

        var e = Assert.Single(await h.FlushAsync());
        Assert.NotNull(e["error"]);
        Assert.Equal("gpt-4o-mini", (string?)e["model"]);
        Assert.Equal("hello", (string?)e["prompt_messages"]![1]!["content"]);
    }

    [Fact]
    public async Task SendAsync_ModelOverrideConfigured_BodyBufferedBeforeSendingAndEventAlike()
    {
        var seenTee = new SeenContentHandler();
        var seenBuffered = new SeenContentHandler();
        await using var tee = await StartAsync(seenTee);
        await using var buffered = await StartAsync(seenBuffered, o => o.ModelOverrides.Add(new ModelOverride { From = "gpt-4o", To = "gpt-4o-mini" }));

        await OpenAIChat(tee.Factory.CreateClient("openai"), tee.Provider.BaseUrl).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);
        await OpenAIChat(buffered.Factory.CreateClient("openai"), buffered.Provider.BaseUrl).CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello")]);

        Assert.IsType<RequestBodyTee>(Assert.Single(seenTee.Seen));
        Assert.IsNotType<RequestBodyTee>(Assert.Single(seenBuffered.Seen));
        Assert.Equal(Assert.Single(tee.Provider.Requests).Body, Assert.Single(buffered.Provider.Requests).Body);
        var teed = Assert.Single(await tee.FlushAsync());
        var read = Assert.Single(await buffered.FlushAsync());
        Assert.Equal((string?)read["model"], (string?)teed["model"]);
        Assert.Equal(read["prompt_messages"]!.ToJsonString(), teed["prompt_messages"]!.ToJsonString());
        Assert.Equal(read["completion_message"]!.ToJsonString(), teed["completion_message"]!.ToJsonString());
    }

    [Fact]
    public async Task SendAsync_PreGuardrailConfigured_BodyBufferedBeforeSending()
    {
        var seen = new SeenContentHandler();
        await using var h = await ZespanTestHost.StartInstrumentedAsync(
            InstrumentationHost.Serve("openai-chat.json"),
            (s, _) => s.AddHttpClient("openai").AddHttpMessageHandler(() => seen).AddZespanOpenAI(o => o.Guardrails = new GuardrailOptions { Pre = true, FailClosed = false }));

        await OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl).CompleteChatAsync([new UserChatMessage("hello")]);

        Assert.IsNotType<RequestBodyTee>(Assert.Single(seen.Seen));
        Assert.Contains(await h.FlushAsync(), e => (string?)e["log_type"] == "generation" && (string?)e["prompt_messages"]![0]!["content"] == "hello");
    }

    [Fact]
    public async Task Send_SynchronousOpenAISdk_ServerReceivesIdenticalRequest()
    {
        await using var h = await StartAsync();
        var bare = OpenAIChat(h.Factory.CreateClient("bare"), h.Provider.BaseUrl);
        var traced = OpenAIChat(h.Factory.CreateClient("openai"), h.Provider.BaseUrl);

        await Task.Run(() => bare.CompleteChat([new UserChatMessage("hello")]));
        await Task.Run(() => traced.CompleteChat([new UserChatMessage("hello")]));

        var requests = h.Provider.Requests;
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(requests[0].Header("Content-Length"), requests[1].Header("Content-Length"));
        var e = Assert.Single(await h.FlushAsync());
        Assert.Equal("hello", (string?)e["prompt_messages"]![0]!["content"]);
    }
}
