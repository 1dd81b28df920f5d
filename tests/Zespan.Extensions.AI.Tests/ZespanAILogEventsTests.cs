using Zespan.Testing;

namespace Zespan.Extensions.AI.Tests;

/// <summary>Every log event id of Zespan.Extensions.AI is unique, comes from <see cref="ZespanAILogEvents"/>, and never collides with Zespan.Extensions (same category).</summary>
public sealed class ZespanAILogEventsTests () : SiblingLogEventsTests(typeof(ZespanAILogEvents));
