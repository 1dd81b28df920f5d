using System.Collections.Concurrent;
using System.Diagnostics;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary>
/// Tests that listen to ASP.NET Core's <see cref="ActivitySource"/>: a listener is process-wide and makes every request
/// of every test create an activity, so these tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RequestActivityCollection
{
    public const string Name = "ASP.NET Core ActivitySource listeners";
}

/// <summary>The request's generation joins the request's <see cref="Activity"/> (the app's distributed trace).</summary>
[Collection(RequestActivityCollection.Name)]
public sealed class RequestActivityTests
{
    [Fact]
    public async Task Request_WithRequestActivity_GenerationJoinsItsTraceUnderItAndCarriesTheRoute()
    {
        var requests = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = static source => source.Name == "Microsoft.AspNetCore",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = requests.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var harness = await AspNetCoreHarness.StartAsync();
        using var client = harness.CreateClient();

        using var response = await harness.ChatAsync(client, "hello", TestAuthHandler.Header(("sub", "u1")));

        var generation = await harness.GenerationAsync("hello");
        var endpointActivity = Assert.Single(response.Headers.GetValues(AspNetCoreHarness.ActivityHeader));
        var request = Assert.Single(requests, a => a.Id == endpointActivity);
        Assert.Equal("Microsoft.AspNetCore.Hosting.HttpRequestIn", request.OperationName);
        Assert.Equal(request.TraceId.ToHexString(), (string?)generation["trace_id"]);
        Assert.Equal(request.SpanId.ToHexString(), (string?)generation["parent_span_id"]);
        Assert.Equal("/chat/{tenant}", (string?)generation["tags"]!["http.route"]);
        Assert.Equal("u1", (string?)generation["customer_identifier"]);
    }
}
