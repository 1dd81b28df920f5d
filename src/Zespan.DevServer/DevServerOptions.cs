using Microsoft.Extensions.Logging;

namespace Zespan.DevServer;

/// <summary>Settings of one Zespan dev server instance (the command line maps onto these).</summary>
public sealed class DevServerOptions
{
    /// <summary>The default listening URL: loopback only, port 5087.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5087";

    /// <summary>The default SQLite file, relative to the working directory.</summary>
    public const string DefaultDatabasePath = "zespan-dev.db";

    /// <summary>The default <see cref="MaxEvents"/>.</summary>
    public const long DefaultMaxEvents = 1_000_000;

    /// <summary>The default limit of a request body, compressed or not (10 MiB).</summary>
    public const long DefaultMaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>Gets or sets the SQLite file. Created with its schema when missing.</summary>
    /// <value>The default is <c>zespan-dev.db</c> in the working directory.</value>
    public string DatabasePath { get; set; } = DefaultDatabasePath;

    /// <summary>
    /// Gets the API keys the server accepts. Empty: the server generates a random key for each run
    /// (<see cref="DevServerApp.GetApiKey"/>; the command line prints it with the viewer URL), and binding to a
    /// non-loopback address refuses to start.
    /// </summary>
    /// <value>The default is empty.</value>
    public IList<string> ApiKeys { get; } = new List<string>();

    /// <summary>Gets the URLs to listen on (Kestrel syntax, e.g. <c>http://127.0.0.1:0</c> for a free port).</summary>
    /// <value>The default is <c>http://127.0.0.1:5087</c> when the list is empty.</value>
    public IList<string> Urls { get; } = new List<string>();

    /// <summary>Gets or sets the largest request body accepted, both as received and after gzip decompression.</summary>
    /// <value>The default is 10 MiB. Larger bodies get 413.</value>
    public long MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>Gets or sets the most events kept; past it the oldest traces are removed, whole.</summary>
    /// <value>The default is 1,000,000; <see langword="null"/> keeps everything.</value>
    public long? MaxEvents { get; set; } = DefaultMaxEvents;

    /// <summary>Gets or sets how long traces are kept after they end; older ones are removed, whole, within a minute.</summary>
    /// <value>The default is <see langword="null"/>: no age limit (<see cref="MaxEvents"/> still applies).</value>
    public TimeSpan? Retention { get; set; }

    /// <summary>Gets or sets how many ingest requests (<c>POST /v1/ingest</c>, <c>POST /v1/traces</c>) run at once; more wait in the queue.</summary>
    /// <value>The default is 4 (writes go one at a time into SQLite anyway).</value>
    public int MaxConcurrentIngest { get; set; } = 4;

    /// <summary>Gets or sets how many read, admin, prompt, config and guardrail requests run at once; more wait in the queue.</summary>
    /// <value>The default is 16.</value>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Gets or sets how many requests may wait for each of those limits; past it a request gets 429 with <c>Retry-After</c>.</summary>
    /// <value>The default is 64.</value>
    public int RequestQueueLimit { get; set; } = 64;

    /// <summary>Gets or sets the longest pause the mock LLM endpoints make between stream chunks.</summary>
    /// <value>The default is 5 seconds; <c>X-Mock-Delay-Ms</c> values above it are capped.</value>
    public TimeSpan MaxMockDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the match timeout of one guardrail regular expression.</summary>
    /// <value>The default is 250 milliseconds.</value>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets or sets the clock (timestamps of stored rows, mock responses, mock delays).</summary>
    /// <value>The default is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets a hook to configure logging (tests clear the providers).</summary>
    /// <value>The default is <see langword="null"/>: console logging.</value>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
