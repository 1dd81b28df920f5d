using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// What <c>zespan-dev</c> does with its command line: parse it, build and start the server, print where it listens,
/// and wait for Ctrl+C or SIGTERM. Exit codes: 0 after a clean stop, <c>--help</c> or <c>--version</c>, 2 for a wrong command line,
/// 1 for a setting the server refuses or an address it cannot listen on.
/// </summary>
internal static class DevServerCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        if (!CommandLine.TryParse(args, out var options, out var message, out var help))
        {
            if (help)
            {
                await output.WriteAsync(CommandLine.BuiltInOutput(args)).ConfigureAwait(false);
                return 0;
            }

            await error.WriteLineAsync("zespan-dev: " + message).ConfigureAwait(false);
            await error.WriteLineAsync(CommandLine.Hint).ConfigureAwait(false);
            return 2;
        }

        var databaseExisted = File.Exists(options.DatabasePath);
        WebApplication app;
        try
        {
            app = DevServerApp.Build(options);
        }
        catch (DevServerStartupException e)
        {
            await error.WriteLineAsync("zespan-dev: " + e.Message).ConfigureAwait(false);
            return 1;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is SocketException || e.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
            {
                await app.DisposeAsync().ConfigureAwait(false);
                if (!databaseExisted)
                {
                    DeleteDatabase(options.DatabasePath);
                }

                await error.WriteLineAsync("zespan-dev: cannot listen: " + e.Message + " (choose another port with --urls)").ConfigureAwait(false);
                return 1;
            }

            var key = DevServerApp.GetApiKey(app);
            var query = "?key=" + Uri.EscapeDataString(key);
            foreach (var url in DevServerApp.GetListeningUrls(app))
            {
                await output.WriteLineAsync($"Zespan dev server: {url}{query}  (trace viewer; API at {url}v1/, mock LLMs at {url}mock/)").ConfigureAwait(false);
            }

            await output.WriteLineAsync(options.ApiKeys.Count == 0
                ? $"API key for this run: {key}  (Zespan:ApiKey of your app; pass --api-key <key> to choose a fixed one)"
                : "API key: the one given with --api-key").ConfigureAwait(false);

            await output.WriteLineAsync("Press Ctrl+C to stop.").ConfigureAwait(false);
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
    }

    /// <summary>Removes a database file this run created (and its WAL files) when the server could not start.</summary>
    private static void DeleteDatabase(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm", path + "-journal" })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // still open somewhere: leave it
            }
            catch (UnauthorizedAccessException)
            {
                // not ours to delete
            }
        }
    }
}
