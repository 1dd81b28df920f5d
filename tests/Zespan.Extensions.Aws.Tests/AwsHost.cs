using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Endpoints;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using Amazon.Runtime.Internal.Util;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zespan.Testing;

namespace Zespan.Extensions.Aws.Tests;

/// <summary>Reads the wire fixtures copied to the test output.</summary>
internal static class Fixtures
{
    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "providers", name));
}

/// <summary>
/// A minimal AWS service configuration (AWSSDK.BedrockRuntime does not restore here): the same identity as
/// <c>AmazonBedrockRuntimeConfig</c> (service id <c>Bedrock Runtime</c>, endpoint name <c>bedrock-runtime</c>,
/// signing name <c>bedrock</c>) unless another service is named.
/// </summary>
internal sealed class TestServiceConfig : ClientConfig
{
    private readonly string _endpointName;

    public TestServiceConfig(string serviceId = "Bedrock Runtime", string endpointName = "bedrock-runtime", string signingName = "bedrock")
        : base(new DefaultConfigurationProvider([new DefaultConfiguration { Name = DefaultConfigurationMode.Standard, RetryMode = RequestRetryMode.Standard }]))
    {
        _endpointName = endpointName;
        ServiceId = serviceId;
        AuthenticationServiceName = signingName;
        AuthenticationRegion = "us-east-1";
    }

    public override string RegionEndpointServiceName => _endpointName;

    public override string ServiceVersion => "2023-09-30";

    public override string UserAgent => "zespan-tests";

    public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(ServiceOperationEndpointParameters parameters) =>
        throw new NotSupportedException("The tests build and send requests themselves.");
}

/// <summary>
/// A request as the AWS SDK's pipeline leaves it just before its HTTP stage: marshalled, SigV4-signed by the SDK's own
/// <see cref="AWS4Signer"/>, its URL composed by <see cref="AmazonServiceClient.ComposeUrl(IRequest)"/>.
/// </summary>
internal sealed record SignedRequest(Uri Url, string Method, IDictionary<string, string> Headers, byte[] Body)
{
    public static SignedRequest Converse(Uri endpoint, IClientConfig config, string modelId, byte[] body, string operation = "converse")
    {
        var request = new DefaultRequest(new StubRequest(), "BedrockRuntime")
        {
            HttpMethod = "POST",
            Endpoint = endpoint,
            ResourcePath = "/model/{modelId}/" + operation,
            Content = body,
        };
        request.AddPathResource("{modelId}", StringUtils.FromString(modelId));
        request.Headers["Content-Type"] = "application/json";
        var signature = new AWS4Signer().SignRequest(request, config, metrics: null, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        request.Headers["Authorization"] = signature.ForAuthorizationHeader;
        return new SignedRequest(AmazonServiceClient.ComposeUrl(request), request.HttpMethod, new Dictionary<string, string>(request.Headers), body);
    }

    /// <summary>Sends through the SDK's own HTTP stage (<see cref="HttpRequestMessageFactory"/>, which asks
    /// <see cref="IClientConfig.HttpClientFactory"/> for its client) and reads the whole response body.</summary>
    public async Task<(int Status, string? ContentType, byte[] Body)> SendAsync(IClientConfig config)
    {
        using var factory = new HttpRequestMessageFactory(config);
        using var http = factory.CreateHttpRequest(Url);
        http.Method = Method;
        http.SetRequestHeaders(Headers);
        http.WriteToRequestBody(await http.GetRequestContentAsync(), Body, Headers);
        var response = await http.GetResponseAsync(CancellationToken.None);
        try
        {
            using var stream = await response.ResponseBody.OpenResponseAsync();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            return ((int)response.StatusCode, response.ContentType, copy.ToArray());
        }
        finally
        {
            (response as IDisposable)?.Dispose();
        }
    }

    private sealed class StubRequest : AmazonWebServiceRequest;
}

/// <summary>The AWS tests' <see cref="ZespanTestHost"/>: a fake Bedrock (real Kestrel on loopback), the fake Zespan backend, and Zespan added.</summary>
internal static class AwsHost
{
    /// <summary>Answers with a fixture file.</summary>
    public static Func<HttpContext, RecordedRequest, Task> Serve(string fixture, string contentType = "application/json", int status = 200) =>
        async (context, _) =>
        {
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.Body.WriteAsync(Fixtures.Bytes(fixture));
        };

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    extension(ZespanTestHost)
    {
        public static Task<ZespanTestHost> StartAwsAsync(Func<HttpContext, RecordedRequest, Task> provider, Action<ZespanOptions>? configure = null) =>
            ZespanTestHost.StartAsync(new ZespanTestHostOptions
            {
                Provider = provider,
                MinimumLogLevel = LogLevel.Information,
                Configure = configure,
            }.Quiet());
    }
}
