using Zespan.DevServer;
using Zespan.DevServer.Hosting;

if (!CommandLine.TryParse(args, out var options, out var message, out var help))
{
    if (help)
    {
        Console.WriteLine(CommandLine.Usage);
        return 0;
    }

    await Console.Error.WriteLineAsync(message).ConfigureAwait(false);
    await Console.Error.WriteLineAsync("Run with --help to see the options.").ConfigureAwait(false);
    return 2;
}

try
{
    var app = DevServerApp.Build(options);
    await using var disposeApp = app.ConfigureAwait(false);
    await app.StartAsync().ConfigureAwait(false);
    foreach (var url in DevServerApp.GetListeningUrls(app))
    {
        Console.WriteLine($"Zespan dev server: {url}  (trace viewer; API at {url}v1/, mock LLMs at {url}mock/)");
    }

    Console.WriteLine("Press Ctrl+C to stop.");
    await app.WaitForShutdownAsync().ConfigureAwait(false);
    return 0;
}
catch (DevServerStartupException e)
{
    await Console.Error.WriteLineAsync("zespan-dev: " + e.Message).ConfigureAwait(false);
    return 1;
}
catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
{
    await Console.Error.WriteLineAsync("zespan-dev: cannot listen: " + e.Message + " (choose another port with --urls)").ConfigureAwait(false);
    return 1;
}
