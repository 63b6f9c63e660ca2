namespace Harmattan.Tests.Deploy;

using Document = Dictionary<object, object?>;

/// <summary>The root docker-compose.yml: valid for docker-compose, and the pipeline it promises.</summary>
public class ComposeFileTests
{
    private const string ComposeFile = "docker-compose.yml";
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

        Assert.SkipWhen(DockerCompose is null, DockerComposeMissing);
        var (exitCode, _, error) = Repository.Run(DockerCompose!, "--env-file", ".env.example", "-f", ComposeFile, "config", "-q");
        Assert.True(exitCode == 0, $"docker-compose config -q with .env.example failed:\n{error}");
    }

    [Fact]
    public void The_pipeline_runs_on_rabbitmq_and_a_three_node_mongodb_replica_set()
    {
        string[] expected = ["rabbitmq", "mongo1", "mongo2", "mongo3", "mongo-init", "extractor", "transformer", "loader", "simulator"];
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

    [Fact]
    public void The_loader_starts_once_the_replica_set_is_initiated()
    {
        Assert.Equal("service_completed_successfully", Service("loader").Text("depends_on", "mongo-init", "condition"));
        foreach (var node in new[] { "mongo1", "mongo2", "mongo3" })
            Assert.Equal("service_healthy", Service("mongo-init").Text("depends_on", node, "condition"));
    }

    [Fact]
    public void The_extractor_runs_its_scheduler_and_uses_the_simulator_only_in_the_offline_profile()
    {
        Assert.Equal(["offline"], Service("simulator").List("profiles").Cast<string>());
        Assert.Null(Service("extractor").At("profiles"));
        Assert.Equal("true", Service("extractor").Text("environment", "Schedule__Enabled"));
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

    private static string? ArgumentAfter(IReadOnlyList<object?> arguments, string name)
    {
        var index = arguments.ToList().IndexOf(name);
        return index >= 0 && index + 1 < arguments.Count ? arguments[index + 1] as string : null;
    }
}
