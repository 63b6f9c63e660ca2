using MassTransit.Logging;
using MassTransit.Monitoring;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Harmattan.Hosting.Telemetry;

public static class TelemetryRegistration
{
    /// <summary>The OpenTelemetry SDK's own variable: traces are exported by OTLP only where a collector is named.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Metrics (the pipeline's, MassTransit's, ASP.NET Core's, HttpClient's and the runtime's) for Prometheus, and
    /// traces (MassTransit carries the trace context from message to message) for OTLP when it is configured.
    /// </summary>
    public static IServiceCollection AddHarmattanTelemetry(this IServiceCollection services, IConfiguration configuration,
        string serviceName)
    {
        var telemetry = services.AddOpenTelemetry()
            // Each process has a service.instance.id of its own, and host.name is the container's or the pod's, which a
            // restart keeps: Prometheus's target_info then counts a crash loop's starts (HarmattanServiceRestarting).
            .ConfigureResource(resource => resource.AddService("harmattan-" + serviceName)
                .AddAttributes([new("host.name", Environment.MachineName)]))
            .WithMetrics(metrics => metrics
                .AddMeter(HarmattanTelemetry.Name, InstrumentationOptions.MeterName)
                .AddRuntimeInstrumentation()
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]))
            telemetry.WithTracing(tracing => tracing
                .AddSource(HarmattanTelemetry.Name, DiagnosticHeaders.DefaultListenerName)
                .AddHttpClientInstrumentation()
                // Probes and scrapes would be most of the traces and say nothing about the pipeline.
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context =>
                    !context.Request.Path.StartsWithSegments("/health") && !context.Request.Path.StartsWithSegments("/metrics"))
                .AddOtlpExporter());
        return services;
    }

    /// <summary>
    /// <c>/metrics</c> in the Prometheus text format, on the port of the health endpoints, where
    /// <see cref="AddHarmattanTelemetry"/> was called.
    /// </summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        if (app.Services.GetService<MeterProvider>() is not null)
            app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
