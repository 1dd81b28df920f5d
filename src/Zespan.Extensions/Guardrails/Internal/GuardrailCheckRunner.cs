using Microsoft.Extensions.Logging;
using Zespan.Extensions.Providers.Internal;
using Zespan.Extensions.Tracing.Internal;
using Zespan.Extensions.Events.Internal;

namespace Zespan.Extensions.Guardrails.Internal;

/// <summary>
/// The guardrail steps shared by the provider HTTP handler and the <c>IChatClient</c> middleware: which
/// checks apply to a call, running one check (fail open or closed), and recording it as a <c>guardrail</c>
/// event. What is checked and how a verdict is applied (a request body, a message list) stays with each caller.
/// </summary>
internal static class GuardrailCheckRunner
{
    /// <summary>
    /// The most a post-check holds back of one response (the HTTP body, or the updates of an IChatClient stream,
    /// counted by their content): 4 MiB. Beyond it the check fails and <see cref="GuardrailOptions.FailClosed"/> decides.
    /// </summary>
    public const int MaxHeldBytes = 4 * 1024 * 1024;

    /// <summary>The reason recorded when a response outgrew <see cref="MaxHeldBytes"/>.</summary>
    public const string HeldBackTooLarge = "The response is larger than the 4 MiB a post-check holds back.";

    /// <summary>
    /// The checks that apply to a call: the client's own options win; then the first rule (local, then remote)
    /// for its provider, its label or <c>*</c>. Null when no check applies.
    /// </summary>
    /// <param name="own">The client's own guardrail options, if any.</param>
    /// <param name="rules">The merged <see cref="ZespanOptions.GuardrailRules"/>.</param>
    /// <param name="provider">The provider's Zespan name (<c>openai</c>, <c>anthropic</c>, ...).</param>
    /// <param name="label">The client's provider label (<c>ProviderName</c>), if any.</param>
    /// <param name="allowRemote">False when the client forbids remote rules (<see cref="ZespanInstrumentationOptions.AllowRemoteGuardrails"/>): they are skipped.</param>
    public static (bool Pre, bool Post, bool FailClosed)? Resolve(GuardrailOptions? own, IList<GuardrailRule> rules, string? provider, string? label, bool allowRemote = true)
    {
        if (own is not null)
        {
            return own.Pre || own.Post ? (own.Pre, own.Post, own.FailClosed) : null;
        }

        if (rules.Count == 0)
        {
            return null;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.IsRemote && !allowRemote)
            {
                continue;
            }

            if (rule.Provider == "*"
                || (provider is not null && string.Equals(rule.Provider, provider, StringComparison.OrdinalIgnoreCase))
                || (label is not null && string.Equals(rule.Provider, label, StringComparison.OrdinalIgnoreCase)))
            {
                return rule.Pre || rule.Post ? (rule.Pre, rule.Post, rule.FailClosed) : null;
            }
        }

        return null;
    }

    /// <summary>Runs a check and records it as a <c>guardrail</c> event; null when the check failed open.</summary>
    /// <param name="client">The guardrail client.</param>
    /// <param name="tracer">The tracer the <c>guardrail</c> event is recorded with.</param>
    /// <param name="logger">The <c>Zespan</c> logger.</param>
    /// <param name="check">What to check.</param>
    /// <param name="failClosed">Whether a failed check blocks (a <c>zespan.unavailable</c> result) or lets the call through.</param>
    /// <param name="parent">The generation the check belongs to (its <c>guardrail</c> event becomes a child), if recorded.</param>
    /// <param name="async">False for the synchronous <c>HttpClient.Send</c> path (synchronous HTTP, completes synchronously).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public static async ValueTask<GuardrailCheckResult?> CheckAsync(
        GuardrailClient client,
        ZespanTracer tracer,
        ILogger logger,
        GuardrailCheckRequest check,
        bool failClosed,
        ZespanEvent? parent,
        bool async,
        CancellationToken cancellationToken)
    {
        GuardrailCheckResult result;
        try
        {
            result = async
                ? await client.CheckAsync(check, cancellationToken).ConfigureAwait(false)
                : client.Check(check, cancellationToken);
        }
        catch (Exception ex) when (GuardrailClient.IsCheckFailure(ex, cancellationToken))
        {
            // Whatever failed (the backend, the client, a bug): FailClosed alone decides. Only the caller's own
            // cancellation goes back to the caller as it is.
            return Failed(tracer, logger, check, failClosed, parent, ex is GuardrailUnavailableException ? ex.Message : "The guardrail check failed (" + ex.GetType().Name + ").");
        }

        Record(tracer, logger, check, parent, result);
        return result;
    }

    /// <summary>
    /// A check that failed before it could give a verdict (the backend, the client, a held-back response over
    /// <see cref="MaxHeldBytes"/>): recorded as a <c>zespan.unavailable</c> result. Null when it fails open (logged),
    /// else the blocking result.
    /// </summary>
    /// <param name="tracer">The tracer the <c>guardrail</c> event is recorded with.</param>
    /// <param name="logger">The <c>Zespan</c> logger.</param>
    /// <param name="check">What was to be checked.</param>
    /// <param name="failClosed">Whether a failed check blocks.</param>
    /// <param name="parent">The generation the check belongs to, if recorded.</param>
    /// <param name="reason">Why the check failed (no content).</param>
    public static GuardrailCheckResult? Failed(ZespanTracer tracer, ILogger logger, GuardrailCheckRequest check, bool failClosed, ZespanEvent? parent, string reason)
    {
        if (!failClosed)
        {
            ZespanHandlerServices.LogGuardrailFailedOpen(logger, reason);
            Record(tracer, logger, check, parent, new GuardrailCheckResult { Passed = true, Results = [new GuardrailResult { Policy = "zespan.unavailable", Passed = true, Action = "allow", Reason = reason }] });
            return null;
        }

        var result = new GuardrailCheckResult { Passed = false, Results = [GuardrailClient.UnavailableResult(reason)] };
        Record(tracer, logger, check, parent, result);
        return result;
    }

    /// <summary>
    /// A verdict that could not be applied because applying it failed (the rewriter threw on the body): a failed check,
    /// so <paramref name="failClosed"/> decides. Returns when the call goes on (logged); throws
    /// <see cref="GuardrailBlockedException"/> with a <c>zespan.unavailable</c> result when it fails closed.
    /// </summary>
    /// <param name="phase">The phase whose verdict could not be applied.</param>
    /// <param name="failClosed">Whether a failed check blocks.</param>
    /// <param name="logger">The <c>Zespan</c> logger.</param>
    /// <param name="failure">What failed.</param>
    public static void FailOpenOrBlock(GuardrailPhase phase, bool failClosed, ILogger logger, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var reason = failure is GuardrailUnavailableException ? failure.Message : "The guardrail verdict could not be applied (" + failure.GetType().Name + ").";
        if (failClosed)
        {
            throw new GuardrailBlockedException(phase, [GuardrailClient.UnavailableResult(reason)]);
        }

        ZespanHandlerServices.LogGuardrailFailedOpen(logger, reason);
    }

    /// <summary>Records a check as a <c>guardrail</c> event (a child of <paramref name="parent"/> when given). Never throws.</summary>
    public static void Record(ZespanTracer tracer, ILogger logger, GuardrailCheckRequest check, ZespanEvent? parent, GuardrailCheckResult result)
    {
        try
        {
            var phase = check.Phase == GuardrailPhase.Pre ? "pre" : "post";
            var started = parent is not null
                ? tracer.TryStartChildEvent(parent, LogTypes.Guardrail, "guardrail." + phase, out var item)
                : tracer.TryStartEvent(LogTypes.Guardrail, "guardrail." + phase, out item);
            if (!started || item is null)
            {
                return;
            }

            item.Provider = check.Provider;
            item.Model = check.Model;
            item.Guardrail = new GuardrailInfo { Phase = phase, Passed = !result.Blocked, Results = result.Results };
            if (result.Blocked)
            {
                item.StatusCode = 403;
                item.Error = new ZespanError("guardrail_blocked", "A guardrail blocked the " + (phase == "pre" ? "prompt." : "completion."));
            }

            tracer.Complete(item);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ZespanHandlerServices.LogInstrumentationFailed(logger, ex);
        }
    }
}
