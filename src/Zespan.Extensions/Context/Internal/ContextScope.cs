using System.Collections.ObjectModel;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Context.Internal;

/// <summary>
/// One <see cref="IZespanContextAccessor.BeginScope"/> scope. Scopes form a chain through
/// <see cref="Parent"/>; the innermost live one is held in an <see cref="AsyncLocal{T}"/>, so it flows
/// across <c>await</c> and into tasks started inside it, like <c>Activity.Current</c>. The merged values
/// (inner wins, tags merged) are computed once, when the scope begins, so starting an event inside a scope
/// only copies references. A deferred scope (<see cref="BeginDeferred"/>) reads its values from an
/// <see cref="IContextScopeSource"/> each time it is used instead, merging each new snapshot once.
/// </summary>
internal sealed class ContextScope : IDisposable
{
    private static readonly AsyncLocal<ContextScope?> s_current = new();

    private readonly IContextScopeSource? _source;
    private readonly ZespanContext _context;
    private readonly ScopeTagDictionary? _tags;
    private volatile bool _disposed;

    // A deferred scope's last snapshot merged with the outer scope, replaced when the source returns a new one.
    private volatile Merged? _merged;

    private ContextScope(ContextScope? parent, ZespanContext context, ScopeTagDictionary? tags)
    {
        Parent = parent;
        _context = context;
        _tags = tags;
    }

    private ContextScope(ContextScope? parent, IContextScopeSource source)
    {
        Parent = parent;
        _source = source;
        _context = EmptyContext;
    }

    private static ZespanContext EmptyContext { get; } = new() { Tags = ReadOnlyDictionary<string, string>.Empty };

    /// <summary>Gets the innermost scope that is still open in this async flow, or null.</summary>
    public static ContextScope? Current
    {
        get
        {
            var scope = s_current.Value;
            while (scope is { _disposed: true })
            {
                // Disposed in another async flow, or out of order: fall back to the nearest open ancestor.
                scope = scope.Parent;
            }

            return scope;
        }
    }

    public ContextScope? Parent { get; }

    /// <summary>Gets the merged values the scope exposes through <see cref="IZespanContextAccessor.Current"/>.</summary>
    public ZespanContext Context => _source is null ? _context : Resolve().Context;

    /// <summary>Gets the merged tags, or null when neither this scope nor an outer one has any.</summary>
    public ScopeTagDictionary? Tags => _source is null ? _tags : Resolve().Tags;

    public static ContextScope Begin(string? userId, string? sessionId, IReadOnlyDictionary<string, string>? tags, string? userEmail, string? userName)
    {
        var parent = Current;
        var merged = Merge(parent, userId, sessionId, tags, userEmail, userName);
        var scope = new ContextScope(parent, merged.Context, merged.Tags);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>
    /// Begins a scope whose values come from <paramref name="source"/> whenever the scope is used (inner scopes
    /// still win over them, as over any outer scope). Dispose it to end it.
    /// </summary>
    /// <param name="source">Where the values come from.</param>
    public static ContextScope BeginDeferred(IContextScopeSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var scope = new ContextScope(Current, source);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>Copies the scope's values onto a new event (references only; the tags stay shared).</summary>
    public void ApplyTo(ZespanEvent item)
    {
        ZespanContext context;
        ScopeTagDictionary? tags;
        if (_source is null)
        {
            context = _context;
            tags = _tags;
        }
        else
        {
            var merged = Resolve();
            context = merged.Context;
            tags = merged.Tags;
        }

        item.CustomerIdentifier = context.UserId;
        item.CustomerEmail = context.UserEmail;
        item.CustomerName = context.UserName;
        item.ThreadIdentifier = context.SessionId;
        if (tags is not null)
        {
            item.SetScopeTags(tags);
        }
    }

    /// <summary>
    /// Ends the scope. The outer scope becomes current again; a scope disposed out of order (an outer one
    /// before an inner one) is skipped when the inner one ends, and disposing twice does nothing.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(s_current.Value, this))
        {
            var parent = Parent;
            while (parent is { _disposed: true })
            {
                parent = parent.Parent;
            }

            s_current.Value = parent;
        }
    }

    private static Merged Merge(ContextScope? parent, string? userId, string? sessionId, IReadOnlyDictionary<string, string>? tags, string? userEmail, string? userName)
    {
        var outer = parent?.Context;
        var outerTags = parent?.Tags;
        var mergedTags = MergeTags(outerTags, tags);
        var context = new ZespanContext
        {
            UserId = userId ?? outer?.UserId,
            SessionId = sessionId ?? outer?.SessionId,
            UserEmail = userEmail ?? outer?.UserEmail,
            UserName = userName ?? outer?.UserName,
            Tags = mergedTags is null
                ? ReadOnlyDictionary<string, string>.Empty
                : ReferenceEquals(mergedTags, outerTags) ? outer!.Tags : new ReadOnlyDictionary<string, string>(mergedTags),
        };
        return new Merged(null, context, mergedTags);
    }

    /// <summary>The deferred scope's current values merged with the outer scope (once per snapshot of the source).</summary>
    private Merged Resolve()
    {
        ContextScopeValues values;
        try
        {
            values = _source!.GetValues() ?? ContextScopeValues.Empty;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A source never throws by contract; if one does, the scope carries what it had.
            System.Diagnostics.Debug.WriteLine(ex);
            return _merged ?? new Merged(null, _context, _tags);
        }

        var merged = _merged;
        if (merged is not null && ReferenceEquals(merged.Source, values) && Parent is not { _source: not null })
        {
            return merged;
        }

        // Cached per snapshot; redone on every use only under an outer deferred scope, whose values may change too.
        var fresh = Merge(Parent, values.UserId, values.SessionId, values.Tags, values.UserEmail, values.UserName) with { Source = values };
        _merged = fresh;
        return fresh;
    }

    /// <summary>A merged snapshot: the source values it came from (deferred scopes), the context and the tags.</summary>
    private sealed record Merged(ContextScopeValues? Source, ZespanContext Context, ScopeTagDictionary? Tags);

    private static ScopeTagDictionary? MergeTags(ScopeTagDictionary? outer, IReadOnlyDictionary<string, string>? inner)
    {
        if (inner is null || inner.Count == 0)
        {
            return outer;
        }

        var merged = new ScopeTagDictionary((outer?.Count ?? 0) + inner.Count);
        if (outer is not null)
        {
            foreach (var pair in outer)
            {
                merged[pair.Key] = pair.Value;
            }
        }

        foreach (var pair in inner)
        {
            if (pair.Key is not null && pair.Value is not null)
            {
                merged[pair.Key] = pair.Value;
            }
        }

        return merged.Count == 0 ? null : merged;
    }
}
