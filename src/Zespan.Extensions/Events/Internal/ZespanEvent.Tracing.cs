using System.Diagnostics;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Context.Internal;

namespace Zespan.Extensions.Events.Internal;

/// <summary>
/// The tracing side of <see cref="ZespanEvent"/>: raw ids, the start timestamp and the cheap tag storage.
/// </summary>
/// <remarks>
/// <para>
/// Ids are kept as raw bits (<see cref="RawIds"/>); <see cref="TraceId"/>, <see cref="SpanId"/> and
/// <see cref="ParentSpanId"/> build their <see cref="System.Diagnostics.ActivityTraceId"/> values when read.
/// </para>
/// <para>
/// An open span keeps its first two tags inline (four string fields) and shares its scope's tags instead of
/// copying them, so a span with a couple of tags allocates no dictionary on the app's thread. The
/// <see cref="Tags"/> getter merges them (scope first, span tags win) into a dictionary the event owns, the
/// first time anybody reads it, which is normally the export thread. A third tag, or any write through the
/// setter, switches to a real dictionary at once.
/// </para>
/// <para>
/// Thread safety: <see cref="AddTag"/> and <see cref="SetScopeTags"/> are called by the event's single owner
/// (a span under its lock, or an instrumentation handler before <c>Complete</c>). The getter and setter take
/// the event's lock, so a read racing a write on a span never sees a half-built dictionary.
/// </para>
/// </remarks>
internal sealed partial class ZespanEvent
{
    private RawTraceId _traceId;
    private ulong _spanId;
    private ulong _parentSpanId;
    private Dictionary<string, string>? _tags;
    private string? _tagKey0;
    private string? _tagValue0;
    private string? _tagKey1;
    private string? _tagValue1;

    /// <summary>
    /// Gets or sets the <see cref="TimeProvider.GetTimestamp"/> value taken when the event started; the
    /// latency is measured from it. Not serialized.
    /// </summary>
    internal long StartTimestamp { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether another instrumentation's span represents this event in OpenTelemetry
    /// (Microsoft.Extensions.AI's <c>OpenTelemetryChatClient</c> in the same pipeline, or the agent framework span a
    /// mirror event keeps the ids of): Zespan then starts no activity of its own for it, so it is one span, not two.
    /// Not serialized.
    /// </summary>
    internal bool SpanRecordedElsewhere { get; set; }

    /// <summary>Gets or sets the trace id's raw bits.</summary>
    internal RawTraceId RawTraceId
    {
        get => _traceId;
        set => _traceId = value;
    }

    /// <summary>Gets or sets the span id's raw bits.</summary>
    internal ulong RawSpanId
    {
        get => _spanId;
        set => _spanId = value;
    }

    /// <summary>Gets or sets the parent span id's raw bits; 0 for none.</summary>
    internal ulong RawParentSpanId
    {
        get => _parentSpanId;
        set => _parentSpanId = value;
    }

    public partial ActivityTraceId TraceId
    {
        get => RawIds.ToActivityTraceId(_traceId);
        set => _traceId = RawIds.From(value);
    }

    public partial ActivitySpanId SpanId
    {
        get => RawIds.ToActivitySpanId(_spanId);
        set => _spanId = RawIds.From(value);
    }

    public partial ActivitySpanId? ParentSpanId
    {
        get => _parentSpanId == 0 ? null : RawIds.ToActivitySpanId(_parentSpanId);
        set => _parentSpanId = value is { } id ? RawIds.From(id) : 0;
    }

    public partial Dictionary<string, string>? Tags
    {
        get
        {
            lock (this)
            {
                return MaterializeTags();
            }
        }

        set
        {
            lock (this)
            {
                _tags = value;
                _tagKey0 = _tagValue0 = _tagKey1 = _tagValue1 = null;
            }
        }
    }

    /// <summary>Shares a scope's merged tags; they are copied only if this event changes or is read.</summary>
    internal void SetScopeTags(ScopeTagDictionary tags) => _tags = tags;

    /// <summary>Sets one tag (the last value set for a key wins over earlier ones and over scope tags).</summary>
    /// <remarks>The caller owns the event or holds its lock.</remarks>
    internal void AddTag(string key, string value)
    {
        var tags = _tags;
        if (tags is not null and not ScopeTagDictionary)
        {
            tags[key] = value;
            return;
        }

        if (_tagKey0 is null || string.Equals(_tagKey0, key, StringComparison.Ordinal))
        {
            _tagKey0 = key;
            _tagValue0 = value;
            return;
        }

        if (_tagKey1 is null || string.Equals(_tagKey1, key, StringComparison.Ordinal))
        {
            _tagKey1 = key;
            _tagValue1 = value;
            return;
        }

        var owned = CopyShared(tags, extra: 3);
        owned[_tagKey0] = _tagValue0!;
        owned[_tagKey1] = _tagValue1!;
        owned[key] = value;
        _tagKey0 = _tagValue0 = _tagKey1 = _tagValue1 = null;
        _tags = owned;
    }

    private static Dictionary<string, string> CopyShared(Dictionary<string, string>? shared, int extra)
    {
        var owned = new Dictionary<string, string>((shared?.Count ?? 0) + extra, StringComparer.Ordinal);
        if (shared is not null)
        {
            foreach (var pair in shared)
            {
                owned[pair.Key] = pair.Value;
            }
        }

        return owned;
    }

    private Dictionary<string, string>? MaterializeTags()
    {
        var tags = _tags;
        if (_tagKey0 is null)
        {
            if (tags is ScopeTagDictionary shared)
            {
                tags = CopyShared(shared, extra: 0);
                _tags = tags;
            }

            return tags;
        }

        var owned = tags is null || tags is ScopeTagDictionary ? CopyShared(tags, extra: 2) : tags;
        owned[_tagKey0] = _tagValue0!;
        if (_tagKey1 is not null)
        {
            owned[_tagKey1] = _tagValue1!;
        }

        _tagKey0 = _tagValue0 = _tagKey1 = _tagValue1 = null;
        _tags = owned;
        return owned;
    }
}
