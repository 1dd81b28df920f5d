using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests.PublicApi;

/// <summary>
/// The public surface of Zespan.Extensions.AI, written down in an approved file (written by PublicApiGenerator through
/// Zespan.Testing.PublicApiApproval). After an intended change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensionsAI_MatchesApprovedFile() =>
        PublicApiApproval.Verify(typeof(ZespanChatClient).Assembly, "Zespan.Extensions.AI.Tests.csproj", "Zespan.Extensions.AI.approved.txt");
}
