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
