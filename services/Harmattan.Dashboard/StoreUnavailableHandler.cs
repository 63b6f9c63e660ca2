using System.Globalization;
using Harmattan.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Harmattan.Dashboard;

/// <summary>
/// A store the API cannot answer from is a 503 problem, logged once with the store's own message:
/// <list type="bullet">
/// <item>one that did not answer in time (the store's <see cref="TimeoutException"/>): the answer does not repeat the
/// message, which names hosts and settings, and asks to try again in <see cref="RetryAfterSeconds"/>;</item>
/// <item>one that is not there yet (a <see cref="StoreNotReadyException"/>: a SQLite path or a MongoDB database with no
/// store, which the loader creates when it starts): the same, with the same time to try again in;</item>
/// <item>one written by a newer version of Harmattan (<see cref="NewerStoreException"/>, from
/// <see cref="StoreVersionGate"/>): the answer says to run a newer dashboard, without a time to try again in, as nothing
/// changes until someone does; the log has the message, with the store, both schema versions and how to go back.</item>
/// </list>
/// Any other exception is left to the default handler (a 500 problem).
/// </summary>
public sealed class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    /// <summary>When a client may try again: the store is usually back within seconds of a failover or restart.</summary>
    public const int RetryAfterSeconds = 10;

    public const string NewerStoreTitle = "The store was written by a newer version of Harmattan";

    // Like the timeout's, the public answer leaves out the store's file or hosts: the page and API are unauthenticated.
    public const string NewerStoreDetail = "The pipeline store was written by a newer version of Harmattan than this dashboard's: " +
        "run the dashboard of that version or a later one. The dashboard's log names the store, both schema versions and how to go back.";

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        switch (exception)
        {
            case TimeoutException:
                problem = TryAgainLater(context, "The store did not answer",
                    $"The pipeline store did not answer in time; try again in {RetryAfterSeconds} s. The dashboard's log names the store and the setting that bounds the wait.");
                break;
            case StoreNotReadyException:
                problem = TryAgainLater(context, "The store is not ready",
                    $"The pipeline store does not exist yet or cannot be used; try again in {RetryAfterSeconds} s. The dashboard's log says why.");
                break;
            case NewerStoreException:
                problem = new ProblemDetails { Title = NewerStoreTitle, Detail = NewerStoreDetail };
                break;
            default:
                return false;
        }
        logger.LogWarning("{Method} {Path} answered 503: {Reason}", context.Request.Method, context.Request.Path.Value, exception.Message);
        problem.Status = context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private static ProblemDetails TryAgainLater(HttpContext context, string title, string detail)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return new ProblemDetails { Title = title, Detail = detail };
    }
}
