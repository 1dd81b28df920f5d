using Zespan.Testing;

namespace Zespan.Extensions.AspNetCore.Tests;

/// <summary>Every log event id of Zespan.Extensions.AspNetCore is unique, comes from <see cref="ZespanAspNetCoreLogEvents"/>, and never collides with Zespan.Extensions (same category).</summary>
public sealed class ZespanAspNetCoreLogEventsTests () : SiblingLogEventsTests(typeof(ZespanAspNetCoreLogEvents));
