using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

public class BedrockWireFormatTests
{
    private const string Model = "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/";

    [Fact]
    public void For_BedrockConverse_IsTheConverseFormat() =>
        Assert.Same(BedrockConverseWireFormat.Instance, WireFormats.For(WireFamily.BedrockConverse));

    [Fact]
    public void For_BedrockInvoke_IsTheInvokeFormat() =>
        Assert.Same(BedrockInvokeWireFormat.Instance, WireFormats.For(WireFamily.BedrockInvoke));

    [Theory]
    [InlineData("converse", false)]
    [InlineData("converse-stream", true)]
    [InlineData("invoke", false)]
    [InlineData("invoke-with-response-stream", true)]
    public void Endpoint_StreamingAction_IsAnEventStreamInASignedPath(string action, bool streams)
    {
        var endpoint = LlmEndpoint.Detect(ZespanProvider.Bedrock, new Uri(Model + action));
        var format = WireFormats.For(endpoint.Family)!;

        Assert.Equal(streams, format.StreamsByPath(endpoint));
        Assert.Equal(streams ? StreamFraming.EventStream : StreamFraming.ServerSentEvents, format.DefaultFraming(endpoint));
        Assert.NotNull(format.CreateEventStreamAccumulator(new ParseContext(true, 1000)));
        Assert.Equal(RequestModelPlace.SignedPath, format.ModelPlace(endpoint));
    }

    [Fact]
    public void CreateStreamAccumulator_ServerSentEvents_OnlyInvokeHasOne()
    {
        Assert.Null(BedrockConverseWireFormat.Instance.CreateStreamAccumulator(new ParseContext(true, 1000)));
        Assert.NotNull(BedrockInvokeWireFormat.Instance.CreateStreamAccumulator(new ParseContext(true, 1000)));
    }
}
