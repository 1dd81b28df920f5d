namespace Zespan.Extensions.Backend.Internal;

/// <summary>The backend endpoints; each has its own resilience pipeline, so an outage of one never trips another.</summary>
internal enum ZespanBackendEndpoint
{
    Ingest,
    Config,
    Prompts,
    Guardrails,
}
