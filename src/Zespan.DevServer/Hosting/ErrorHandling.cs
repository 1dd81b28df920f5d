using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Zespan.DevServer.Api;

namespace Zespan.DevServer.Hosting;

/// <summary>
/// Makes every non-2xx answer carry <c>{"error": {"type", "message"}}</c>: refusals thrown as <see cref="ApiException"/>,
/// Kestrel's own bad requests, unexpected exceptions (500; the server keeps serving), and empty 404/405 answers from routing.
/// </summary>
internal static class ErrorHandling
{
    public static async Task InvokeAsync(HttpContext context, RequestDelegate next, ILogger logger)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            logger.RequestRejected(context.Request.Path.Value ?? "/", e.Status, e.Message);
            ResetResponse(context);
            await HttpJson.WriteErrorAsync(context, e.Status, e.Type, e.Message).ConfigureAwait(false);
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            logger.RequestRejected(context.Request.Path.Value ?? "/", e.StatusCode, e.Message);
            ResetResponse(context);
            await HttpJson.WriteErrorAsync(context, e.StatusCode, ApiErrors.TypeForStatus(e.StatusCode), e.Message).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            logger.UnhandledError(e, context.Request.Method, context.Request.Path.Value ?? "/");
            ResetResponse(context);
            await HttpJson.WriteErrorAsync(context, 500, ApiErrors.InternalError, "the server failed: " + e.GetType().Name).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null or 0 && string.IsNullOrEmpty(response.ContentType)
            && !HttpMethods.IsHead(context.Request.Method))
        {
            await HttpJson.WriteErrorAsync(context, response.StatusCode, ApiErrors.TypeForStatus(response.StatusCode), ApiErrors.MessageForStatus(response.StatusCode))
                .ConfigureAwait(false);
        }
    }

    private static void ResetResponse(HttpContext context)
    {
        context.Response.Clear();
    }
}
