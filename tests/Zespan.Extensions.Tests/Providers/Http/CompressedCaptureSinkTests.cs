using System.IO.Compression;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Coding = Zespan.Extensions.Providers.Internal.CompressedCaptureSink.ContentCoding;

namespace Zespan.Extensions.Tests.Providers;

public class CompressedCaptureSinkTests
{
    private static readonly LlmEndpoint Chat = LlmEndpoint.Detect(ZespanProvider.OpenAI, new Uri("https://api.openai.com/v1/chat/completions"));

    [Theory]
    [InlineData(null, nameof(Coding.None))]
    [InlineData("identity", nameof(Coding.None))]
    [InlineData("gzip", nameof(Coding.Gzip))]
    [InlineData(" X-GZIP ", nameof(Coding.Gzip))]
    [InlineData("deflate", nameof(Coding.Deflate))]
    [InlineData("br", nameof(Coding.Brotli))]
    [InlineData("zstd", nameof(Coding.Unsupported))]
    [InlineData("gzip,br", nameof(Coding.Unsupported))]
    public void CodingOf_ContentEncoding_IsRead(string? header, string expected) =>
        Assert.Equal(expected, CompressedCaptureSink.CodingOf(header).ToString());

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("raw-deflate")]
    [InlineData("br")]
    public void Decode_CompressedChatBody_ParsesAsThePlainBody(string coding)
    {
        var json = Fixtures.Bytes("openai-chat.json");
        var (compressed, header) = Compress(json, coding);
        var evt = Parse(compressed, header, limit: 262_144);

        Assert.Equal("Hello! How can I assist you today?", evt.CompletionMessage!.Content);
        Assert.Equal(17, evt.TotalTokens);
        Assert.False(evt.Truncated);
    }

    [Fact]
    public void Decode_CompressedStream_ParsesEveryEvent()
    {
        var (compressed, header) = Compress(Fixtures.Bytes("openai-chat-stream.sse"), "gzip");
        var template = new ExchangeTemplate(Chat, new ParseContext(true, 262_144), null, null, 200, new ProviderResponseHeaders("text/event-stream", null, null, null, null, null, null) { ContentEncoding = header }, null, null, 0);
        var sink = template.CreateSink(262_144);
        Assert.IsType<StreamCaptureSink>(Assert.IsType<CompressedCaptureSink>(sink).Inner);
        sink.Append(compressed);
        var evt = new ZespanEvent();
        using (var exchange = template.Build(TimeProvider.System, sink, null, null))
        {
            ProviderEventBuilder.Parse(evt, exchange);
        }

        Assert.Equal(17, evt.TotalTokens);
        Assert.False(string.IsNullOrEmpty(evt.CompletionMessage!.Content));
    }

    [Fact]
    public void Decode_CompressedBodyOverTheLimit_KeepsWhatInflatesAndMarksTruncated()
    {
        var (compressed, header) = Compress(Fixtures.Bytes("openai-chat.json"), "gzip");

        var evt = Parse(compressed, header, limit: compressed.Length / 2);

        Assert.True(evt.Truncated);
    }

    [Fact]
    public void CreateSink_UnsupportedCoding_KeepsNothingAndRecordsTheCall()
    {
        var evt = Parse(Fixtures.Bytes("openai-chat.json"), "zstd", limit: 262_144);

        Assert.Equal(200, evt.StatusCode);
        Assert.Null(evt.CompletionMessage);
    }

    private static ZespanEvent Parse(byte[] body, string header, int limit)
    {
        var template = new ExchangeTemplate(Chat, new ParseContext(true, limit), null, null, 200, new ProviderResponseHeaders("application/json", null, null, null, null, null, null) { ContentEncoding = header }, null, null, 0);
        var sink = template.CreateSink(limit);
        sink.Append(body);
        var evt = new ZespanEvent();
        using var exchange = template.Build(TimeProvider.System, sink, null, null);
        ProviderEventBuilder.Parse(evt, exchange);
        return evt;
    }

    private static (byte[] Body, string Header) Compress(byte[] data, string coding)
    {
        using var output = new MemoryStream();
        using (Stream compressor = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "raw-deflate" => new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        })
        {
            compressor.Write(data);
        }

        return (output.ToArray(), coding == "raw-deflate" ? "deflate" : coding);
    }
}
