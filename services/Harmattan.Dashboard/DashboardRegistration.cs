using Harmattan.Hosting;
using Harmattan.Stations;
using Harmattan.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
        services.AddHealthChecks().AddCheck<StoreReadableHealthCheck>("pipeline-store", tags: [ServiceDefaults.ReadyTag]);
        return services;
    }

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public const string ApiCacheControl = "no-cache";

    /// <summary>The page at <c>/</c>, its scripts and the chart library (embedded in this assembly), and the JSON API under <c>/api</c>.</summary>
    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardRegistration).Assembly, "Harmattan.Dashboard.wwwroot");
        app.Use((context, next) =>
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
            return next(context);
        });
        // An exception is a problem body (503 when the store did not answer or is of a newer version), not a 500 without one.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
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
