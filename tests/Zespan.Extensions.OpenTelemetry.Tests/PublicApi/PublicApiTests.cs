using Microsoft.Extensions.DependencyInjection;
using Zespan.Testing;

namespace Zespan.Extensions.OpenTelemetry.Tests.PublicApi;

/// <summary>
/// The public surface of Zespan.Extensions.OpenTelemetry, written down so a change is a deliberate diff. After an intended
/// change, run the tests with ZESPAN_UPDATE_PUBLIC_API=1 and commit the file.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void PublicApi_ZespanExtensionsOpenTelemetry_MatchesApprovedFile() =>
        PublicApiApproval.Verify(typeof(ZespanOpenTelemetryBuilderExtensions).Assembly, "Zespan.Extensions.OpenTelemetry.Tests.csproj", "Zespan.Extensions.OpenTelemetry.approved.txt");
}
