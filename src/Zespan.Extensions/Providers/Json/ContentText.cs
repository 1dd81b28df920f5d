using System.Text;
using System.Text.Json;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>Flattens the providers' content shapes (a string, or a list of typed parts) to text.</summary>
internal static class ContentText
{
    /// <summary>
    /// OpenAI-style content: a string, or parts (<c>text</c>, <c>input_text</c>, <c>output_text</c>, <c>refusal</c>);
    /// a non-text part becomes a marker such as <c>[image]</c>. Parts are joined with a line feed.
    /// </summary>
    public static string? FromOpenAIContent(JsonElement content, TextBudget budget)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return budget.Take(content.GetString());
            case JsonValueKind.Array:
                var builder = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    string? piece;
                    if (part.ValueKind == JsonValueKind.String)
                    {
                        piece = part.GetString();
                    }
                    else
                    {
                        var type = part.Str("type");
                        piece = type switch
                        {
                            "text" or "input_text" or "output_text" or null => part.Str("text"),
                            "refusal" => part.Str("refusal"),
                            "image_url" or "input_image" or "image" => "[image]",
                            "input_audio" or "audio" => "[audio]",
                            "file" or "input_file" => "[file]",
                            _ => "[" + type + "]",
                        };
                    }

                    AppendPiece(builder, piece, budget);
                }

                return builder.Length == 0 ? null : builder.ToString();
            default:
                return null;
        }
    }

    /// <summary>Gemini <c>parts</c>: text parts (thought parts left out), non-text parts as markers.</summary>
    public static string? FromGeminiParts(JsonElement parts, TextBudget budget, bool skipThoughts)
    {
        if (parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.TryProp("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                if (skipThoughts && part.Bool("thought") == true)
                {
                    continue;
                }

                AppendPiece(builder, text.GetString(), budget);
            }
            else if (part.TryProp("inlineData", out _) || part.TryProp("inline_data", out _))
            {
                AppendPiece(builder, "[" + (MimeKind(part) ?? "inline_data") + "]", budget);
            }
            else if (part.TryProp("fileData", out _) || part.TryProp("file_data", out _))
            {
                AppendPiece(builder, "[file]", budget);
            }
            else if (part.TryProp("executableCode", out var code))
            {
                AppendPiece(builder, code.Str("code"), budget);
            }
            else if (part.TryProp("codeExecutionResult", out var result))
            {
                AppendPiece(builder, result.Str("output"), budget);
            }
        }

        return builder.Length == 0 ? null : builder.ToString();
    }

    /// <summary>Bedrock Converse content blocks: <c>text</c> blocks (and <c>json</c> of tool results), others as markers.</summary>
    public static string? FromBedrockBlocks(JsonElement blocks, TextBudget budget)
    {
        if (blocks.ValueKind == JsonValueKind.String)
        {
            return budget.Take(blocks.GetString());
        }

        if (blocks.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.TryProp("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                AppendPiece(builder, text.GetString(), budget);
            }
            else if (block.TryProp("json", out var json))
            {
                AppendPiece(builder, json.GetRawText(), budget);
            }
            else if (block.TryProp("image", out _))
            {
                AppendPiece(builder, "[image]", budget);
            }
            else if (block.TryProp("document", out _))
            {
                AppendPiece(builder, "[document]", budget);
            }
            else if (block.TryProp("video", out _))
            {
                AppendPiece(builder, "[video]", budget);
            }
            else if (block.TryProp("guardContent", out var guard) && guard.TryProp("text", out var guarded))
            {
                AppendPiece(builder, guarded.Str("text"), budget);
            }
        }

        return builder.Length == 0 ? null : builder.ToString();
    }

    /// <summary>Anthropic content: a string, or blocks (<c>text</c>; images and documents as markers; thinking left out).</summary>
    public static string? FromAnthropicContent(JsonElement content, TextBudget budget)
    {
        if (content.ValueKind == JsonValueKind.String)
        {
            return budget.Take(content.GetString());
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var block in content.EnumerateArray())
        {
            var type = block.Str("type");
            var piece = type switch
            {
                "text" => block.Str("text"),
                "image" => "[image]",
                "document" => "[document]",
                "search_result" => "[search_result]",
                _ => null, // tool_use, tool_result, thinking: handled by the caller or left out
            };
            AppendPiece(builder, piece, budget);
        }

        return builder.Length == 0 ? null : builder.ToString();
    }

    public static void AppendPiece(StringBuilder builder, string? piece, TextBudget budget)
    {
        if (string.IsNullOrEmpty(piece))
        {
            return;
        }

        if (builder.Length > 0)
        {
            budget.Append(builder, "\n");
        }

        budget.Append(builder, piece);
    }

    private static string? MimeKind(JsonElement part)
    {
        var data = part.TryProp("inlineData", out var d) ? d : part.TryProp("inline_data", out d) ? d : default;
        var mime = data.Str("mimeType") ?? data.Str("mime_type");
        if (mime is null)
        {
            return null;
        }

        var slash = mime.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? mime[..slash] : mime;
    }
}
