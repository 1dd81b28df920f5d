using System.Security.Cryptography;
using CsCheck;
using Zespan.Extensions.Events.Internal;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Redaction.Internal;
using Zespan.Extensions.Tests.Providers;

namespace Zespan.Extensions.Tests.Properties;

/// <summary>One generated exchange: a (mutated) fixture served by its endpoint, read by the caller in chunks.</summary>
internal sealed record BodyCase(string Fixture, string Mutation, byte[] Body, byte[]? Request, int ReadSize, int MaxEventBytes, bool StorePrompts, int Status, string? ContentType)
{
    public override string ToString() =>
        $"{Fixture} ({Mutation}), body {Mutations.Describe(Body)}, request {(Request is null ? "none" : Request.Length + " bytes")}, read {ReadSize}, limit {MaxEventBytes}, store {StorePrompts}, status {Status}, type {ContentType ?? "none"}";
}

/// <summary>
/// Property-based tests of the provider capture path with every fixture of <c>tests/Fixtures/providers</c>, truncated,
/// spliced, byte-flipped, grown and shuffled: no exception escapes, the caller reads exactly the provider's bytes,
/// and what the capture holds stays within its bounds.
/// </summary>
public class ProviderBodyProperties
{
    private static readonly RedactionKeySet Keys = RedactionKeySet.Create(new ZespanOptions());

    private static readonly string?[] ContentTypes = [null, "application/json", "text/event-stream", "application/vnd.amazon.eventstream", "text/plain"];

    private static readonly int[] Statuses = [200, 200, 200, 400, 404, 429, 500, 529];

    internal static Gen<BodyCase> Cases { get; } =
        Gen.Select(Gen.Int[0, FixtureEndpoints.Names.Count - 1], Gen.Int[0, FixtureEndpoints.Names.Count - 1], Gen.Int[0, Mutations.Kinds - 1], Gen.Int, Gen.Int[1, 9000], Gen.Int[256, 70_000], Gen.Bool, Gen.Int[0, 63])
            .Select(t => Build(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8));

    /// <summary>A case from its parts: the fixture, another one to splice with, the mutation and the caller's behaviour.</summary>
    internal static BodyCase Build(int fixture, int other, int kind, int seed, int readSize, int limit, bool storePrompts, int choices)
    {
        var name = FixtureEndpoints.Names[fixture];
        var body = Mutations.Apply(kind, Fixtures.Bytes(name), Fixtures.Bytes(FixtureEndpoints.Names[other]), seed);
        byte[]? request = null;
        if (FixtureEndpoints.RequestFor(name) is { } requestName && (choices & 1) == 0)
        {
            request = Mutations.Apply((kind + (choices >> 1)) % Mutations.Kinds, Fixtures.Bytes(requestName), body, seed ^ 0x5EED);
            if ((choices & 8) != 0)
            {
                request = Mutations.PoisonModel(request, seed);
            }
        }

        var contentType = (choices & 2) == 0 ? FixtureEndpoints.For(name).ContentType : ContentTypes[(choices >> 2) % ContentTypes.Length];
        var status = (choices & 4) == 0 ? 200 : Statuses[(choices >> 3) % Statuses.Length];
        return new BodyCase(name, Mutations.Name(kind), body, request, readSize, limit, storePrompts, status, contentType);
    }

    [Fact]
    public void Capture_EveryFixtureEveryMutation_NoThrowCallerBytesUnchangedBounded()
    {
        for (var fixture = 0; fixture < FixtureEndpoints.Names.Count; fixture++)
        {
            for (var kind = 0; kind < Mutations.Kinds; kind++)
            {
                var c = Build(fixture, (fixture * 7 + kind) % FixtureEndpoints.Names.Count, kind, seed: fixture * 31 + kind, readSize: 1 + (kind * 977 % 4096), limit: kind % 2 == 0 ? 262_144 : 512, storePrompts: kind % 3 != 0, choices: kind * 5);
                try
                {
                    CaptureProperty(c);
                }
                catch (Exception ex)
                {
                    throw new InvalidOperationException("Failed for " + c, ex);
                }
            }
        }
    }

    [Fact]
    public void Capture_GeneratedExchanges_NoThrowCallerBytesUnchangedBounded() =>
        PropertyRunner.Check(Cases, CaptureProperty, iterations: 3000, budget: TimeSpan.FromSeconds(8), print: c => c.ToString());

    [Fact]
    public void Capture_HugeStreams_CallerBytesUnchangedFramerMemoryBounded()
    {
        // 17 to 40 MiB of a repeated (mutated) stream fixture slice: past every framing bound.
        var streams = FixtureEndpoints.Names.Select((n, i) => (n, i)).Where(p => p.n.EndsWith(".sse", StringComparison.Ordinal) || p.n.EndsWith(".bin", StringComparison.Ordinal)).Select(p => p.i).ToArray();
        var gen = Gen.Select(Gen.Int[0, streams.Length - 1], Gen.Int[0, 6], Gen.Int, Gen.Int[17, 40], Gen.Int[1024, 65536])
            .Select(t => (Fixture: streams[t.Item1], Kind: t.Item2, Seed: t.Item3, MiB: t.Item4, Read: t.Item5));
        PropertyRunner.Check(gen, HugeProperty, iterations: 8, budget: TimeSpan.FromSeconds(8), print: t => t.ToString());
    }

    /// <summary>Runs a case through the real tee and sinks, then the event builder and redaction.</summary>
    internal static void CaptureProperty(BodyCase c)
    {
        var (provider, url, _) = FixtureEndpoints.For(c.Fixture);
        var endpoint = LlmEndpoint.Detect(provider, new Uri(url));
        var context = new ParseContext(c.StorePrompts, c.MaxEventBytes);
        CaptureBuffer? request = null;
        if (c.Request is not null)
        {
            request = new CaptureBuffer(c.MaxEventBytes, tailBytes: 0);
            request.Append(c.Request);
            Assert.True(request.HeldBytes <= c.MaxEventBytes, "the request capture outgrew its limit");
        }

        var parser = ProviderExchange.IsStreamResponse(endpoint, c.Status, c.ContentType) ? ProviderStreamParser.Create(endpoint, c.ContentType, context) : null;
        var stream = parser is null ? null : new StreamCaptureSink(parser, c.MaxEventBytes);
        var response = parser is null ? new CaptureBuffer(c.MaxEventBytes) : null;
        var observer = new RecordingObserver();
        var passed = new MemoryStream();
        using (var tee = new CapturingStream(new MemoryStream(c.Body), (IResponseCaptureSink?)stream ?? response, TimeProvider.System, observer))
        {
            var buffer = new byte[c.ReadSize];
            int read;
            while ((read = tee.Read(buffer, 0, buffer.Length)) > 0)
            {
                passed.Write(buffer, 0, read);
                if (stream is not null)
                {
                    Assert.True(stream.HeldBytes <= c.MaxEventBytes, $"the stream capture held {stream.HeldBytes} bytes");
                    Assert.True(parser!.BufferedBytes <= FramingBound(parser.Framing, c.MaxEventBytes, c.ReadSize), $"the framer held {parser.BufferedBytes} bytes");
                }
                else
                {
                    Assert.True(response!.HeldBytes <= c.MaxEventBytes + CaptureBuffer.DefaultTailBytes, $"the body capture held {response.HeldBytes} bytes");
                }
            }
        }

        Assert.Equal(c.Body, passed.ToArray());
        var completion = Assert.Single(observer.Completions);
        Assert.Equal(CaptureOutcome.Completed, completion.Outcome);

        var evt = new ZespanEvent();
        using (var exchange = new ProviderExchange
        {
            Endpoint = endpoint,
            Context = context,
            Request = request,
            StatusCode = c.Status,
            ResponseHeaders = new ProviderResponseHeaders { ContentType = c.ContentType },
            Response = response,
            Stream = stream,
            TimeProvider = TimeProvider.System,
            Outcome = completion.Outcome,
            BytesRead = completion.BytesRead,
        })
        {
            ProviderEventBuilder.Fill(evt, exchange, prices: null);
        }

        EventRedactor.Redact(evt, Keys);
        if (!c.StorePrompts)
        {
            Assert.Null(evt.PromptMessages);
            Assert.Null(evt.CompletionMessage);
        }
    }

    /// <summary>The most a framer may hold: its own bound, plus what one feed can hand it (a read, or the buffered head).</summary>
    internal static long FramingBound(StreamFraming framing, int limit, int read) => framing switch
    {
        StreamFraming.ServerSentEvents => (long)SseReader.MaxLineBytes + SseReader.MaxEventBytes + SseReader.MaxLineBytes,
        StreamFraming.JsonArray => JsonArrayStreamReader.MaxElementBytes,
        _ => (long)AwsEventStreamDecoder.MaxMessageLength + Math.Max(limit, read),
    };

    private static void HugeProperty((int Fixture, int Kind, int Seed, int MiB, int Read) c)
    {
        var name = FixtureEndpoints.Names[c.Fixture];
        var fixture = Fixtures.Bytes(name);
        var random = new Random(c.Seed);
        var start = random.Next(fixture.Length);
        var slice = c.Kind == 6
            ? System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(fixture).Replace("\n\n", "\n", StringComparison.Ordinal)) // one endless event
            : Mutations.Apply(c.Kind, fixture.AsSpan(start, Math.Max(1, random.Next(fixture.Length - start + 1))).ToArray(), fixture, c.Seed);
        if (slice.Length == 0)
        {
            slice = fixture;
        }

        var total = (long)c.MiB * 1024 * 1024;
        var (provider, url, contentType) = FixtureEndpoints.For(name);
        var endpoint = LlmEndpoint.Detect(provider, new Uri(url));
        var context = new ParseContext(storePrompts: true, maxTextBytes: 262_144);
        var parser = ProviderStreamParser.Create(endpoint, contentType, context)!;
        var sink = new StreamCaptureSink(parser, 262_144);
        var observer = new RecordingObserver();
        using var expected = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var actual = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long peak = 0;
        using (var tee = new CapturingStream(new RepeatingStream(slice, total, expected), sink, TimeProvider.System, observer))
        {
            var buffer = new byte[c.Read];
            int read;
            while ((read = tee.Read(buffer, 0, buffer.Length)) > 0)
            {
                actual.AppendData(buffer, 0, read);
                peak = Math.Max(peak, parser.BufferedBytes);
            }
        }

        Assert.Equal(expected.GetHashAndReset(), actual.GetHashAndReset());
        Assert.True(peak <= FramingBound(parser.Framing, 262_144, c.Read), $"the framer held {peak} bytes of a {total}-byte {name} stream");
        var evt = new ZespanEvent();
        sink.Finish(evt);
        sink.Dispose();
    }

    /// <summary>A read-only stream of <c>slice</c> repeated up to <c>total</c> bytes, hashing what it hands out.</summary>
    private sealed class RepeatingStream(byte[] slice, long total, IncrementalHash hash) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => total;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, total - _position);
            for (var i = 0; i < n; i++)
            {
                buffer[offset + i] = slice[(_position + i) % slice.Length];
            }

            hash.AppendData(buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
