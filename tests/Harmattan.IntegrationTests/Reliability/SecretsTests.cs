using Harmattan.IntegrationTests.Support;

namespace Harmattan.IntegrationTests.Reliability;

/// <summary>
/// Services started with credentials in their environment, pointed at a broker and a store that refuse or do not
/// answer: whatever they log about the failures, the passwords never appear in their output.
/// </summary>
[Collection(FaultSuite.Name)]
[Trait("Category", "Faults")]
public sealed class SecretsTests(FaultSuiteFixture suite)
{
    private const string RabbitPassword = "Rabbit-s3cret-7Hq2";
    private const string MongoPassword = "Mongo-s3cret-9Zx4";
    private const string AirQinoPassword = "AirQino-s3cret-4Kd8";
    private const string AirQinoClientSecret = "AirQino-client-s3cret-2Lm6";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "Loader", "wrong password on a running broker", "MongoDb" },
        { "Loader", "unreachable broker", "MongoDb" },
        // With SQLite the store starts, so the loader keeps trying the broker and logs those failures.
        { "Loader", "unreachable broker", "Sqlite" },
        { "Loader", "wrong password on a running broker", "Sqlite" },
        { "Extractor", "wrong password on a running broker", "MongoDb" },
        { "Transformer", "unreachable broker", "MongoDb" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Credentials_in_the_environment_never_reach_the_logs(string service, string broker, string store)
    {
        var rabbit = broker == "unreachable broker"
            ? $"amqp://harmattan:{RabbitPassword}@127.0.0.1:9/prod"
            : $"amqp://harmattan:{RabbitPassword}@localhost:{suite.Node.Port}/";
        var sqlite = Path.Combine(Path.GetTempPath(), "harmattan-secrets-" + Guid.NewGuid().ToString("N")[..8] + ".db");
        await using var process = ServiceProcess.StartService(service, new Dictionary<string, string>
        {
            ["ConnectionStrings__RabbitMq"] = rabbit,
            ["ConnectionStrings__MongoDb"] = $"mongodb://harmattan:{MongoPassword}@127.0.0.1:9/?serverSelectionTimeoutMS=2000&connectTimeoutMS=1000",
            ["Storage__Provider"] = store,
            ["ConnectionStrings__Sqlite"] = $"Data Source={sqlite}",
            ["AirQino__Username"] = "harmattan",
            ["AirQino__Password"] = AirQinoPassword,
            ["AirQino__ClientSecret"] = AirQinoClientSecret,
            ["Bus__StartTimeout"] = "00:00:10",
        });

        // Long enough for the bus to fail its start (or retry its connection) and the store check to time out.
        var exited = false;
        try
        {
            await process.WaitForExitAsync(TimeSpan.FromSeconds(25));
            exited = true;
        }
        catch (TimeoutException)
        {
        }
        var output = process.Output;
        foreach (var file in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(sqlite) + "*"))
            File.Delete(file);
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"secrets {service} ({broker}, {store}): {(exited ? "exited" : "still running")}, {output.Split('\n').Length} output lines captured");

        Assert.NotEmpty(output);
        foreach (var secret in new[] { RabbitPassword, MongoPassword, AirQinoPassword, AirQinoClientSecret })
            Assert.False(output.Contains(secret, StringComparison.Ordinal),
                $"{service} wrote a secret to its output:\n{string.Join('\n', output.Split('\n').Where(l => l.Contains(secret, StringComparison.Ordinal)).Take(5))}");
    }
}
