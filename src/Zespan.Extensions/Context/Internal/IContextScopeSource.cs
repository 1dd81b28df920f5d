namespace Zespan.Extensions.Context.Internal;

/// <summary>
/// The values of a context scope that are known only while the scope runs, not when it begins: a web request's
/// user is set by authentication, which runs after the request's scope began (Zespan.Extensions.AspNetCore).
/// <see cref="ContextScope.BeginDeferred"/> reads them each time the scope is used (an event starts, a nested scope
/// begins, <see cref="IZespanContextAccessor.Current"/> is read).
/// </summary>
internal interface IContextScopeSource
{
    /// <summary>
    /// Gets the scope's own values now. Called on every use of the scope, so an implementation returns the same
    /// instance while nothing changed (the scope merges it with the outer scope once per instance). Never throws.
    /// </summary>
    ContextScopeValues GetValues();
}

/// <summary>One snapshot of a deferred scope's own values (before they are merged with an outer scope).</summary>
/// <param name="UserId">Sent as <c>customer_identifier</c>.</param>
/// <param name="SessionId">Sent as <c>thread_identifier</c>.</param>
/// <param name="Tags">Merged into every event's <c>tags</c>; null for none.</param>
/// <param name="UserEmail">Sent as <c>customer_email</c>.</param>
/// <param name="UserName">Sent as <c>customer_name</c>.</param>
internal sealed record ContextScopeValues(
    string? UserId,
    string? SessionId,
    IReadOnlyDictionary<string, string>? Tags,
    string? UserEmail,
    string? UserName)
{
    /// <summary>No values.</summary>
    public static ContextScopeValues Empty { get; } = new(null, null, null, null, null);
}
