namespace Zespan.Extensions;

/// <summary>
/// The ambient user, session and tags LLM calls and spans are attributed to (flows with the async
/// call, like <see cref="System.Threading.AsyncLocal{T}"/>).
/// </summary>
public interface IZespanContextAccessor
{
    /// <summary>Gets the innermost scope's merged context, or <see langword="null"/> outside any scope.</summary>
    ZespanContext? Current { get; }

    /// <summary>
    /// Begins a scope. Nested scopes inherit the outer values; inner values win; tags merge.
    /// </summary>
    /// <param name="userId">Sent as <c>customer_identifier</c>.</param>
    /// <param name="sessionId">Sent as <c>thread_identifier</c>.</param>
    /// <param name="tags">Merged into every event's <c>tags</c>.</param>
    /// <param name="userEmail">Sent as <c>customer_email</c>.</param>
    /// <param name="userName">Sent as <c>customer_name</c>.</param>
    /// <returns>Dispose it to end the scope.</returns>
    IDisposable BeginScope(string? userId = null, string? sessionId = null,
                           IReadOnlyDictionary<string, string>? tags = null,
                           string? userEmail = null, string? userName = null);
}

/// <summary>The user, session and tags of the current scope.</summary>
public sealed class ZespanContext
{
    /// <summary>Gets the user id (<c>customer_identifier</c>).</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the session id (<c>thread_identifier</c>).</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the merged tags.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the user's email (<c>customer_email</c>).</summary>
    public string? UserEmail { get; init; }

    /// <summary>Gets the user's name (<c>customer_name</c>).</summary>
    public string? UserName { get; init; }
}
