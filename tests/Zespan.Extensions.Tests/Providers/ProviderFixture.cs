using System.Text;
using System.Text.Json.Nodes;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Testing;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>Reads the wire fixtures copied to the test output.</summary>
internal static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static string Text(string name) => File.ReadAllText(PathOf(name));

    /// <summary>Every fixture file name (README excluded).</summary>
    public static IEnumerable<string> All() =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers"))
            .Select(Path.GetFileName)
            .Where(n => n is not null && !n.EndsWith(".md", StringComparison.Ordinal))
            .Cast<string>();
}

/// <summary>
/// One captured call run through the real capture path: the request body into a <see cref="CaptureBuffer"/>,
/// the response through a <see cref="CapturingStream"/> into the sink the handler would use, then
/// <see cref="ProviderEventBuilder.Fill"/>.
/// </summary>
internal sealed class FixtureCall
{
    public FixtureCall(ZespanProvider provider, string url)
    {
        Provider = provider;
        Url = url;
    }

    public ZespanProvider Provider { get; }

    public string Url { get; }

    public byte[]? Request { get; set; }

    public byte[] Response { get; set; } = [];

    public int Status { get; set; } = 200;

    public string? ContentType { get; set; } = "application/json";

    public ProviderResponseHeaders Headers { get; set; }

    public bool StorePrompts { get; set; } = true;

    public int MaxEventBytes { get; set; } = 262_144;

    /// <summary>Size of each read the caller makes (0: one read of everything).</summary>
    public int ReadSize { get; set; }

    public IList<ModelPrice>? Prices { get; set; }

    public string? ProviderLabel { get; set; }

    public string? RequestedModel { get; set; }

    public string? OverriddenModel { get; set; }

    /// <summary>Gets the time from send to first byte the run simulates.</summary>
    public TimeSpan TimeToFirstByte { get; set; } = TimeSpan.FromMilliseconds(250);

    public static FixtureCall Of(ZespanProvider provider, string url, string? request, string response, string? contentType = "application/json") =>
        new(provider, url)
        {
            Request = request is null ? null : Fixtures.Bytes(request),
            Response = Fixtures.Bytes(response),
            ContentType = contentType,
        };

    public ZespanEvent Run() => Run(out _);

    public ZespanEvent Run(out byte[] passedThrough)
    {
        var endpoint = LlmEndpoint.Detect(Provider, new Uri(Url));
        var context = new ParseContext(StorePrompts, MaxEventBytes);
        var time = new ManualTimeProvider();
        var start = time.GetTimestamp();

        CaptureBuffer? request = null;
        if (Request is not null)
        {
            request = new CaptureBuffer(MaxEventBytes, tailBytes: 0);
            request.Append(Request);
        }

        var isStream = ProviderExchange.IsStreamResponse(endpoint, Status, ContentType);
        IResponseCaptureSink sink;
        StreamCaptureSink? stream = null;
        CaptureBuffer? response = null;
        if (isStream)
        {
            var parser = ProviderStreamParser.Create(endpoint, ContentType, context) ?? throw new InvalidOperationException("no stream parser");
            sink = stream = new StreamCaptureSink(parser, MaxEventBytes);
        }
        else
        {
            sink = response = new CaptureBuffer(MaxEventBytes);
        }

        var observer = new RecordingObserver();
        time.Advance(TimeToFirstByte);
        using (var tee = new CapturingStream(new MemoryStream(Response), sink, time, observer))
        {
            var buffer = new byte[ReadSize > 0 ? ReadSize : Math.Max(1, Response.Length)];
            var output = new MemoryStream();
            int read;
            while ((read = tee.Read(buffer, 0, buffer.Length)) > 0)
            {
                output.Write(buffer, 0, read);
                time.Advance(TimeSpan.FromMilliseconds(1));
            }

            passedThrough = output.ToArray();
        }

        var completion = observer.Completions.Single();
        using var exchange = new ProviderExchange
        {
            Endpoint = endpoint,
            Context = context,
            ProviderLabel = ProviderLabel,
            Request = request,
            StatusCode = Status,
            ResponseHeaders = Headers with { ContentType = ContentType },
            Response = response,
            Stream = stream,
            StartTimestamp = start,
            FirstByteTimestamp = completion.FirstByteTimestamp,
            TimeProvider = time,
            Outcome = completion.Outcome,
            RequestedModel = RequestedModel,
            OverriddenModel = OverriddenModel,
        };
        var evt = new ZespanEvent();
        ProviderEventBuilder.Fill(evt, exchange, Prices);
        return evt;
    }
}

/// <summary>Records every completion a capture reports.</summary>
internal sealed class RecordingObserver : ICaptureObserver
{
    private readonly List<CaptureCompletion> _completions = [];
    private readonly TaskCompletionSource<CaptureCompletion> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<CaptureCompletion> Completions
    {
        get
        {
            lock (_completions)
            {
                return _completions.ToArray();
            }
        }
    }

    public Task<CaptureCompletion> FirstCompletion => _first.Task;

    public void OnCaptureCompleted(in CaptureCompletion completion)
    {
        lock (_completions)
        {
            _completions.Add(completion);
        }

        _first.TrySetResult(completion);
    }
}

internal static class EventAssert
{
    public static void Message(LlmMessage? actual, string role, string? content)
    {
        Assert.NotNull(actual);
        Assert.Equal(role, actual!.Role);
        Assert.Equal(content, actual.Content);
    }

    public static void ToolCall(LlmToolCall actual, string id, string name, string argumentsJson)
    {
        Assert.Equal(id, actual.Id);
        Assert.Equal(name, actual.Name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(argumentsJson), JsonNode.Parse(actual.Arguments)), $"arguments {actual.Arguments} != {argumentsJson}");
    }

    public static void Tokens(ZespanEvent evt, int? prompt, int? completion, int? total)
    {
        Assert.Equal(prompt, evt.PromptTokens);
        Assert.Equal(completion, evt.CompletionTokens);
        Assert.Equal(total, evt.TotalTokens);
    }

    public static void Cost(double expected, double? actual) =>
        Assert.True(actual is not null && Math.Abs(actual.Value - expected) < 1e-12, $"cost {actual} != {expected}");

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
