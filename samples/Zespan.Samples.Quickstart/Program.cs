using Zespan.Samples.Quickstart;

// dotnet run --project samples/Zespan.Samples.Quickstart [-- --keep-running]
if (!QuickstartOptions.TryParse(args, out var options, out var error, out var help))
{
    if (help)
    {
        Console.Write(QuickstartOptions.HelpOrVersion(args));
        return 0;
    }

    Console.Error.WriteLine(error);
    Console.Error.WriteLine("Run with --help to see the options.");
    return 2;
}

// SIGTERM, SIGINT (Ctrl+C), SIGQUIT, SIGHUP or the parent process going away end the run: the servers stop cleanly
// (the SDK's queue drains into the dev server) instead of the process being killed.
using var shutdown = new QuickstartShutdown(TimeProvider.System);
using var announce = shutdown.Token.Register(() => Console.WriteLine($"{shutdown.Reason}: stopping."));

var result = await QuickstartRunner.RunAsync(options, Console.Out, shutdown.Token);
return result.ExitCode;

/// <summary>Internal on purpose: ASP.NET Core 10 otherwise makes a top-level <c>Program</c> public, and the test project,
/// which references this app, the WebApi sample and the dev server, would see three public <c>Program</c> types.</summary>
internal sealed partial class Program;
