using System.Globalization;
using System.Text.RegularExpressions;
using Harmattan.Storage;

namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>The root docker-compose.yml: valid for docker-compose, and the pipeline it promises.</summary>
public class ComposeFileTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string SqliteOverride = "deploy/compose/sqlite.yml";
    private static readonly string? DockerCompose = Repository.FindTool("docker-compose");
    private const string DockerComposeMissing = "docker-compose is not on PATH (Debian: apt-get install docker-compose)";

    private static Document Compose => Yaml.ParseAll(File.ReadAllText(Repository.PathOf(ComposeFile))).Single();

    private static object? Service(string name) => Compose.At("services", name);

    [Theory]
    [InlineData("")]
    [InlineData("offline")]
    public void The_compose_file_validates_without_a_dot_env_file(string profile)
    {
        Assert.SkipWhen(DockerCompose is null, DockerComposeMissing);
        // An empty env file stands for a clean checkout, whatever .env the developer has.
        var emptyEnv = Path.GetTempFileName();
        try
        {
            var (exitCode, _, error) = Repository.Run(DockerCompose!,
                ["--env-file", emptyEnv, "-f", ComposeFile, .. profile == "" ? [] : new[] { "--profile", profile }, "config", "-q"]);
            Assert.True(exitCode == 0, $"docker-compose config -q failed:\n{error}");
        }
        finally
        {
            File.Delete(emptyEnv);
        }
    }

    [Fact]
    public void The_example_env_file_validates_and_holds_no_secret()
    {
        var example = File.ReadAllLines(Repository.PathOf(".env.example"))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1]);
        Assert.All(example.Where(p => p.Key.Contains("PASSWORD") || p.Key.Contains("SECRET")),
            p => Assert.True(p.Value is "" or "CHANGE_ME", $"{p.Key} must be empty or CHANGE_ME in .env.example"));
        // A credential can also hide in an address, as its user-info: https://user:password@host/.
        Assert.All(example, p => Assert.False(Regex.IsMatch(p.Value, "://[^/@]*@"), $"{p.Key} carries user information in .env.example: {p.Value}"));

        Assert.SkipWhen(DockerCompose is null, DockerComposeMissing);
        var (exitCode, _, error) = Repository.Run(DockerCompose!, "--env-file", ".env.example", "-f", ComposeFile, "config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config -q with .env.example failed:\n{error}");
    }

    [Fact]
    public void The_pipeline_runs_on_rabbitmq_and_a_three_node_mongodb_replica_set()
    {
        string[] expected = ["rabbitmq", "mongo1", "mongo2", "mongo3", "mongo-init", "extractor", "transformer", "loader", "dashboard",
            "simulator", "cli", "prometheus", "grafana"];
        Assert.Equal(expected.Order(), ((Document)Compose.At("services")!).Keys.Cast<string>().Order());

        Assert.Contains("15672", string.Join(' ', Service("rabbitmq").List("ports")));
        foreach (var node in new[] { "mongo1", "mongo2", "mongo3" })
        {
            Assert.Equal("rs0", ArgumentAfter(Service(node).List("command"), "--replSet"));
            Assert.NotNull(Service(node).At("healthcheck", "test"));
        }
        var init = string.Join('\n', Service("mongo-init").List("command"));
        Assert.Contains("rs.initiate", init);
        Assert.Contains("NotYetInitialized", init); // a second `up` must not initiate again
        foreach (var node in new[] { "mongo1", "mongo2", "mongo3" })
            Assert.Contains($"host: \"{node}:27017\"", init);
    }

    [Theory]
    [InlineData("extractor")]
    [InlineData("transformer")]
    [InlineData("loader")]
    public void Every_service_waits_for_healthy_dependencies_and_reports_its_own_health(string name)
    {
        var service = Service(name);
        Assert.Equal("service_healthy", service.Text("depends_on", "rabbitmq", "condition"));
        Assert.Contains("/health/ready", string.Join(' ', service.List("healthcheck", "test")));
        Assert.StartsWith("amqp://", service.Text("environment", "ConnectionStrings__RabbitMq"));
        Assert.Contains("replicaSet=rs0", service.Text("environment", "ConnectionStrings__MongoDb"));
        Assert.Equal(".", service.Text("build", "context"));
        Assert.True(File.Exists(Repository.PathOf(service.Text("build", "dockerfile")!)));
    }

    [Theory]
    [InlineData("extractor")]
    [InlineData("transformer")]
    [InlineData("loader")]
    [InlineData("dashboard")]
    public void Every_readiness_healthcheck_waits_longer_than_the_store_ping_of_the_readiness_check(string name)
    {
        var timeout = Service(name).Text("healthcheck", "timeout");
        Assert.Matches("^[0-9]+s$", timeout);
        Assert.True(StoreReadiness.PingTimeout + KubernetesManifestTests.ReadinessAnswerMargin
            <= TimeSpan.FromSeconds(int.Parse(timeout![..^1], CultureInfo.InvariantCulture)),
            $"{name}: its healthcheck times out after {timeout}, the readiness check waits up to {StoreReadiness.PingTimeout.TotalSeconds} s for the store");
    }

    [Theory]
    [InlineData("extractor")]
    [InlineData("transformer")]
    [InlineData("loader")]
    public void Every_service_gets_longer_to_stop_than_it_takes_to_drain(string name)
    {
        // Bus:StopTimeout + the host's 15 s margin, as the pods' terminationGracePeriodSeconds; without the setting the
        // engine kills the container after 10 s.
        var drain = new Harmattan.Hosting.BusOptions().StopTimeout + TimeSpan.FromSeconds(15);
        var grace = Service(name).Text("stop_grace_period");
        Assert.NotNull(grace);
        Assert.Matches("^[0-9]+s$", grace);
        Assert.True(TimeSpan.FromSeconds(int.Parse(grace[..^1], CultureInfo.InvariantCulture)) > drain,
            $"{name}: stop_grace_period {grace} is not longer than the drain, {drain.TotalSeconds} s");
    }

    [Fact]
    public void Every_mongodb_node_gets_longer_to_stop_than_its_quiesce_period()
    {
        // A primary given SIGTERM steps down, then waits up to 15 s for operations (MongoDB 5.0 and later) before it
        // flushes; the engine's default is to kill after 10 s.
        foreach (var node in new[] { "mongo1", "mongo2", "mongo3" })
        {
            var grace = Service(node).Text("stop_grace_period");
            Assert.NotNull(grace);
            Assert.Matches("^[0-9]+s$", grace);
            Assert.True(int.Parse(grace[..^1], CultureInfo.InvariantCulture) > 15, $"{node}: stop_grace_period {grace}");
        }
    }

    [Theory]
    [InlineData("extractor")]
    [InlineData("transformer")]
    [InlineData("loader")]
    [InlineData("cli")]
    public void Every_bus_service_counts_the_cores_the_heap_was_measured_with_like_the_pods(string name)
    {
        var pods = File.ReadLines(Repository.PathOf("deploy/k8s/base/config.env"))
            .Select(line => line.Split('=', 2)).Single(setting => setting[0] == "DOTNET_PROCESSOR_COUNT")[1];
        Assert.Equal(pods, Service(name).Text("environment", "DOTNET_PROCESSOR_COUNT"));
    }

    [Fact]
    public void The_loader_starts_once_the_replica_set_is_initiated()
    {
        Assert.Equal("service_completed_successfully", Service("loader").Text("depends_on", "mongo-init", "condition"));
        foreach (var node in new[] { "mongo1", "mongo2", "mongo3" })
            Assert.Equal("service_healthy", Service("mongo-init").Text("depends_on", node, "condition"));
    }

    [Fact]
    public void The_dashboard_reads_the_replica_set_once_initiated_and_answers_on_localhost_5104()
    {
        var dashboard = Service("dashboard");
        Assert.Equal("service_completed_successfully", dashboard.Text("depends_on", "mongo-init", "condition"));
        Assert.Equal("MongoDb", dashboard.Text("environment", "Storage__Provider"));
        Assert.Contains("replicaSet=rs0", dashboard.Text("environment", "ConnectionStrings__MongoDb"));
        Assert.Null(dashboard.At("environment", "ConnectionStrings__RabbitMq"));
        Assert.Contains("/health/ready", string.Join(' ', dashboard.List("healthcheck", "test")));
        Assert.Equal(["127.0.0.1:${DASHBOARD_PORT:-5104}:8080"], dashboard.List("ports").Cast<string>());
        Assert.True(File.Exists(Repository.PathOf(dashboard.Text("build", "dockerfile")!)));
    }

    [Fact]
    public void The_extractor_runs_its_scheduler_and_uses_the_simulator_only_in_the_offline_profile()
    {
        Assert.Equal(["offline"], Service("simulator").List("profiles").Cast<string>());
        Assert.Null(Service("extractor").At("profiles"));
        Assert.Equal("true", Service("extractor").Text("environment", "Schedule__Enabled"));
        Assert.Equal("true", Service("extractor").Text("environment", "Schedule__RunAtStart"));
        // The port is the image's entrypoint's (DockerfileTests); a command naming it again would hide its loss there.
        Assert.Equal(["--data", "/samples"], Service("simulator").List("command").Cast<string>());
        Assert.Contains("/health/ready", string.Join(' ', Service("simulator").List("healthcheck", "test")));
        var entrypoint = string.Join(' ', Service("extractor").List("entrypoint"));
        Assert.Contains("getent hosts simulator", entrypoint);
        Assert.Contains("AirQino__BaseUrl=http://simulator:8080", entrypoint);
        Assert.Contains("exec dotnet Harmattan.Extractor.Host.dll", entrypoint);
    }

    [Fact]
    public void Data_lives_in_named_volumes_and_credentials_have_local_defaults()
    {
        var declared = ((Document)Compose.At("volumes")!).Keys.Cast<string>().ToHashSet();
        foreach (var name in new[] { "rabbitmq", "mongo1", "mongo2", "mongo3" })
        {
            var volume = Service(name).List("volumes").Cast<string>().Single().Split(':')[0];
            Assert.Contains(volume, declared);
        }
        var text = File.ReadAllText(Repository.PathOf(ComposeFile));
        Assert.Contains("${RABBITMQ_PASSWORD:-", text);
        Assert.DoesNotContain("${RABBITMQ_PASSWORD}", text);
    }

    [Fact]
    public void The_cli_service_runs_only_when_asked_with_the_stack_settings_and_writes_to_a_host_folder()
    {
        var cli = Service("cli");
        Assert.Equal(["cli"], cli.List("profiles").Cast<string>());
        Assert.Equal("services/Harmattan.Cli.Host/Dockerfile", cli.Text("build", "dockerfile"));
        Assert.Equal("/exports", cli.Text("working_dir"));
        Assert.Contains("${HARMATTAN_EXPORTS_DIR:-./exports}:/exports", cli.List("volumes").Cast<string>());
        foreach (var key in new[] { "ConnectionStrings__RabbitMq", "ConnectionStrings__MongoDb", "Storage__Provider" })
            Assert.Equal(Service("loader").Text("environment", key), cli.Text("environment", key));
    }

    [Theory]
    [InlineData("extractor")]
    [InlineData("transformer")]
    [InlineData("loader")]
    [InlineData("simulator")]
    [InlineData("cli")]
    public void Every_harmattan_container_has_a_read_only_root_and_tmp_in_memory_like_the_pods(string name)
    {
        Assert.Equal("true", Service(name).Text("read_only"));
        Assert.Contains("/tmp", Service(name).List("tmpfs").Cast<string>());
    }

    [Fact]
    public void Every_container_keeps_at_most_five_log_files_of_10_MB()
    {
        // Docker's default driver keeps a container's output for ever; MongoDB logs every health check's connection.
        var names = ((Document)Compose.At("services")!).Keys.Cast<string>().ToList();

        Assert.Contains("mongo1", names);
        Assert.All(names, name =>
        {
            Assert.True(Service(name).Text("logging", "driver") == "json-file", $"{name}: no json-file logging driver");
            Assert.Equal(("10m", "5"), (Service(name).Text("logging", "options", "max-size"), Service(name).Text("logging", "options", "max-file")));
        });
    }

    [Fact]
    public void Every_host_port_is_on_localhost_and_comes_from_a_variable()
    {
        var ports = ((Document)Compose.At("services")!).Keys.Cast<string>()
            .SelectMany(name => Service(name).List("ports").Cast<string>()).ToList();

        Assert.NotEmpty(ports);
        Assert.All(ports, port => Assert.Matches(@"^127\.0\.0\.1:\$\{[A-Z_]+_PORT:-\d+\}:\d+$", port));
        Assert.Null(Service("transformer").At("ports")); // it scales: replicas cannot share a host port
    }

    [Fact]
    public void Every_host_port_variable_is_in_the_example_env_file_and_the_guide_and_the_smoke_moves_those_it_starts()
    {
        var services = (Document)Compose.At("services")!;
        var ports = services.Keys.Cast<string>()
            .SelectMany(name => Service(name).List("ports").Cast<string>()
                .Select(port => System.Text.RegularExpressions.Regex.Match(port, @"\$\{(?<name>[A-Z_]+):-(?<default>\d+)\}"))
                .Select(match => (Service: name, Variable: match.Groups["name"].Value, Default: match.Groups["default"].Value)))
            .ToList();
        var example = File.ReadAllText(Repository.PathOf(".env.example"));
        var guide = File.ReadAllText(Repository.PathOf("deploy/README.md"));
        var smoke = File.ReadAllText(Repository.PathOf("deploy/compose/smoke.sh"));

        Assert.NotEmpty(ports);
        foreach (var (service, variable, defaultPort) in ports)
        {
            Assert.Contains($"# {variable}={defaultPort}\n", example);
            Assert.Contains($"`{variable}`", guide);
            // The smoke runs beside a developer's stack on the default ports; it never starts the observability profile.
            if (!Service(service).List("profiles").Contains("observability"))
                Assert.True(smoke.Contains($"{variable}=${{SMOKE_{variable}:-", StringComparison.Ordinal),
                    $"deploy/compose/smoke.sh leaves {variable} ({service}) on the developer's port {defaultPort}");
        }
    }

    [Fact]
    public void RabbitMQ_runs_the_supported_4_2_series()
    {
        Assert.Equal("rabbitmq:4.2.5-management", Service("rabbitmq").Text("image"));
    }

    [Fact]
    public void The_deployment_guide_names_the_password_compose_uses_without_a_dot_env()
    {
        var text = File.ReadAllText(Repository.PathOf(ComposeFile));
        var password = System.Text.RegularExpressions.Regex.Match(text, @"\$\{RABBITMQ_PASSWORD:-([^}]+)\}").Groups[1].Value;
        var user = System.Text.RegularExpressions.Regex.Match(text, @"\$\{RABBITMQ_USER:-([^}]+)\}").Groups[1].Value;

        Assert.Contains($"`{user}` / `{password}`", File.ReadAllText(Repository.PathOf("deploy/README.md")));
        Assert.Contains($"{user} / {password}", File.ReadAllText(Repository.PathOf(".env.example")));
    }

    [Fact]
    public void Grafana_s_admin_password_comes_from_the_dot_env_and_the_guide_names_its_default()
    {
        var setting = Service("grafana").Text("environment", "GF_SECURITY_ADMIN_PASSWORD") ?? "";
        var password = System.Text.RegularExpressions.Regex.Match(setting, @"^\$\{GRAFANA_ADMIN_PASSWORD:-([^}]+)\}$").Groups[1].Value;

        Assert.NotEqual("", password);
        Assert.NotEqual("admin", password); // Grafana's own default, the first one anyone tries
        Assert.Contains($"`admin` / `{password}`", File.ReadAllText(Repository.PathOf("deploy/README.md")));
        Assert.Contains("\nGRAFANA_ADMIN_PASSWORD=CHANGE_ME\n", File.ReadAllText(Repository.PathOf(".env.example")));
    }

    [Fact]
    public void The_sqlite_override_puts_the_loader_the_extractor_and_the_cli_on_one_shared_file()
    {
        var sqlite = Yaml.ParseAll(File.ReadAllText(Repository.PathOf(SqliteOverride))).Single();
        foreach (var name in new[] { "extractor", "loader", "cli" })
        {
            Assert.Equal("Sqlite", sqlite.Text("services", name, "environment", "Storage__Provider"));
            Assert.Equal("Data Source=/home/app/harmattan.db", sqlite.Text("services", name, "environment", "ConnectionStrings__Sqlite"));
            Assert.Equal(["sqlite-data:/home/app"], sqlite.List("services", name, "volumes").Cast<string>());
        }

        Assert.SkipWhen(DockerCompose is null, DockerComposeMissing);
        var (exitCode, _, error) = Repository.Run(DockerCompose!,
            "-f", ComposeFile, "-f", SqliteOverride, "--profile", "offline", "--profile", "cli", "config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config -q with {SqliteOverride} failed:\n{error}");
    }

    private static string? ArgumentAfter(IReadOnlyList<object?> arguments, string name)
    {
        var index = arguments.ToList().IndexOf(name);
        return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] as string : null;
    }
}
