namespace Zespan.DevServer.Tests.Scale;

/// <summary>
/// A measurement, not a test: it runs only when <c>ZESPAN_DEVSERVER_MEASURE=1</c> (see docs/dev-server.md, "Scale"), and
/// asserts nothing about time; it prints what it measured.
/// </summary>
public sealed class MeasureFactAttribute : FactAttribute
{
    public MeasureFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ZESPAN_DEVSERVER_MEASURE") != "1")
        {
            Skip = "a measurement: set ZESPAN_DEVSERVER_MEASURE=1 to run it";
        }
    }
}
