namespace Zespan.Extensions.Context.Internal;

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
