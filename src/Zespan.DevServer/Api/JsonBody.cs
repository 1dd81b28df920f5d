using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Zespan.DevServer.Api;

/// <summary>
/// A JSON request body as a handler parameter (minimal APIs bind it through <see cref="BindAsync"/>): the body as
/// received, already decompressed by the request decompression middleware, at most <see cref="DevServerOptions.MaxBodyBytes"/>.
/// Refusals are the protocol's errors: 415 for a non-JSON type or an unknown encoding, 413 past the limit, 400 for
/// an empty body, bad JSON or a body that does not decompress.
/// </summary>
internal sealed class JsonBody(JsonNode node)
{
    public JsonNode Node { get; } = node;

    /// <summary>The body as an object; 400 when it is another JSON value.</summary>
    public JsonObject Object => Node as JsonObject ?? throw ApiException.BadRequest("the body must be a JSON object");

    public static async ValueTask<JsonBody?> BindAsync(HttpContext context)
    {
        var options = context.RequestServices.GetRequiredService<DevServerOptions>();
        return new JsonBody(await HttpJson.ReadJsonAsync(context, options.MaxBodyBytes).ConfigureAwait(false));
    }
}
