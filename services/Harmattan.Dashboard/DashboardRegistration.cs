using System.Globalization;
using System.Threading.RateLimiting;
using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;

namespace Harmattan.Dashboard;

public static class DashboardRegistration
{
    /// <summary>
    /// The dashboard's services over an <see cref="IPipelineStore"/> registered beside it (read side only: it never
    /// creates the schema nor writes), a readiness check that the store answers, and problem answers for failures.
    /// </summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStations(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StationDirectory>();
        services.TryAddSingleton<StoreVersionGate>();
        services.AddProblemDetails();
        services.AddExceptionHandler<StoreUnavailableHandler>();
        services.AddRateLimiter(options =>
        {
            // Anyone who reaches the page may ask the API for years of rows (megabytes each, held while written): a few at
            // once per process, the others waiting their turn, bound the memory they take whatever arrives.
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Request.Path.StartsWithSegments("/api")
                    ? RateLimitPartition.GetConcurrencyLimiter("api", _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = ConcurrentApiRequests,
                        QueueLimit = QueuedApiRequests,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            // The limiter has set 503; the page shows the problem's detail, as for a store that does not answer.
            options.OnRejected = async (context, _) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = BusyRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status503ServiceUnavailable,
                        Title = BusyTitle,
                        Detail = $"The dashboard is answering as many requests as it can at once; try again in {BusyRetryAfterSeconds} s.",
                    },
                });
            };
        });
        services.AddHealthChecks().AddCheck<StoreReadableHealthCheck>("pipeline-store", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public const string ApiCacheControl = "no-cache";

    /// <summary>API requests answered at once per process: each may hold megabytes (ten years of a station's days), and two keep busy the two cores the process counts (DOTNET_PROCESSOR_COUNT in the manifests).</summary>
    public const int ConcurrentApiRequests = 2;

    /// <summary>API requests waiting their turn; one more is answered 503 with Retry-After.</summary>
    public const int QueuedApiRequests = 64;

    public const int BusyRetryAfterSeconds = 5;

    public const string BusyTitle = "The dashboard is busy";

    /// <summary>The page at <c>/</c>, its scripts and the chart library (embedded in this assembly), and the JSON API under <c>/api</c>.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardRegistration).Assembly, "Harmattan.Dashboard.wwwroot");
        app.Use((context, next) =>
        {
            // Set as the answer starts, so that an answer the exception handler wrote after clearing the headers has them too.
            context.Response.OnStarting(() =>
            {
                // The page loads only its own files and asks only its own API: an injected script or style, a frame around it
                // on another site, or a response read as another content type are refused by the browser.
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                // The API's answers change with every hour stored: a browser or proxy asks again rather than show an old one.
                if (context.Request.Path.StartsWithSegments("/api"))
                    headers.CacheControl = ApiCacheControl;
                return Task.CompletedTask;
            });
            return next(context);
        });
        // An exception is a problem body (503 when the store did not answer or is of a newer version), not a 500 without one.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // The files change only with a new build; a revalidation per page load is cheap and never serves a stale page.
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapDashboardApi();
        return app;
    }
}
