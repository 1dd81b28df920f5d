using Zespan.Testing;

namespace Zespan.Extensions.Aws.Tests.PublicApi;

/// <summary>
/// The public surface of Zespan.Extensions.Aws, written down so a change is a deliberate diff. After an intended
/// change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensionsAws_MatchesApprovedFile() =>
        PublicApiApproval.Verify(typeof(ZespanAwsHttpClientFactory).Assembly, "Zespan.Extensions.Aws.Tests.csproj", "Zespan.Extensions.Aws.approved.txt");
}
