using Zespan.Testing;

namespace Zespan.Extensions.Tests.PublicApi;

/// <summary>
/// Every public type and member is written down in an approved file, so a change to the surface is a
/// deliberate diff. After an intended change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensions_MatchesApprovedFile() =>
        PublicApiApproval.Verify(typeof(ZespanOptions).Assembly, "Zespan.Extensions.Tests.csproj", "Zespan.Extensions.approved.txt");
}
