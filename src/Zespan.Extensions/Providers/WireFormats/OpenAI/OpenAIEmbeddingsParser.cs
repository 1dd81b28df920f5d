using System.Text.Json;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Providers.Internal;

/// <summary>OpenAI-style embeddings (<c>POST .../embeddings</c>): the inputs as user messages, no completion.</summary>
internal static class OpenAIEmbeddingsParser
{
    public static void ReadRequest(JsonElement root, ZespanEvent evt, ParseContext ctx)
    {
        evt.Model ??= root.Str("model");
        if (!ctx.StorePrompts || !root.TryProp("input", out var input))
        {
            return;
        }

        var messages = new List<LlmMessage>();
        if (input.ValueKind == JsonValueKind.String)
        {
            messages.Add(new LlmMessage("user", ctx.Prompt.Take(input.GetString())));
        }
        else if (input.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in input.EnumerateArray())
            {
                messages.Add(new LlmMessage("user", item.ValueKind == JsonValueKind.String ? ctx.Prompt.Take(item.GetString()) : "[tokens]"));
                if (item.ValueKind == JsonValueKind.Number)
                {
                    // An array of token ids is one input.
                    messages.Clear();
                    messages.Add(new LlmMessage("user", "[tokens]"));
                    break;
                }
            }
        }

        evt.PromptMessages = messages;
    }

    public static void ReadResponse(JsonElement root, ZespanEvent evt)
    {
        evt.ResponseModel = root.Str("model") ?? evt.ResponseModel;
        if (root.TryArray("data", out var data))
        {
            EventFields.SetMetadata(evt, "embedding_count", data.GetArrayLength());
            foreach (var item in data.EnumerateArray())
            {
                if (item.TryArray("embedding", out var vector))
                {
                    EventFields.SetMetadata(evt, "embedding_dimensions", vector.GetArrayLength());
                }

                break;
            }
        }

        if (root.TryObject("usage", out var usage))
        {
            var prompt = usage.Int("prompt_tokens");
            EventFields.SetTokens(evt, prompt, 0, usage.Int("total_tokens") ?? prompt);
            EventFields.SetUsage(evt, usage.ToNode());
            if (usage.Double("cost") is { } cost)
            {
                evt.Cost = cost;
            }
        }
    }
}
