using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Tests.Events;

public class LifecycleSettingsTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData(null, "false", false)]
    [InlineData(null, "true", true)]
    [InlineData(null, " TRUE ", true)]
    [InlineData(null, "1", false)]
    [InlineData(false, "true", false)]
    [InlineData(true, null, true)]
    [InlineData(true, "false", true)]
    public void ResolveCaptureContent_OptionWinsElseTheEnvironmentVariable(bool? option, string? variable, bool expected)
    {
        Assert.Equal(expected, LifecycleSettings.ResolveCaptureContent(option, variable));
    }

    [Fact]
    public void CaptureContentVariable_IsTheOpenTelemetryGenAiSwitch()
    {
        Assert.Equal("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", LifecycleSettings.CaptureContentVariable);
    }
}
