using Zespan.Samples.Quickstart;

// dotnet run --project samples/Zespan.Samples.Quickstart [-- --keep-running]
if (!QuickstartOptions.TryParse(args, out var options, out var error, out var help))
{
    if (help)
    {
        Console.WriteLine(QuickstartOptions.Usage);
        return 0;
    }

    Console.Error.WriteLine(error);
    Console.Error.WriteLine(QuickstartOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // shut down cleanly (the servers drain) instead of being killed
    stop.Cancel();
};

var result = await QuickstartRunner.RunAsync(options, Console.Out, stop.Token);
return result.ExitCode;

/// <summary>Internal on purpose: ASP.NET Core 10 otherwise makes a top-level <c>Program</c> public, and the test project,
/// which references this app, the WebApi sample and the dev server, would see three public <c>Program</c> types.</summary>
internal sealed partial class Program;
