namespace Zespan.Extensions.Providers.Internal;

/// <summary>Where the model of a request lives, which tells a model override what to rewrite.</summary>
internal enum RequestModelPlace
{
    /// <summary>The top-level <c>model</c> string of the JSON body.</summary>
    Body,

    /// <summary>The <c>models/{model}:verb</c> segment of the path (Gemini, Vertex AI).</summary>
    PathSegment,

    /// <summary>The path of a request signed before the handler sees it (Bedrock, SigV4): it cannot be changed.</summary>
    SignedPath,
}
