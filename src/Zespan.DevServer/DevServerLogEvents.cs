namespace Zespan.DevServer;

/// <summary>
/// Every log event id of the dev server (category <c>Zespan.DevServer</c>), one named constant each. Every
/// <c>[LoggerMessage]</c> in <see cref="Hosting.Log"/> takes its <c>EventId</c> and its <c>EventName</c>
/// from here; a test fails when an id is used twice, is not a constant of this class, or when two
/// constants share a value. docs/telemetry.md lists them.
/// </summary>
/// <remarks>
/// Ids 1-12 predate the ranges and keep their numbers. A new id takes the next free number of its
/// feature's range:
/// <list type="table">
/// <item><term>1-99</term><description>hosting: start, schema, API keys, request handling (1, 2, 5, 6, 7; 12 retired; new ones from 13)</description></item>
/// <item><term>100-199</term><description>ingest (3, 4 before the ranges)</description></item>
/// <item><term>200-299</term><description>remote configuration and guardrail policies (8, 9 before the ranges)</description></item>
/// <item><term>300-399</term><description>prompts (10, 11 before the ranges)</description></item>
/// </list>
/// </remarks>
internal static class DevServerLogEvents
{
    // hosting

    /// <summary>Information: the server is listening (URL and database path).</summary>
    public const int Listening = 1;

    /// <summary>Information: a schema migration was applied.</summary>
    public const int MigrationApplied = 2;

    /// <summary>Information: a request was rejected (4xx) with the reason.</summary>
    public const int RequestRejected = 5;

    /// <summary>Warning: a request had no valid API key.</summary>
    public const int Unauthorized = 6;

    /// <summary>Error: a request failed with an unhandled exception (answered 500).</summary>
    public const int UnhandledError = 7;

    // 12 (AnyKeyAccepted: any zsp_ key accepted without --api-key) is retired: the server now generates a key per run.

    /// <summary>Information: no <c>--api-key</c> was given, so a key was generated for this run.</summary>
    public const int GeneratedApiKey = 13;

    /// <summary>Warning: a request's <c>Host</c> did not name this machine (DNS rebinding protection).</summary>
    public const int HostRejected = 14;

    /// <summary>Warning: a request got 429 because a concurrency limit and its queue were full.</summary>
    public const int RequestLimited = 15;

    /// <summary>Information: retention removed the oldest traces.</summary>
    public const int RetentionDeleted = 16;

    /// <summary>Error: a periodic retention run failed (it runs again a minute later).</summary>
    public const int RetentionFailed = 17;

    // ingest

    /// <summary>Debug: an ingest batch was accepted and stored.</summary>
    public const int BatchAccepted = 3;

    /// <summary>Debug: an ingest batch was a duplicate (same <c>batch_id</c>); answered 202, nothing stored.</summary>
    public const int BatchDuplicate = 4;

    /// <summary>Debug: an OTLP trace export (<c>POST /v1/traces</c>) was accepted.</summary>
    public const int OtlpAccepted = 100;

    // remote configuration and guardrail policies

    /// <summary>Information: the remote configuration of an environment has a new version.</summary>
    public const int ConfigUpdated = 8;

    /// <summary>Information: the guardrail policies changed.</summary>
    public const int PoliciesUpdated = 9;

    // prompts

    /// <summary>Information: a prompt version was created.</summary>
    public const int PromptCreated = 10;

    /// <summary>Information: a prompt version's labels changed.</summary>
    public const int PromptLabelsUpdated = 11;
}
