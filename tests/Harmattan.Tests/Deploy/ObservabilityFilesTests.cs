using System.Diagnostics.Metrics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Harmattan.Hosting.Telemetry;

namespace Harmattan.Tests.Deploy;

/// <summary>
/// The Grafana dashboard and the alert rules (compose and Kubernetes) query metrics the services and RabbitMQ really
/// expose, both copies of the rules agree, and the rules fire as their tests say.
/// </summary>
public class ObservabilityFilesTests
{
    [Theory]
    [InlineData("deploy/observability/grafana-dashboard.json")]
    [InlineData("deploy/observability/alerts.yml")]
    [InlineData("deploy/k8s/overlays/prod/prometheusrule.yaml")]
    public void Every_harmattan_metric_queried_is_one_the_services_expose(string file)
    {
        var text = File.ReadAllText(Repository.PathOf(file));
        var queried = Regex.Matches(text, @"\bharmattan_[a-z0-9_]+").Select(m => Regex.Replace(m.Value, "_(bucket|sum|count)$", "")).ToHashSet();

        Assert.NotEmpty(queried);
        Assert.All(queried, name => Assert.Contains(name, ExposedNames()));
    }

    [Fact]
    public void The_kubernetes_prometheus_rule_carries_the_same_rules_as_alerts_yml_then_kubernetes_alerts_yml()
    {
        var alerts = Yaml.ParseAll(File.ReadAllText(Repository.PathOf("deploy/observability/alerts.yml"))).Single();
        var kubernetesAlerts = Yaml.ParseAll(File.ReadAllText(Repository.PathOf("deploy/observability/kubernetes-alerts.yml"))).Single();
        var rule = Yaml.ParseAll(File.ReadAllText(Repository.PathOf("deploy/k8s/overlays/prod/prometheusrule.yaml"))).Single();

        Assert.Equal("PrometheusRule", rule.Kind());
        Assert.NotEmpty(alerts.List("groups"));
        Assert.NotEmpty(kubernetesAlerts.List("groups"));
        var serializer = new YamlDotNet.Serialization.SerializerBuilder().Build();
        Assert.Equal(serializer.Serialize(alerts.List("groups").Concat(kubernetesAlerts.List("groups")).ToList()),
            serializer.Serialize(rule.At("spec", "groups")));
    }

    [Fact]
    public void The_alert_rules_pass_their_promtool_tests()
    {
        const string reason = "promtool is not on PATH (Debian: apt-get install --no-install-recommends prometheus; .ci/run installs it)";
        var promtool = Repository.FindTool("promtool");
        if (promtool is null && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail(reason);
        Assert.SkipWhen(promtool is null, reason);

        foreach (var tests in (string[])["alerts.test.yml", "kubernetes-alerts.test.yml"])
        {
            var (testsExitCode, testsOutput, testsError) = Repository.RunIn(Repository.PathOf("deploy/observability"), TimeSpan.FromMinutes(2),
                promtool!, "test", "rules", tests);
            Assert.True(testsExitCode == 0, testsOutput + testsError);
            Assert.Contains("SUCCESS", testsOutput);
        }

        // The scrape configuration as compose mounts it, its rule file included.
        var (exitCode, output, error) = Repository.RunIn(Repository.PathOf("deploy/observability"), TimeSpan.FromMinutes(2),
            promtool!, "check", "config", "prometheus.yml");
        Assert.True(exitCode == 0, output + error);
        Assert.Contains("SUCCESS: prometheus.yml is valid prometheus config file syntax", output);
    }

    [Theory]
    [InlineData("deploy/observability/alerts.yml")]
    [InlineData("deploy/observability/grafana-dashboard.json")]
    public void Every_rabbitmq_queue_metric_queried_is_in_a_family_prometheus_scrapes(string file)
    {
        // rabbitmq_prometheus groups its per-queue metrics into families; /metrics/detailed returns only those asked.
        var families = new Dictionary<string, string>
        {
            ["rabbitmq_detailed_queue_messages"] = "queue_coarse_metrics",
            ["rabbitmq_detailed_queue_consumers"] = "queue_consumer_count",
        };
        var queried = Regex.Matches(File.ReadAllText(Repository.PathOf(file)), @"\brabbitmq_detailed_[a-z_]+")
            .Select(m => m.Value).ToHashSet();

        Assert.NotEmpty(queried);
        Assert.All(queried, metric => Assert.Contains(families[metric], RabbitMqFamilies()));
    }

    /// <summary>The metric families the compose Prometheus asks RabbitMQ for (the prod ServiceMonitor asks the same).</summary>
    public static IReadOnlyList<string> RabbitMqFamilies()
    {
        var prometheus = Yaml.ParseAll(File.ReadAllText(Repository.PathOf("deploy/observability/prometheus.yml"))).Single();
        var rabbitmq = prometheus.List("scrape_configs").Single(job => job.Text("job_name") == "rabbitmq");
        return [.. rabbitmq.List("params", "family").Cast<string>()];
    }

    [Fact]
    public void The_dashboard_is_valid_json_with_a_query_in_every_panel()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Repository.PathOf("deploy/observability/grafana-dashboard.json")));

        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, panel => Assert.Contains(panel.GetProperty("targets").EnumerateArray(),
            target => !string.IsNullOrWhiteSpace(target.GetProperty("expr").GetString())));
    }

    /// <summary>The Prometheus names of the pipeline's instruments: dots become underscores, then unit and counter suffixes.</summary>
    private static HashSet<string> ExposedNames()
    {
        var instruments = typeof(HarmattanTelemetry).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => f.GetValue(null)).OfType<Instrument>()
            .Select(i => PrometheusName(i.Name, i.Unit, i.GetType().Name.StartsWith("Counter", StringComparison.Ordinal)));
        return [.. instruments, PrometheusName(HarmattanTelemetry.StationDataAge, "s", counter: false)];
    }

    private static string PrometheusName(string name, string? unit, bool counter) =>
        name.Replace('.', '_') + (unit == "s" ? "_seconds" : "") + (counter ? "_total" : "");
}
