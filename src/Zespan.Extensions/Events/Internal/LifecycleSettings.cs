using Zespan.Extensions.Diagnostics.Internal;

namespace Zespan.Extensions.Events.Internal;

/// <summary>What the lifecycle's steps read from one options snapshot (rebuilt when the options change).</summary>
internal sealed class LifecycleSettings
{
    /// <summary>The environment variable that turns content on activities on when <see cref="ZespanOptions.OtelCaptureContent"/> is not set (the OpenTelemetry GenAI instrumentations' switch).</summary>
    public const string CaptureContentVariable = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

    public LifecycleSettings(ZespanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        ContentOnActivities = ResolveCaptureContent(options.OtelCaptureContent, Environment.GetEnvironmentVariable(CaptureContentVariable));
        Debug = options.Debug;
        MetricTags = MetricTagSelector.From(options.MetricTagAllowList);
    }

    /// <summary>Gets the fields <see cref="ZespanOptions.MetricTagAllowList"/> lets onto the usage metrics.</summary>
    public MetricTagSelector MetricTags { get; }

    /// <summary>Gets the options these settings were read from.</summary>
    public ZespanOptions Options { get; }

    /// <summary>Gets a value indicating whether message content (after redaction) goes on activities.</summary>
    public bool ContentOnActivities { get; }

    /// <summary>Gets a value indicating whether internal failures are logged.</summary>
    public bool Debug { get; }

    /// <summary>The option when set; otherwise the environment variable, which turns content on only when it is <c>true</c>.</summary>
    internal static bool ResolveCaptureContent(bool? option, string? variable) =>
        option ?? string.Equals(variable?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
}
