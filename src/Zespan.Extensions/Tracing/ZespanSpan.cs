using System.Text.Json.Serialization.Metadata;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions;

/// <summary>
/// A unit of work in a Zespan trace, started with <see cref="IZespanTracer.StartSpan"/>; dispose it to end it.
/// </summary>
/// <remarks>
/// <para>
/// Spans, agents and LLM calls started while it is open, in the same async flow, are its children. Its
/// <c>log_type</c> is <c>workflow</c> when it has no Zespan parent and <c>custom</c> inside another Zespan span or
/// agent; an ambient <see cref="System.Diagnostics.Activity"/> from another library gives it its trace id and
/// parent id but does not make it <c>custom</c>.
/// </para>
/// <para>
/// Every member is safe to call from several threads at once. <see cref="Dispose"/> ends the span and hands it
/// to the exporter; a second <see cref="Dispose"/> does nothing, and calls that change the span after it ended
/// are ignored. Values given to <see cref="SetMetadata(string, object?)"/> are copied to JSON at once, so
/// changing them later changes nothing. No member throws because of telemetry; only a <see langword="null"/>
/// argument where one is not allowed throws <see cref="ArgumentNullException"/>.
/// </para>
/// <para>
/// When tracing is disabled or the trace was sampled out the span is not recorded (<see cref="IsRecording"/>
/// is <see langword="false"/>): every call is cheap and does nothing, and its ids are all zeros.
/// </para>
/// </remarks>
public sealed class ZespanSpan : IDisposable
{
    private const string ZeroTraceId = "00000000000000000000000000000000";
    private const string ZeroSpanId = "0000000000000000";

    private readonly ZespanEvent? _event;
    private readonly ZespanSpan? _previous;

    // Non-null while the span is open; cleared (under the event's lock) when it ends. Always null on NoOp.
    private ZespanTracer? _tracer;

    internal ZespanSpan(ZespanTracer? tracer, ZespanEvent? item, ZespanSpan? previous)
    {
        _tracer = tracer;
        _event = item;
        _previous = previous;
    }

    /// <summary>Gets the trace id: 32 lowercase hex digits (all zeros when the span is not recorded).</summary>
    public string TraceId => _event is { } item ? RawIds.ToHex(item.RawTraceId) : ZeroTraceId;

    /// <summary>Gets the span id: 16 lowercase hex digits (all zeros when the span is not recorded).</summary>
    public string SpanId => _event is { } item ? RawIds.ToHex(item.RawSpanId) : ZeroSpanId;

    /// <summary>
    /// Gets a value indicating whether the span is recorded: <see langword="false"/> when tracing is disabled
    /// or the trace was sampled out. Check it to skip building expensive metadata.
    /// </summary>
    public bool IsRecording => _event is not null;

    /// <summary>
    /// Gets a span that records nothing (<see cref="IsRecording"/> false, ids all zeros, every call ignored): what the
    /// tracer returns while tracing is disabled or the trace is sampled out. Return it from a test double of
    /// <see cref="IZespanTracer"/>, for example a Moq mock:
    /// <c>tracer.Setup(t =&gt; t.StartSpan(It.IsAny&lt;string&gt;())).Returns(ZespanSpan.NonRecording)</c>.
    /// </summary>
    public static ZespanSpan NonRecording => NoOp;

    /// <summary>The shared span returned while tracing is disabled: records nothing, never becomes current.</summary>
    internal static ZespanSpan NoOp { get; } = new(null, null, null);

    /// <summary>Gets the event being built, or null when the span is not recorded.</summary>
    internal ZespanEvent? Event => _event;

    /// <summary>Gets the span that was current when this one started (restored when it ends).</summary>
    internal ZespanSpan? Previous => _previous;

    /// <summary>Gets a value indicating whether the span has ended (always true for <see cref="NoOp"/>).</summary>
    internal bool IsEnded => Volatile.Read(ref _tracer) is null;

    /// <summary>Sets a tag (sent in <c>tags</c>, merged over the scope's tags). A later value for the same key wins.</summary>
    /// <param name="key">The tag's name.</param>
    /// <param name="value">The tag's value; <see langword="null"/> is ignored.</param>
    public void SetTag(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var item = _event;
        if (item is null || value is null)
        {
            return;
        }

        lock (item)
        {
            if (_tracer is not null)
            {
                item.AddTag(key, value);
            }
        }
    }

    /// <summary>
    /// Sets a metadata value (sent in <c>metadata</c>), copied to JSON now. Primitives, strings, JSON nodes and
    /// elements, dictionaries and sequences are converted directly; other objects with reflection-based
    /// System.Text.Json when the app allows it, else with <see cref="object.ToString"/>. In trimmed or native
    /// AOT apps use <see cref="SetMetadata{T}(string, T, JsonTypeInfo{T})"/>.
    /// </summary>
    /// <param name="key">The metadata key.</param>
    /// <param name="value">The value; <see langword="null"/> is sent as JSON null.</param>
    public void SetMetadata(string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_event is null || IsEnded)
        {
            return;
        }

        StoreMetadata(key, JsonSnapshot.From(value));
    }

    /// <summary>Sets a metadata value (sent in <c>metadata</c>), copied to JSON now with source-generated metadata (AOT-safe).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="key">The metadata key.</param>
    /// <param name="value">The value.</param>
    /// <param name="typeInfo">The value's JSON type information, from a <c>JsonSerializerContext</c>.</param>
    public void SetMetadata<T>(string key, T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(typeInfo);
        if (_event is null || IsEnded)
        {
            return;
        }

        StoreMetadata(key, JsonSnapshot.From(value, typeInfo));
    }

    /// <summary>Sets an evaluation score (sent in <c>eval_scores</c>), e.g. <c>relevance</c> 0.92.</summary>
    /// <param name="name">The score's name.</param>
    /// <param name="score">The score; NaN and infinities are ignored (JSON cannot carry them).</param>
    public void SetEvalScore(string name, double score)
    {
        ArgumentNullException.ThrowIfNull(name);
        var item = _event;
        if (item is null || !double.IsFinite(score))
        {
            return;
        }

        lock (item)
        {
            if (_tracer is not null)
            {
                (item.EvalScores ??= new Dictionary<string, double>(StringComparer.Ordinal))[name] = score;
            }
        }
    }

    /// <summary>
    /// Records that the span's work failed: the span is sent with <c>status_code</c> 500 and
    /// <c>error {type, message}</c> (the exception's full type name and message). The last exception recorded wins.
    /// </summary>
    /// <param name="exception">The exception.</param>
    public void RecordException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var item = _event;
        if (item is null || IsEnded)
        {
            return;
        }

        var error = ZespanTracer.ErrorFrom(exception);
        lock (item)
        {
            if (_tracer is not null)
            {
                item.StatusCode = 500;
                item.Error = error;
            }
        }
    }

    /// <summary>
    /// Ends the span: its end time and latency are taken now and it is queued for export. The span that was
    /// current when it started becomes current again. A second call does nothing.
    /// </summary>
    public void Dispose()
    {
        var item = _event;
        if (item is null)
        {
            // Not recorded (sampled out): ending it only makes its predecessor current again in this flow, so no
            // atomic exchange is needed; a second Dispose racing in another flow at most does the same in its own.
            if (Volatile.Read(ref _tracer) is null)
            {
                return;
            }

            Volatile.Write(ref _tracer, null);
            SpanAmbient.Exit(this);
            return;
        }

        ZespanTracer? tracer;
        lock (item)
        {
            tracer = _tracer;
            _tracer = null;
        }

        if (tracer is null)
        {
            return;
        }

        SpanAmbient.Exit(this);
        tracer.Complete(item);
    }

    /// <summary>Records the exception and returns false: for exception filters, so the exception propagates untouched.</summary>
    internal bool RecordAndRethrow(Exception exception)
    {
        RecordException(exception);
        return false;
    }

    /// <summary>Changes the open event under its lock; does nothing once the span ended or when it is not recorded.</summary>
    internal void Update<TState>(TState state, Action<ZespanEvent, TState> update)
    {
        var item = _event;
        if (item is null)
        {
            return;
        }

        lock (item)
        {
            if (_tracer is not null)
            {
                update(item, state);
            }
        }
    }

    private void StoreMetadata(string key, System.Text.Json.Nodes.JsonNode? node)
    {
        var item = _event!;
        lock (item)
        {
            if (_tracer is not null)
            {
                (item.Metadata ??= new Dictionary<string, System.Text.Json.Nodes.JsonNode?>(StringComparer.Ordinal))[key] = node;
            }
        }
    }
}
