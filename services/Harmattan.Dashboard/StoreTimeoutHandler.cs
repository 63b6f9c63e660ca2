using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Harmattan.Dashboard;

/// <summary>
/// A store that did not answer in time (the store's <see cref="TimeoutException"/>) is a 503 problem, logged once with
/// the store's own message, which names it and the setting that bounds the wait. The answer does not repeat that
/// message: a browser gets no host names. Any other exception is left to the default handler (a 500 problem).
/// </summary>
public sealed class StoreTimeoutHandler(IProblemDetailsService problems, ILogger<StoreTimeoutHandler> logger) : IExceptionHandler
{
    /// <summary>When a client may try again: the store is usually back within seconds of a failover or restart.</summary>
    public const int RetryAfterSeconds = 10;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not TimeoutException)
            return false;
        logger.LogWarning("{Method} {Path} answered 503: {Reason}", context.Request.Method, context.Request.Path.Value, exception.Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The store did not answer",
                Detail = $"The pipeline store did not answer in time; try again in {RetryAfterSeconds} s. The dashboard's log names the store and the setting that bounds the wait.",
            },
        });
    }
}
