using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Zespan.Extensions.Export.Internal;

namespace Zespan.Extensions.Prompts.Internal;

/// <summary>Source-generated JSON of the prompt endpoints (spec section 3), snake_case.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PromptDto))]
[JsonSerializable(typeof(PromptPageDto))]
[JsonSerializable(typeof(CreatePromptBody))]
[JsonSerializable(typeof(UpdateLabelsBody))]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class PromptsJsonContext : JsonSerializerContext;

/// <summary>
/// The <c>prompt</c> field: a string for a text prompt, an array of <c>{"role", "content"}</c> for a chat prompt.
/// </summary>
internal readonly record struct PromptContent(string? Text, IReadOnlyList<PromptMessage>? Messages);

/// <summary>A prompt object on the wire.</summary>
internal sealed class PromptDto
{
    public string? Name { get; set; }

    public int Version { get; set; }

    public string? Type { get; set; }

    [JsonConverter(typeof(PromptContentConverter))]
    public PromptContent Prompt { get; set; }

    public List<string>? Labels { get; set; }

    public Dictionary<string, JsonElement>? Config { get; set; }

    public string? CommitMessage { get; set; }

    public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Maps the wire object to the public type; <paramref name="requestedName"/> fills a missing name.</summary>
    public Prompt ToPrompt(string? requestedName)
    {
        // The type decides; without a known one, the shape of "prompt" does.
        var isChat = string.Equals(Type, "chat", StringComparison.OrdinalIgnoreCase)
            || (!string.Equals(Type, "text", StringComparison.OrdinalIgnoreCase) && Prompt.Messages is not null);
        return new Prompt
        {
            Name = Name ?? requestedName ?? string.Empty,
            Version = Version,
            PromptType = isChat ? PromptType.Chat : PromptType.Text,
            Text = isChat ? null : Prompt.Text ?? string.Empty,
            Messages = isChat ? Prompt.Messages ?? [] : null,
            Labels = Labels is { Count: > 0 } labels ? labels.AsReadOnly() : [],
            Config = Config is { Count: > 0 } config ? new ReadOnlyDictionary<string, JsonElement>(config) : ReadOnlyDictionary<string, JsonElement>.Empty,
            CommitMessage = CommitMessage,
            CreatedAt = CreatedAt,
        };
    }
}

/// <summary>The answer of the list call.</summary>
internal sealed class PromptPageDto
{
    public List<PromptDto>? Data { get; set; }

    public int Page { get; set; }

    public int Limit { get; set; }

    public int Total { get; set; }
}

/// <summary>The body of the create call.</summary>
internal sealed class CreatePromptBody
{
    public required string Name { get; set; }

    public required string Type { get; set; }

    [JsonConverter(typeof(PromptContentConverter))]
    public PromptContent Prompt { get; set; }

    public IReadOnlyList<string> Labels { get; set; } = [];

    public IReadOnlyDictionary<string, JsonElement>? Config { get; set; }

    public string? CommitMessage { get; set; }
}

/// <summary>The body of the update-labels call.</summary>
internal sealed class UpdateLabelsBody
{
    public required IReadOnlyList<string> Labels { get; set; }
}

/// <summary>Reads and writes <see cref="PromptContent"/>: a JSON string or an array of messages.</summary>
internal sealed class PromptContentConverter : JsonConverter<PromptContent>
{
    public override PromptContent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return default;
            case JsonTokenType.String:
                return new PromptContent(reader.GetString(), null);
            case JsonTokenType.StartArray:
                var messages = new List<PromptMessage>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    messages.Add(ReadMessage(ref reader));
                }

                return new PromptContent(null, messages.AsReadOnly());
            default:
                throw new JsonException("A prompt's 'prompt' field must be a string or an array of messages.");
        }
    }

    public override void Write(Utf8JsonWriter writer, PromptContent value, JsonSerializerOptions options)
    {
        if (value.Messages is { } messages)
        {
            writer.WriteStartArray();
            for (var i = 0; i < messages.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("role"u8, messages[i].Role);
                writer.WriteString("content"u8, messages[i].Content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteStringValue(value.Text ?? string.Empty);
        }
    }

    private static PromptMessage ReadMessage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A chat prompt's messages must be objects with 'role' and 'content'.");
        }

        string? role = null;
        string? content = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("Malformed chat prompt message.");
            }

            if (reader.ValueTextEquals("role"u8))
            {
                reader.Read();
                role = ReadString(ref reader, "role");
            }
            else if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                content = ReadString(ref reader, "content");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new PromptMessage(role ?? string.Empty, content ?? string.Empty);
    }

    private static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        _ => throw new JsonException("A chat prompt message's '" + field + "' must be a string."),
    };
}
