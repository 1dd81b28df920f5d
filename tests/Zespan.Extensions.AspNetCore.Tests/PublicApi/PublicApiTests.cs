using Zespan.Testing;

namespace Zespan.Extensions.AspNetCore.Tests.PublicApi;

/// <summary>
/// The public surface of Zespan.Extensions.AspNetCore, written down so a change is a deliberate diff. After an intended
/// change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensionsAspNetCore_MatchesApprovedFile() =>
        PublicApiApproval.Verify(typeof(ZespanAspNetCoreOptions).Assembly, "Zespan.Extensions.AspNetCore.Tests.csproj", "Zespan.Extensions.AspNetCore.approved.txt");
}
