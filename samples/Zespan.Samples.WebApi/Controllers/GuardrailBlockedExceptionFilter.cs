using System.ClientModel;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Zespan.Extensions;

namespace Zespan.Samples.WebApi.Controllers;

/// <summary>
/// Answers <see cref="GuardrailBlockedException"/> with <c>422 Unprocessable Entity</c> problem details naming the
/// policies that blocked the call, and a provider error (<see cref="ClientResultException"/>) with <c>502</c>.
/// An MVC exception filter (not <c>UseExceptionHandler</c>) so the response keeps the <c>X-Zespan-Trace-Id</c> header.
/// </summary>
public sealed class GuardrailBlockedExceptionFilter(ProblemDetailsFactory problems) : IExceptionFilter
{
    /// <inheritdoc />
    public void OnException(ExceptionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.HttpContext.Response.HasStarted)
        {
            return; // a stream already under way cannot change its status
        }

        ProblemDetails problem;
        switch (context.Exception)
        {
            case GuardrailBlockedException blocked:
                var blocking = blocked.Results.Where(static r => !r.Passed && r.Action == "block").ToArray();
                problem = problems.CreateProblemDetails(
                    context.HttpContext,
                    StatusCodes.Status422UnprocessableEntity,
                    title: "Blocked by a guardrail",
                    detail: blocked.Phase == GuardrailPhase.Pre
                        ? "The message was not sent to the model: " + Reasons(blocking)
                        : "The model's answer was withheld: " + Reasons(blocking));
                problem.Extensions["phase"] = blocked.Phase == GuardrailPhase.Pre ? "pre" : "post";
                problem.Extensions["policies"] = blocking.Select(static r => new { policy = r.Policy, action = r.Action, reason = r.Reason }).ToArray();
                break;
            case ClientResultException provider:
                problem = problems.CreateProblemDetails(
                    context.HttpContext,
                    StatusCodes.Status502BadGateway,
                    title: "The model provider failed",
                    detail: $"The provider answered {provider.Status}.");
                break;
            default:
                return;
        }

        if (context.HttpContext.Response.Headers.TryGetValue(SampleHeaders.TraceId, out var traceId))
        {
            problem.Extensions["zespanTraceId"] = traceId.ToString();
        }

        context.Result = new ObjectResult(problem) { StatusCode = problem.Status, ContentTypes = { "application/problem+json" } };
        context.ExceptionHandled = true;
    }

    private static string Reasons(GuardrailResult[] results) =>
        results.Length == 0 ? "a policy blocked it." : string.Join("; ", results.Select(static r => $"{r.Policy} ({r.Reason ?? "no reason given"})")) + ".";
}
