using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Zespan.Testing;

public sealed partial class FakeZespanBackend
{
    /// <summary>
    /// Gets or sets the guardrail verdict: given the check request, returns the answer body
    /// (<c>{"passed": ..., "results": [...]}</c>). Default: everything passes.
    /// </summary>
    public Func<JsonObject, JsonObject> GuardrailResponder { get; set; } =
        static _ => new JsonObject { ["passed"] = true, ["results"] = new JsonArray() };

    private async Task HandleGuardrailAsync(HttpContext context, RecordedRequest recorded)
    {
        if (recorded.Json is not JsonObject check)
        {
            await WriteErrorAsync(context, 400, "invalid_request", "malformed guardrail check").ConfigureAwait(false);
            return;
        }

        var answer = GuardrailResponder(check);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString()).ConfigureAwait(false);
    }
}
