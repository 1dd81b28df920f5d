using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Moq;
using Zespan.Extensions;
using Zespan.Samples.WebApi.Controllers;
using Zespan.Samples.WebApi.Services;

namespace Zespan.Samples.Tests.WebApi;

/// <summary>
/// The support controller on its own: Zespan's <see cref="IPromptClient"/> and <see cref="IZespanTracer"/> are Moq
/// mocks (seams without a wire, as an app's own controller tests would have them), the model is the dev server's mock
/// OpenAI endpoint over loopback HTTP.
/// </summary>
public sealed class SupportControllerTests
{
    private static readonly Prompt Managed = new()
    {
        Name = SupportController.PromptName,
        Version = 7,
        PromptType = PromptType.Text,
        Text = "You help {{user}} with {{product}}.",
        Labels = [SupportController.PromptLabel],
    };

    [Fact]
    public async Task Chat_ManagedPrompt_CompilesItForTheSignedInUserInsideASpan()
    {
        await using var server = await TestDevServer.StartAsync();
        var prompts = new Mock<IPromptClient>(MockBehavior.Strict);
        prompts.Setup(p => p.GetAsync(SupportController.PromptName, SupportController.FallbackPrompt, SupportController.PromptLabel, null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(Managed);
        prompts.Setup(p => p.Compile(Managed, It.Is<IReadOnlyDictionary<string, object?>>(v => (string?)v["user"] == "alice" && (string?)v["product"] == "Zespan")))
            .Returns("You help alice with Zespan.");
        var tracer = new Mock<IZespanTracer>(MockBehavior.Strict);
        tracer.Setup(t => t.StartSpan("support.chat")).Returns(ZespanSpan.NonRecording);
        using var http = new HttpClient();
        var controller = Controller(server, http, prompts.Object, tracer.Object, user: "alice");

        var result = await controller.Chat(new ChatRequest("Where is my order?"), CancellationToken.None);

        var reply = Assert.IsType<ChatReply>(result.Value);
        Assert.Equal("This is a mock reply from gpt-4o-mini. You said: \"Where is my order?\"", reply.Reply);
        Assert.Equal(7, reply.PromptVersion);
        Assert.Equal(ZespanSpan.NonRecording.TraceId, reply.TraceId);
        Assert.Equal(ZespanSpan.NonRecording.TraceId, controller.Response.Headers[SampleHeaders.TraceId].ToString());
        tracer.Verify(t => t.StartSpan("support.chat"), Times.Once);
        prompts.VerifyAll();
    }

    [Fact]
    public async Task Chat_PromptClientAnswersWithTheFallback_ReportsNoPromptVersion()
    {
        await using var server = await TestDevServer.StartAsync();
        var fallback = SupportController.FallbackPrompt with { IsFallback = true };
        var prompts = new Mock<IPromptClient>();
        prompts.Setup(p => p.GetAsync(SupportController.PromptName, It.IsAny<Prompt>(), SupportController.PromptLabel, null, It.IsAny<CancellationToken>()))
            .ReturnsAsync(fallback);
        prompts.Setup(p => p.Compile(fallback, It.IsAny<IReadOnlyDictionary<string, object?>>())).Returns("Answer briefly.");
        var tracer = new Mock<IZespanTracer>();
        tracer.Setup(t => t.StartSpan(It.IsAny<string>())).Returns(ZespanSpan.NonRecording);
        using var http = new HttpClient();
        var controller = Controller(server, http, prompts.Object, tracer.Object, user: null);

        var result = await controller.Chat(new ChatRequest("Hi"), CancellationToken.None);

        var reply = Assert.IsType<ChatReply>(result.Value);
        Assert.Null(reply.PromptVersion);
        prompts.Verify(p => p.Compile(fallback, It.Is<IReadOnlyDictionary<string, object?>>(v => (string?)v["user"] == "the customer")), Times.Once);
    }

    private static SupportController Controller(TestDevServer server, HttpClient http, IPromptClient prompts, IZespanTracer tracer, string? user)
    {
        var bot = new SupportBot(http, Options.Create(new OpenAISettings { Endpoint = server.OpenAIMockEndpoint }));
        var identity = user is null ? new ClaimsIdentity() : new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "Test");
        return new SupportController(bot, prompts, tracer)
        {
            ControllerContext = new ControllerContext { HttpContext = new DefaultHttpContext { User = new ClaimsPrincipal(identity) } },
        };
    }
}
