using Zespan.Testing;

namespace Zespan.Extensions.OpenTelemetry.Tests;

/// <summary>Every log event id of Zespan.Extensions.OpenTelemetry is unique, comes from <see cref="ZespanOpenTelemetryLogEvents"/>, and never collides with Zespan.Extensions (same category).</summary>
public sealed class ZespanOpenTelemetryLogEventsTests () : SiblingLogEventsTests(typeof(ZespanOpenTelemetryLogEvents));
