using System.Text.Json.Nodes;
using Zespan.Extensions.ModelOverrides.Internal;
using Zespan.Extensions.Providers.Internal;

namespace Zespan.Extensions.Tests.Providers;

/// <summary>Every non-streaming fixture parsed into the expected event.</summary>
public class ProviderEventBuilderTests
{
    private const string OpenAIChat = "https://api.openai.com/v1/chat/completions";

    [Fact]
    public void Fill_OpenAIChat_ReadsModelsMessagesUsageAndCost()
    {
        var evt = FixtureCall.Of(ZespanProvider.OpenAI, OpenAIChat, "openai-chat.request.json", "openai-chat.json").Run();

        Assert.Equal("openai", evt.Provider);
        Assert.Equal("openai.chat.completions", evt.Name);
        Assert.Equal(LogTypes.Generation, evt.LogType);
        Assert.Equal("gpt-4o-mini", evt.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        Assert.False(evt.Stream);
        Assert.Null(evt.TimeToFirstToken);
        var prompt = Assert.Single(evt.PromptMessages!);
        EventAssert.Message(prompt, "user", "hello");
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello! How can I assist you today?");
        Assert.Null(evt.CompletionMessage!.ToolCalls);
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 8, 9, 17);
        Assert.Equal(13, (int)evt.Metadata!["usage"]!["prompt_tokens_details"]!["cached_tokens"]!);
        Assert.Equal(90, (int)evt.Metadata!["usage"]!["completion_tokens_details"]!["reasoning_tokens"]!);

        // The fixture's (edited) cached_tokens, 13, exceeds prompt_tokens: all 8 input tokens are cache reads, at $0.075.
        EventAssert.Cost((8 * 0.075 + 9 * 0.60) / 1e6, evt.Cost);
        Assert.Equal(200, evt.StatusCode);
        Assert.Null(evt.Error);
        Assert.False(evt.Truncated);
    }

    [Fact]
    public void Fill_OpenAIChatToolCall_ReadsToolCallAndPricesFromDatedResponseModel()
    {
        var evt = FixtureCall.Of(ZespanProvider.OpenAI, OpenAIChat, null, "openai-chat-toolcall.json").Run();

        Assert.Null(evt.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        var call = Assert.Single(evt.CompletionMessage.ToolCalls!);
        EventAssert.ToolCall(call, "call_8qbINM045wlmKZt9bVJgwAym", "GetPersonAge", """{"personName":"Alice"}""");
        Assert.Equal("""{"personName":"Alice"}""", call.Arguments);
        EventAssert.Tokens(evt, 61, 16, 77);

        // 13 of the 61 input tokens are cache reads ($0.075 instead of $0.15).
        EventAssert.Cost((48 * 0.15 + 13 * 0.075 + 16 * 0.60) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_OpenAIResponses_ReadsInputItemsOutputAndStatus()
    {
        var evt = FixtureCall.Of(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", "openai-responses.request.json", "openai-responses.json").Run();

        Assert.Equal("openai.responses", evt.Name);
        Assert.Equal(LogTypes.Response, evt.LogType);
        Assert.Equal("gpt-4o-mini", evt.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "hello");
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello! How can I assist you today?");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 26, 10, 36);
        Assert.Equal(0, (int)evt.Metadata!["usage"]!["output_tokens_details"]!["reasoning_tokens"]!);
    }

    [Fact]
    public void Fill_OpenAIResponsesWithInstructionsAndToolItems_MapsRoles()
    {
        var request = """
            {"model":"gpt-4.1","instructions":"Be brief.","input":[
              {"role":"user","content":"weather in Paris?"},
              {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\"city\":\"Paris\"}"},
              {"type":"function_call_output","call_id":"call_1","output":"18C"}]}
            """u8.ToArray();
        var response = """
            {"object":"response","status":"completed","model":"gpt-4.1-2025-04-14","output":[
              {"type":"function_call","call_id":"call_2","name":"get_time","arguments":"{}"}],
             "usage":{"input_tokens":50,"output_tokens":5,"total_tokens":55}}
            """u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/responses") { Request = request, Response = response }.Run();

        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "Be brief."),
            m => EventAssert.Message(m, "user", "weather in Paris?"),
            m =>
            {
                EventAssert.Message(m, "assistant", null);
                EventAssert.ToolCall(Assert.Single(m.ToolCalls!), "call_1", "get_weather", """{"city":"Paris"}""");
            },
            m =>
            {
                EventAssert.Message(m, "tool", "18C");
                Assert.Equal("call_1", m.ToolCallId);
            });
        Assert.Equal("tool_calls", evt.FinishReason);
        EventAssert.ToolCall(Assert.Single(evt.CompletionMessage!.ToolCalls!), "call_2", "get_time", "{}");
        EventAssert.Cost((50 * 2.0 + 5 * 8.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_OpenAIEmbeddings_RecordsInputsTokensAndNoCompletion()
    {
        var request = """{"model":"text-embedding-3-small","input":["first","second"]}"""u8.ToArray();
        var response = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3]},{"object":"embedding","index":1,"embedding":[0.4,0.5,0.6]}],"model":"text-embedding-3-small","usage":{"prompt_tokens":4,"total_tokens":4}}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://api.openai.com/v1/embeddings") { Request = request, Response = response }.Run();

        Assert.Equal("openai.embeddings", evt.Name);
        Assert.Equal(LogTypes.Embedding, evt.LogType);
        Assert.Equal(["first", "second"], evt.PromptMessages!.Select(m => m.Content));
        Assert.Null(evt.CompletionMessage);
        EventAssert.Tokens(evt, 4, 0, 4);
        Assert.Equal(2, (int)evt.Metadata!["embedding_count"]!);
        Assert.Equal(3, (int)evt.Metadata!["embedding_dimensions"]!);
        EventAssert.Cost(4 * 0.02 / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_OpenAIChatWithToolHistory_KeepsSystemToolCallsAndToolResults()
    {
        var request = """
            {"model":"gpt-4o","messages":[
              {"role":"developer","content":"You are terse."},
              {"role":"user","content":[{"type":"text","text":"What is in"},{"type":"image_url","image_url":{"url":"data:..."}},{"type":"text","text":"this picture?"}]},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"describe","arguments":"{\"detail\":\"high\"}"}}]},
              {"role":"tool","tool_call_id":"call_a","content":"a cat"}]}
            """u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, OpenAIChat) { Request = request, Response = Fixtures.Bytes("openai-chat.json") }.Run();

        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "You are terse."),
            m => EventAssert.Message(m, "user", "What is in\n[image]\nthis picture?"),
            m => EventAssert.ToolCall(Assert.Single(m.ToolCalls!), "call_a", "describe", """{"detail":"high"}"""),
            m =>
            {
                EventAssert.Message(m, "tool", "a cat");
                Assert.Equal("call_a", m.ToolCallId);
            });
    }

    [Fact]
    public void Fill_AzureDeploymentWithoutBodyModel_TakesDeploymentFromPath()
    {
        var request = """{"messages":[{"role":"user","content":"hello"}]}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.OpenAI, "https://contoso.openai.azure.com/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21")
        {
            Request = request,
            Response = Fixtures.Bytes("openai-chat.json"),
        }.Run();

        Assert.Equal("my-gpt4o", evt.Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", evt.ResponseModel);
        Assert.Equal("openai.chat.completions", evt.Name);

        // "my-gpt4o" has no price: the response's model is priced instead (all 8 input tokens are cache reads, as above).
        EventAssert.Cost((8 * 0.075 + 9 * 0.60) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_AnthropicMessages_ReadsStopReasonAndUsage()
    {
        var evt = FixtureCall.Of(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-messages.json").Run();

        Assert.Equal("anthropic", evt.Provider);
        Assert.Equal("anthropic.messages", evt.Name);
        Assert.Equal("claude-sonnet-4-5-20250929", evt.Model);
        Assert.Equal("claude-sonnet-4-5-20250929", evt.ResponseModel);
        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "Hello, world");
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hi! My name is Claude.");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 2095, 503, 2598);
        EventAssert.Cost((2095 * 3.0 + 503 * 15.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_AnthropicWithCacheAndToolHistory_CountsCachedInputAndMapsBlocks()
    {
        var request = """
            {"model":"claude-haiku-4-5","system":[{"type":"text","text":"Be helpful."}],"messages":[
              {"role":"user","content":"weather?"},
              {"role":"assistant","content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_1","name":"weather","input":{"city":"Oslo"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"-3C"}]}]}]}
            """u8.ToArray();
        var response = """
            {"type":"message","model":"claude-haiku-4-5-20251001","content":[{"type":"thinking","thinking":"hmm"},{"type":"text","text":"It is cold."}],
             "stop_reason":"max_tokens","usage":{"input_tokens":10,"cache_read_input_tokens":100,"cache_creation_input_tokens":20,"output_tokens":7}}
            """u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages") { Request = request, Response = response }.Run();

        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "Be helpful."),
            m => EventAssert.Message(m, "user", "weather?"),
            m =>
            {
                EventAssert.Message(m, "assistant", "Checking.");
                EventAssert.ToolCall(Assert.Single(m.ToolCalls!), "toolu_1", "weather", """{"city":"Oslo"}""");
            },
            m =>
            {
                EventAssert.Message(m, "tool", "-3C");
                Assert.Equal("toolu_1", m.ToolCallId);
            });
        EventAssert.Message(evt.CompletionMessage, "assistant", "It is cold.");
        Assert.Equal("length", evt.FinishReason);
        EventAssert.Tokens(evt, 130, 7, 137);
        Assert.Equal(100, (int)evt.Metadata!["usage"]!["cache_read_input_tokens"]!);
    }

    [Fact]
    public void Fill_AnthropicError_RecordsTypeMessageAndStatus()
    {
        var call = FixtureCall.Of(ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-error.json");
        call.Status = 400;
        var result = call.Run();

        Assert.Equal(400, result.StatusCode);
        Assert.Equal("invalid_request_error", result.Error!.Type);
        Assert.Equal("messages: roles must alternate between \"user\" and \"assistant\"", result.Error.Message);
        Assert.Equal("error", result.FinishReason);
        Assert.Equal("claude-sonnet-4-5-20250929", result.Model);
        Assert.Null(result.CompletionMessage);
    }

    [Fact]
    public void Fill_GeminiGenerate_TakesModelFromPath()
    {
        var evt = FixtureCall.Of(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent", "gemini-generate.request.json", "gemini-generate.json").Run();

        Assert.Equal("google", evt.Provider);
        Assert.Equal("google.generate_content", evt.Name);
        Assert.Equal("gemini-2.0-flash", evt.Model);
        Assert.Equal("gemini-2.0-flash", evt.ResponseModel);
        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "What is the capital of France?");
        EventAssert.Message(evt.CompletionMessage, "assistant", "The capital of France is **Paris**.\n");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 7, 9, 16);
        EventAssert.Cost((7 * 0.10 + 9 * 0.40) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_GeminiFunctionCallWithStop_FinishesWithToolCalls()
    {
        var evt = FixtureCall.Of(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent", null, "gemini-generate-functioncall.json").Run();

        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        EventAssert.ToolCall(Assert.Single(evt.CompletionMessage.ToolCalls!), "GetWeather", "GetWeather", """{"location":"Melbourne"}""");
        EventAssert.Tokens(evt, 24, 4, 28);
    }

    [Fact]
    public void Fill_GeminiThinking_CountsThoughtsAsCompletionAndDropsThoughtText()
    {
        var evt = FixtureCall.Of(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", null, "gemini-generate-thinking-functioncall.json").Run();

        Assert.Equal("gemini-2.5-flash", evt.Model);
        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        EventAssert.ToolCall(Assert.Single(evt.CompletionMessage.ToolCalls!), "weather", "weather", """{"location":"Florence, Italy"}""");
        EventAssert.Tokens(evt, 54, 15 + 54, 123);
        Assert.Equal(54, (int)evt.Metadata!["usage"]!["thoughtsTokenCount"]!);
        EventAssert.Cost((54 * 0.30 + 69 * 2.50) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_GeminiError_RecordsStatusAsType()
    {
        var call = FixtureCall.Of(ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/wrong-model-name:generateContent", "gemini-generate.request.json", "gemini-error-404.json");
        call.Status = 404;
        var evt = call.Run();

        Assert.Equal(404, evt.StatusCode);
        Assert.Equal("NOT_FOUND", evt.Error!.Type);
        Assert.StartsWith("models/wrong-model-name is not found for API version v1beta", evt.Error.Message, StringComparison.Ordinal);
        Assert.Equal("error", evt.FinishReason);
        Assert.Equal("wrong-model-name", evt.Model);
    }

    [Fact]
    public void Fill_GeminiOnVertexWithSystemInstructionAndFunctionResponse_MapsRoles()
    {
        var request = """
            {"systemInstruction":{"parts":[{"text":"Answer in French."}]},"contents":[
              {"role":"user","parts":[{"text":"Weather?"}]},
              {"role":"model","parts":[{"functionCall":{"name":"weather","args":{"city":"Lyon"}}}]},
              {"role":"user","parts":[{"functionResponse":{"name":"weather","response":{"temp":21}}}]}]}
            """u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Google, "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent")
        {
            Request = request,
            Response = Fixtures.Bytes("gemini-generate.json"),
        }.Run();

        Assert.Equal("gemini-2.5-pro", evt.Model);
        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "Answer in French."),
            m => EventAssert.Message(m, "user", "Weather?"),
            m => EventAssert.ToolCall(Assert.Single(m.ToolCalls!), "weather", "weather", """{"city":"Lyon"}"""),
            m =>
            {
                Assert.Equal("tool", m.Role);
                Assert.Equal("weather", m.ToolCallId);
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"temp":21}"""), JsonNode.Parse(m.Content!)));
            });
    }

    [Fact]
    public void Fill_BedrockConverse_TakesEncodedModelFromPath()
    {
        var evt = FixtureCall.Of(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse", "bedrock-converse.request.json", "bedrock-converse.json").Run();

        Assert.Equal("bedrock", evt.Provider);
        Assert.Equal("bedrock.converse", evt.Name);
        Assert.Equal("amazon.nova-lite-v1:0", evt.Model);
        Assert.Null(evt.ResponseModel);
        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "hello how are you");
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hello! I'm doing well, thank you for asking. How can I assist you today? If you have any questions or need help with something, feel free to let me know.");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 4, 38, 42);
        EventAssert.Cost((4 * 0.06 + 38 * 0.24) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_BedrockConverseToolUse_ReadsToolCall()
    {
        var evt = FixtureCall.Of(ZespanProvider.Bedrock, "https://bedrock-runtime.us-west-2.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1:0/converse", null, "bedrock-converse-tooluse.json").Run();

        Assert.Equal("anthropic.claude-3-haiku-20240307-v1:0", evt.Model);
        Assert.Equal("tool_calls", evt.FinishReason);
        EventAssert.ToolCall(Assert.Single(evt.CompletionMessage!.ToolCalls!), "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "top_song", """{"sign":"WZPZ"}""");
        EventAssert.Tokens(evt, null, null, null);
        Assert.Null(evt.Cost);
    }

    [Fact]
    public void Fill_BedrockConverseWithCache_CountsCacheTokensAsPrompt()
    {
        var response = """{"output":{"message":{"role":"assistant","content":[{"text":"ok"}]}},"stopReason":"end_turn","usage":{"inputTokens":5,"outputTokens":2,"totalTokens":7,"cacheReadInputTokens":100,"cacheWriteInputTokens":10}}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/converse") { Response = response }.Run();

        EventAssert.Tokens(evt, 115, 2, 117);

        // 5 fresh input tokens at $3, 100 cache reads at $0.30, 10 cache writes at $3.75, 2 output tokens at $15.
        EventAssert.Cost((5 * 3.0 + 100 * 0.30 + 10 * 3.75 + 2 * 15.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_BedrockError_TakesTypeFromHeaderAndMessageFromBody()
    {
        var call = FixtureCall.Of(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/nope/converse", "bedrock-converse.request.json", "bedrock-error-400.json");
        call.Status = 400;
        call.Headers = new ProviderResponseHeaders(null, "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/", null, null, null, null, null);
        var evt = call.Run();

        Assert.Equal(400, evt.StatusCode);
        Assert.Equal("ValidationException", evt.Error!.Type);
        Assert.Equal("The provided model identifier is invalid.", evt.Error.Message);
        Assert.Equal("error", evt.FinishReason);
    }

    [Fact]
    public void Fill_BedrockInvokeAnthropic_ReadsAnthropicBody()
    {
        var request = """{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"Say hi in Portuguese"}]}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1%3A0/invoke")
        {
            Request = request,
            Response = Fixtures.Bytes("bedrock-invoke-anthropic.json"),
        }.Run();

        Assert.Equal("bedrock.invoke_model", evt.Name);
        Assert.Equal("us.anthropic.claude-haiku-4-5-20251001-v1:0", evt.Model);
        Assert.Equal("claude-haiku-4-5-20251001", evt.ResponseModel);
        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "Say hi in Portuguese");
        EventAssert.Message(evt.CompletionMessage, "assistant", "Olá! 👋\n\nHow can I help you today?");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 16, 18, 34);
        EventAssert.Cost((16 * 1.0 + 18 * 5.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_BedrockInvokeOtherFamily_TakesTokensFromHeaders()
    {
        var request = """{"prompt":"<|begin_of_text|>Hi","max_gen_len":64}"""u8.ToArray();
        var response = """{"generation":" Hello there!","stop_reason":"stop"}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/meta.llama3-3-70b-instruct-v1:0/invoke")
        {
            Request = request,
            Response = response,
            Headers = new ProviderResponseHeaders(null, null, 12, 3, null, null, null),
        }.Run();

        EventAssert.Message(Assert.Single(evt.PromptMessages!), "user", "<|begin_of_text|>Hi");
        EventAssert.Message(evt.CompletionMessage, "assistant", " Hello there!");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 12, 3, 15);
        EventAssert.Cost((12 * 0.72 + 3 * 0.72) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_MistralChat_UsesMistralProvider()
    {
        var evt = FixtureCall.Of(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", null, "mistral-chat.json").Run();

        Assert.Equal("mistral", evt.Provider);
        Assert.Equal("mistral.chat.completions", evt.Name);
        Assert.Equal("mistral-small-latest", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Dynamic Language");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 421, 3, 424);
        EventAssert.Cost((421 * 0.10 + 3 * 0.30) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_MistralParallelToolCalls_ReadsBothCalls()
    {
        var evt = FixtureCall.Of(ZespanProvider.Mistral, "https://api.mistral.ai/v1/chat/completions", null, "mistral-chat-toolcall.json").Run();

        Assert.Equal("tool_calls", evt.FinishReason);
        Assert.Null(evt.CompletionMessage!.Content);
        Assert.Collection(
            evt.CompletionMessage.ToolCalls!,
            c => EventAssert.ToolCall(c, "ARMRcKTps", "weather", """{"units": "celsius", "location": "London, UK"}"""),
            c => EventAssert.ToolCall(c, "6HQYyBgbW", "weather", """{"units": "celsius", "location": "Paris, France"}"""));
        EventAssert.Tokens(evt, 1404, 37, 1441);
    }

    [Fact]
    public void Fill_GroqChat_ReadsUsageAndPricesKimi()
    {
        var evt = FixtureCall.Of(ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", null, "groq-chat.json").Run();

        Assert.Equal("groq", evt.Provider);
        Assert.Equal("moonshotai/kimi-k2-instruct-0905", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Olá!");
        EventAssert.Tokens(evt, 20, 4, 24);
        Assert.Equal(0.189918723, (double)evt.Metadata!["usage"]!["queue_time"]!);
        EventAssert.Cost((20 * 1.0 + 4 * 3.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_OpenRouterBodyWithLeadingWhitespace_UsesReportedCost()
    {
        Assert.True(char.IsWhiteSpace((char)Fixtures.Bytes("openrouter-chat.json")[0]));
        var evt = FixtureCall.Of(ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", "openrouter-chat.request.json", "openrouter-chat.json").Run();

        Assert.Equal("openrouter", evt.Provider);
        Assert.Equal("openai/gpt-5.4-nano", evt.Model);
        Assert.Equal("openai/gpt-5.4-nano-20260317", evt.ResponseModel);
        Assert.Collection(
            evt.PromptMessages!,
            m => EventAssert.Message(m, "system", "You are a helpful assistant"),
            m => EventAssert.Message(m, "user", "Say hi in Portuguese"));
        EventAssert.Message(evt.CompletionMessage, "assistant", "Oi! 😊");
        Assert.Equal("stop", evt.FinishReason);
        EventAssert.Tokens(evt, 19, 7, 26);
        Assert.Equal(0.00001255, evt.Cost);
    }

    [Fact]
    public void Fill_LiteLlmCostHeader_IsTheCost()
    {
        var call = FixtureCall.Of(ZespanProvider.LiteLlm, "http://litellm.internal:4000/v1/chat/completions", "openai-chat.request.json", "openai-chat.json");
        call.Headers = new ProviderResponseHeaders(null, null, null, null, null, null, 0.0042);
        var evt = call.Run();

        Assert.Equal("litellm", evt.Provider);
        Assert.Equal("litellm.chat.completions", evt.Name);
        Assert.Equal(0.0042, evt.Cost);
    }

    [Fact]
    public void Fill_ProviderLabel_NamesProviderAndEvent()
    {
        var call = FixtureCall.Of(ZespanProvider.OpenAI, "https://api.deepseek.com/chat/completions", "openai-chat.request.json", "openai-chat.json");
        call.ProviderLabel = "deepseek";
        var evt = call.Run();

        Assert.Equal("deepseek", evt.Provider);
        Assert.Equal("deepseek.chat.completions", evt.Name);
    }

    [Fact]
    public void Fill_ConfiguredPrice_OverridesBuiltInTable()
    {
        var call = FixtureCall.Of(ZespanProvider.OpenAI, OpenAIChat, "openai-chat.request.json", "openai-chat.json");
        call.Prices = [new ModelPrice { Model = "gpt-4o-mini", InputPerMillion = 1m, OutputPerMillion = 2m }];
        var evt = call.Run();

        EventAssert.Cost((8 * 1.0 + 9 * 2.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Fill_ModelOverride_RecordsRequestedAndSentModel()
    {
        var call = FixtureCall.Of(ZespanProvider.OpenAI, OpenAIChat, "openai-chat.request.json", "openai-chat.json");
        call.RequestedModel = "gpt-4o";
        call.OverriddenModel = "gpt-4o-mini";
        var evt = call.Run();

        Assert.Equal("gpt-4o", evt.RequestedModel);
        Assert.Equal("gpt-4o-mini", evt.Model);
    }

    public static TheoryData<string, ZespanProvider, string, string?, string, string?, int> AllCalls => new()
    {
        { "openai-chat", ZespanProvider.OpenAI, OpenAIChat, "openai-chat.request.json", "openai-chat.json", "application/json", 200 },
        { "openai-chat-stream", ZespanProvider.OpenAI, OpenAIChat, "openai-chat-stream.request.json", "openai-chat-stream.sse", "text/event-stream", 200 },
        { "openai-toolcall-stream", ZespanProvider.OpenAI, OpenAIChat, "openai-chat-stream.request.json", "openai-chat-toolcall-stream.sse", "text/event-stream", 200 },
        { "openai-responses", ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", "openai-responses.request.json", "openai-responses.json", "application/json", 200 },
        { "openai-responses-stream", ZespanProvider.OpenAI, "https://api.openai.com/v1/responses", "openai-responses.request.json", "openai-responses-stream.sse", "text/event-stream", 200 },
        { "anthropic", ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-messages.json", "application/json", 200 },
        { "anthropic-stream", ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-stream-tooluse.sse", "text/event-stream", 200 },
        { "gemini", ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent", "gemini-generate.request.json", "gemini-generate.json", "application/json", 200 },
        { "gemini-stream", ZespanProvider.Google, "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", "gemini-generate.request.json", "gemini-stream.sse", "text/event-stream", 200 },
        { "bedrock", ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse", "bedrock-converse.request.json", "bedrock-converse.json", "application/json", 200 },
        { "bedrock-stream", ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.nova-lite-v1:0/converse-stream", "bedrock-converse.request.json", "bedrock-converse-stream-tooluse.bin", "application/vnd.amazon.eventstream", 200 },
        { "bedrock-invoke-stream", ZespanProvider.Bedrock, "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke-with-response-stream", "anthropic-messages.request.json", "bedrock-invoke-stream.bin", "application/vnd.amazon.eventstream", 200 },
        { "groq-stream", ZespanProvider.Groq, "https://api.groq.com/openai/v1/chat/completions", "groq-stream.request.json", "groq-stream.sse", "text/event-stream", 200 },
        { "openrouter", ZespanProvider.OpenRouter, "https://openrouter.ai/api/v1/chat/completions", "openrouter-chat.request.json", "openrouter-chat.json", "application/json", 200 },
        { "anthropic-error", ZespanProvider.Anthropic, "https://api.anthropic.com/v1/messages", "anthropic-messages.request.json", "anthropic-error.json", "application/json", 400 },
    };

    [Theory]
    [MemberData(nameof(AllCalls))]
    public void Fill_StorePromptsFalse_CapturesNoMessageText(string label, ZespanProvider provider, string url, string? request, string response, string? contentType, int status)
    {
        var call = FixtureCall.Of(provider, url, request, response, contentType);
        call.Status = status;
        call.StorePrompts = false;
        var evt = call.Run();

        Assert.Null(evt.PromptMessages);
        Assert.Null(evt.CompletionMessage);
        Assert.False(string.IsNullOrEmpty(evt.Name), label);
        if (status == 200)
        {
            Assert.NotNull(evt.TotalTokens);
            Assert.NotNull(evt.FinishReason);
        }
    }

    [Theory]
    [MemberData(nameof(AllCalls))]
    public void Fill_CapturedWithStorePrompts_CompletionOrErrorPresent(string label, ZespanProvider provider, string url, string? request, string response, string? contentType, int status)
    {
        var call = FixtureCall.Of(provider, url, request, response, contentType);
        call.Status = status;
        var evt = call.Run();

        Assert.NotNull(evt.PromptMessages);
        Assert.True(evt.CompletionMessage is not null || evt.Error is not null, label);
    }
}

public class ProviderResponseHeadersTests
{
    [Fact]
    public void From_Response_ReadsTheHeadersParsersUse()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new StringContent("{}") };
        response.Content.Headers.ContentType = new("application/vnd.amazon.eventstream");
        response.Headers.TryAddWithoutValidation("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/");
        response.Headers.TryAddWithoutValidation("X-Amzn-Bedrock-Input-Token-Count", "16");
        response.Headers.TryAddWithoutValidation("x-amzn-bedrock-output-token-count", "18");
        response.Headers.TryAddWithoutValidation("X-Amzn-Bedrock-Cache-Read-Input-Token-Count", "4");
        response.Headers.TryAddWithoutValidation("x-litellm-response-cost", "0.000123");

        var headers = ProviderResponseHeaders.From(response);

        Assert.Equal("application/vnd.amazon.eventstream", headers.ContentType);
        Assert.StartsWith("ThrottlingException:", headers.AmznErrorType, StringComparison.Ordinal);
        Assert.Equal(16, headers.BedrockInputTokens);
        Assert.Equal(18, headers.BedrockOutputTokens);
        Assert.Equal(4, headers.BedrockCacheReadTokens);
        Assert.Null(headers.BedrockCacheWriteTokens);
        Assert.Equal(0.000123, headers.LiteLlmCost);
    }

    [Fact]
    public void From_GarbageValues_AreIgnored()
    {
        using var response = new HttpResponseMessage(System.Net.HttpStatusCode.OK);
        response.Headers.TryAddWithoutValidation("X-Amzn-Bedrock-Input-Token-Count", "many");
        response.Headers.TryAddWithoutValidation("x-litellm-response-cost", "NaN");

        var headers = ProviderResponseHeaders.From(response);

        Assert.Null(headers.BedrockInputTokens);
        Assert.Null(headers.LiteLlmCost);
        Assert.Null(headers.ContentType);
    }
}

public class VertexAnthropicTests
{
    [Fact]
    public void Fill_VertexRawPredict_ReadsAnthropicBodyWithPathModel()
    {
        var request = """{"anthropic_version":"vertex-2023-10-16","max_tokens":256,"messages":[{"role":"user","content":"Hello, world"}]}"""u8.ToArray();
        var evt = new FixtureCall(ZespanProvider.Google, "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict")
        {
            Request = request,
            Response = Fixtures.Bytes("anthropic-messages.json"),
        }.Run();

        Assert.Equal("google", evt.Provider);
        Assert.Equal("claude-sonnet-4-5@20250929", evt.Model);
        Assert.Equal("claude-sonnet-4-5-20250929", evt.ResponseModel);
        EventAssert.Message(evt.CompletionMessage, "assistant", "Hi! My name is Claude.");
        EventAssert.Tokens(evt, 2095, 503, 2598);
        EventAssert.Cost((2095 * 3.0 + 503 * 15.0) / 1e6, evt.Cost);
    }

    [Fact]
    public void Apply_VertexAnthropicOverride_RewritesPathModel()
    {
        var rules = new List<ModelOverride> { new() { From = "claude-sonnet-4-5@20250929", To = "claude-haiku-4-5@20251001" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict");
        var endpoint = LlmEndpoint.Detect(ZespanProvider.Google, request.RequestUri!);

        var result = ModelOverrideRewriter.Apply(request, endpoint, default, rules);

        Assert.True(result.Applied);
        Assert.Equal("https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict", request.RequestUri!.ToString());
    }
}
