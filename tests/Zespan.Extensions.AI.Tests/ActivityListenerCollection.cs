namespace Zespan.Extensions.AI.Tests;

/// <summary>
/// Tests that listen to the <c>Zespan</c> <see cref="System.Diagnostics.ActivitySource"/>. A listener is process-wide and
/// changes where the event lifecycle runs, so these tests run alone, never beside tests that expect no listener.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ActivityListenerCollection
{
    public const string Name = "Zespan ActivitySource listeners";
}
