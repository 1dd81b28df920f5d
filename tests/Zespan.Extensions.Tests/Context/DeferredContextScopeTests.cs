using Zespan.Extensions.Context.Internal;
using Zespan.Extensions.Tests.Tracing;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Context;

/// <summary>
/// <see cref="ContextScope.BeginDeferred"/>: a scope whose values are read when it is used (the ASP.NET Core request
/// scope, whose user is known only after authentication), merged with outer scopes and overridden by inner ones.
/// </summary>
public class DeferredContextScopeTests
{
    [Fact]
    public void BeginDeferred_ValuesChangeAfterBegin_EventsAndCurrentSeeTheValuesOfTheirTime()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var source = new Source();

        using (ContextScope.BeginDeferred(source))
        {
            using (harness.Tracer.StartSpan("before"))
            {
            }

            source.Values = new ContextScopeValues("late-user", "s-1", new Dictionary<string, string> { ["route"] = "/chat" }, "u@example.com", "User");
            Assert.Equal("late-user", harness.Context.Current!.UserId);
            using (harness.Tracer.StartSpan("after"))
            {
            }
        }

        Assert.Null(harness.Queue.Single("before").CustomerIdentifier);
        var after = harness.Queue.Single("after");
        Assert.Equal("late-user", after.CustomerIdentifier);
        Assert.Equal("s-1", after.ThreadIdentifier);
        Assert.Equal("u@example.com", after.CustomerEmail);
        Assert.Equal("User", after.CustomerName);
        Assert.Equal(new Dictionary<string, string> { ["route"] = "/chat" }, after.Tags);
        Assert.Null(harness.Context.Current);
    }

    [Fact]
    public void BeginScope_InsideDeferred_InnerValuesWinTagsMerge()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var source = new Source { Values = new ContextScopeValues("request-user", "request-session", new Dictionary<string, string> { ["team"] = "a", ["route"] = "/x" }, null, null) };

        using (ContextScope.BeginDeferred(source))
        using (harness.Context.BeginScope(userId: "inner", tags: new Dictionary<string, string> { ["team"] = "b" }))
        using (harness.Tracer.StartSpan("span"))
        {
        }

        var item = harness.Queue.Single("span");
        Assert.Equal("inner", item.CustomerIdentifier);
        Assert.Equal("request-session", item.ThreadIdentifier);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "b", ["route"] = "/x" }, item.Tags);
    }

    [Fact]
    public void BeginDeferred_InsideOuterScope_OuterValuesFillWhatTheSourceLeavesOut()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var source = new Source { Values = new ContextScopeValues(null, "deferred-session", null, null, null) };

        using (harness.Context.BeginScope(userId: "outer", sessionId: "outer-session", tags: new Dictionary<string, string> { ["t"] = "1" }))
        using (ContextScope.BeginDeferred(source))
        using (harness.Tracer.StartSpan("span"))
        {
        }

        var item = harness.Queue.Single("span");
        Assert.Equal("outer", item.CustomerIdentifier);
        Assert.Equal("deferred-session", item.ThreadIdentifier);
        Assert.Equal(new Dictionary<string, string> { ["t"] = "1" }, item.Tags);
    }

    [Fact]
    public void BeginDeferred_SameSnapshot_MergedOnce()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var source = new Source { Values = new ContextScopeValues("u", null, new Dictionary<string, string> { ["a"] = "1" }, null, null) };

        using (ContextScope.BeginDeferred(source))
        {
            var first = harness.Context.Current;
            var second = harness.Context.Current;

            Assert.Same(first, second);
            Assert.Equal(2, source.Reads);
        }
    }

    [Fact]
    public void BeginDeferred_SourceThrows_ScopeKeepsItsLastValuesAndNothingThrows()
    {
        using var harness = ZespanTestHost.CreateTracing();
        var source = new Source { Values = new ContextScopeValues("u1", null, null, null, null) };

        using (ContextScope.BeginDeferred(source))
        {
            Assert.Equal("u1", harness.Context.Current!.UserId);
            source.Throw = true;
            using (harness.Tracer.StartSpan("span"))
            {
            }

            Assert.Equal("u1", harness.Context.Current!.UserId);
        }

        Assert.Equal("u1", harness.Queue.Single("span").CustomerIdentifier);
    }

    private sealed class Source : IContextScopeSource
    {
        public ContextScopeValues Values { get; set; } = ContextScopeValues.Empty;

        public bool Throw { get; set; }

        public int Reads { get; private set; }

        public ContextScopeValues GetValues()
        {
            Reads++;
            return Throw ? throw new InvalidOperationException("source failed") : Values;
        }
    }
}
