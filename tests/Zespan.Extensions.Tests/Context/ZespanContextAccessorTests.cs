using Zespan.Extensions.Tests.Tracing;
using Zespan.Testing;

namespace Zespan.Extensions.Tests.Context;

public class ZespanContextAccessorTests
{
    [Fact]
    public void BeginScope_SetsCurrent_DisposeRestoresNone()
    {
        using var harness = ZespanTestHost.CreateTracing();
        Assert.Null(harness.Context.Current);

        using (harness.Context.BeginScope("u1", "s1", new Dictionary<string, string> { ["a"] = "1" }, "u1@example.com", "User"))
        {
            var current = harness.Context.Current!;
            Assert.Equal("u1", current.UserId);
            Assert.Equal("s1", current.SessionId);
            Assert.Equal("u1@example.com", current.UserEmail);
            Assert.Equal("User", current.UserName);
            Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, current.Tags);
        }

        Assert.Null(harness.Context.Current);
    }

    [Fact]
    public void BeginScope_Nested_InheritsInnerWinsTagsMerge()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Context.BeginScope("outer-user", "outer-session", new Dictionary<string, string> { ["team"] = "a", ["tier"] = "gold" }, userName: "Outer"))
        {
            using (harness.Context.BeginScope(userId: "inner-user", tags: new Dictionary<string, string> { ["team"] = "b", ["feature"] = "chat" }, userEmail: "in@example.com"))
            {
                var inner = harness.Context.Current!;
                Assert.Equal("inner-user", inner.UserId);
                Assert.Equal("outer-session", inner.SessionId);
                Assert.Equal("in@example.com", inner.UserEmail);
                Assert.Equal("Outer", inner.UserName);
                Assert.Equal(new Dictionary<string, string> { ["team"] = "b", ["tier"] = "gold", ["feature"] = "chat" }, inner.Tags);

                using (harness.Tracer.StartSpan("span"))
                {
                }
            }

            var outer = harness.Context.Current!;
            Assert.Equal("outer-user", outer.UserId);
            Assert.Equal(new Dictionary<string, string> { ["team"] = "a", ["tier"] = "gold" }, outer.Tags);
        }

        var item = harness.Single("span");
        Assert.Equal("inner-user", item.CustomerIdentifier);
        Assert.Equal("outer-session", item.ThreadIdentifier);
        Assert.Equal("in@example.com", item.CustomerEmail);
        Assert.Equal("Outer", item.CustomerName);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "b", ["tier"] = "gold", ["feature"] = "chat" }, item.Tags);
    }

    [Fact]
    public void Dispose_OutOfOrder_IsSafe()
    {
        using var harness = ZespanTestHost.CreateTracing();

        var outer = harness.Context.BeginScope("outer");
        var inner = harness.Context.BeginScope(sessionId: "inner-session");
        outer.Dispose();
        Assert.Equal("inner-session", harness.Context.Current!.SessionId);
        Assert.Equal("outer", harness.Context.Current.UserId);
        inner.Dispose();
        Assert.Null(harness.Context.Current);
        inner.Dispose();
        outer.Dispose();
        Assert.Null(harness.Context.Current);

        using (harness.Context.BeginScope("fresh"))
        {
            Assert.Equal("fresh", harness.Context.Current!.UserId);
        }
    }

    [Fact]
    public void Dispose_MiddleScopeFirst_InnerEndReturnsToOuter()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using var outer = harness.Context.BeginScope("outer");
        var middle = harness.Context.BeginScope("middle");
        var inner = harness.Context.BeginScope("inner");
        middle.Dispose();
        inner.Dispose();

        Assert.Equal("outer", harness.Context.Current!.UserId);
    }

    [Fact]
    public async Task BeginScope_FlowsAcrossAwait_ChildScopesDoNotLeak()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Context.BeginScope("request-user"))
        {
            await Task.Yield();
            Assert.Equal("request-user", harness.Context.Current!.UserId);
            await Task.Run(async () =>
            {
                using var child = harness.Context.BeginScope("background");
                await Task.Yield();
                Assert.Equal("background", harness.Context.Current!.UserId);
            });
            await LeaveScopeOpenAsync(harness.Context);
            Assert.Equal("request-user", harness.Context.Current!.UserId);
        }

        Assert.Null(harness.Context.Current);

        static async Task LeaveScopeOpenAsync(IZespanContextAccessor context)
        {
            context.BeginScope("forgotten");
            await Task.Yield();
        }
    }

    [Fact]
    public void BeginScope_NullOrEmptyTagValues_Skipped()
    {
        using var harness = ZespanTestHost.CreateTracing();

        using (harness.Context.BeginScope(tags: new Dictionary<string, string> { ["k"] = null! }))
        {
            Assert.Empty(harness.Context.Current!.Tags);
            using (harness.Tracer.StartSpan("span"))
            {
            }
        }

        Assert.Null(harness.Single("span").Tags);
    }
}
