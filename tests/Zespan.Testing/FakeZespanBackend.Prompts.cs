using Microsoft.AspNetCore.Http;

namespace Zespan.Testing;

public sealed partial class FakeZespanBackend
{
    // TODO(prompts): the prompt store of spec section 3.
    private static Task HandlePromptsAsync(HttpContext context, RecordedRequest recorded) =>
        WriteErrorAsync(context, 404, "not_found", "prompts not implemented");
}
