using System.Text.Json.Nodes;

namespace Zespan.DevServer.Api.Contracts;

/// <summary>The prompt object of the protocol (spec section 3).</summary>
internal sealed record PromptResponse(
    string Name,
    long Version,
    string Type,
    JsonNode? Prompt,
    IReadOnlyList<string> Labels,
    JsonNode? Config,
    string? CommitMessage,
    string CreatedAt);

/// <summary>One page of prompt versions: <c>{"data", "page", "limit", "total"}</c>.</summary>
internal sealed record PromptListResponse(IReadOnlyList<PromptResponse> Data, int Page, int Limit, long Total);
