using System.Collections.ObjectModel;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Context.Internal;

/// <summary>
/// One <see cref="IZespanContextAccessor.BeginScope"/> scope. Scopes form a chain through
/// <see cref="Parent"/>; the innermost live one is held in an <see cref="AsyncLocal{T}"/>, so it flows
/// across <c>await</c> and into tasks started inside it, like <c>Activity.Current</c>. The merged values
/// (inner wins, tags merged) are computed once, when the scope begins, so starting an event inside a scope
/// only copies references.
/// </summary>
internal sealed class ContextScope : IDisposable
{
    private static readonly AsyncLocal<ContextScope?> s_current = new();

    private volatile bool _disposed;

    private ContextScope(ContextScope? parent, ZespanContext context, ScopeTagDictionary? tags)
    {
        Parent = parent;
        Context = context;
        Tags = tags;
    }

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
    public ZespanContext Context { get; }

    /// <summary>Gets the merged tags, or null when neither this scope nor an outer one has any.</summary>
    public ScopeTagDictionary? Tags { get; }

    public static ContextScope Begin(string? userId, string? sessionId, IReadOnlyDictionary<string, string>? tags, string? userEmail, string? userName)
    {
        var parent = Current;
        var outer = parent?.Context;
        var mergedTags = MergeTags(parent?.Tags, tags);
        var context = new ZespanContext
        {
            UserId = userId ?? outer?.UserId,
            SessionId = sessionId ?? outer?.SessionId,
            UserEmail = userEmail ?? outer?.UserEmail,
            UserName = userName ?? outer?.UserName,
            Tags = mergedTags is null
                ? ReadOnlyDictionary<string, string>.Empty
                : ReferenceEquals(mergedTags, parent?.Tags) ? outer!.Tags : new ReadOnlyDictionary<string, string>(mergedTags),
        };

        var scope = new ContextScope(parent, context, mergedTags);
        s_current.Value = scope;
        return scope;
    }

    /// <summary>Copies the scope's values onto a new event (references only; the tags stay shared).</summary>
    public void ApplyTo(ZespanEvent item)
    {
        var context = Context;
        item.CustomerIdentifier = context.UserId;
        item.CustomerEmail = context.UserEmail;
        item.CustomerName = context.UserName;
        item.ThreadIdentifier = context.SessionId;
        if (Tags is { } tags)
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
