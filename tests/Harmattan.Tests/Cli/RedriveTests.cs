using Harmattan.Cli.Pipeline;
using System.CommandLine;
using System.Text;
using Harmattan.Cli.Commands;
using Harmattan.Cli.Operations;
using RabbitMQ.Client;

namespace Harmattan.Tests.Cli;

public class RedriveTests
{
    [Theory]
    [InlineData("rabbitmq://localhost/harmattan/store-averages", "store-averages")]
    [InlineData("rabbitmq://rabbit.example:5672/store-averages?bind=true", "store-averages")]
    [InlineData("rabbitmq://localhost/prod/compute-averages/", "compute-averages")]
    public void The_destination_is_the_queue_named_in_the_fault_input_address(string inputAddress, string expected)
    {
        var headers = new Dictionary<string, object?> { [ErrorQueueRedrive.FaultInputAddressHeader] = Encoding.UTF8.GetBytes(inputAddress) };

        Assert.Equal(expected, ErrorQueueRedrive.DestinationOf("whatever_error", headers));
    }

    [Fact]
    public void Without_a_fault_header_the_destination_is_the_error_queue_without_its_suffix() =>
        Assert.Equal("archive-raw-readings", ErrorQueueRedrive.DestinationOf("archive-raw-readings_error", null));

    [Fact]
    public void A_redriven_message_keeps_its_properties_and_headers_but_not_the_fault_description()
    {
        var original = new BasicProperties
        {
            MessageId = "3f2b0000-aaaa-bbbb-cccc-000000000001",
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?>
            {
                ["MT-Fault-InputAddress"] = Encoding.UTF8.GetBytes("rabbitmq://localhost/store-averages"),
                ["MT-Fault-Message"] = Encoding.UTF8.GetBytes("attempt to write a readonly database"),
                ["MT-Fault-StackTrace"] = Encoding.UTF8.GetBytes("at ..."),
                ["MT-Reason"] = Encoding.UTF8.GetBytes("fault"),
                ["MT-Host-MachineName"] = Encoding.UTF8.GetBytes("loader-1"),
                ["Harmattan-Replay"] = true,
            },
        };

        var once = ErrorQueueRedrive.PropertiesForRedrive(original);
        var twice = ErrorQueueRedrive.PropertiesForRedrive(once);

        Assert.Equal(original.MessageId, once.MessageId);
        Assert.Equal(original.ContentType, once.ContentType);
        Assert.Equal(DeliveryModes.Persistent, once.DeliveryMode);
        Assert.Equal(["Harmattan-Redrive-Count", "Harmattan-Replay", "MT-Host-MachineName"], once.Headers!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, once.Headers[ErrorQueueRedrive.RedriveCountHeader]);
        Assert.Equal(2, twice.Headers![ErrorQueueRedrive.RedriveCountHeader]);
    }

    [Theory]
    [InlineData("store-averages")]
    [InlineData("_error")]
    [InlineData("store-averages_error_skipped")]
    public void A_queue_that_is_not_an_error_queue_is_refused_on_the_command_line(string queue)
    {
        var result = new RootCommand { RedriveCommand.Create() }.Parse(["redrive", "--queue", queue]);

        var error = Assert.Single(result.Errors);
        Assert.Contains("is not an error queue", error.Message);
    }

    [Fact]
    public void Max_must_be_positive()
    {
        var result = new RootCommand { RedriveCommand.Create() }.Parse(["redrive", "--queue", "store-averages_error", "--max", "0"]);

        Assert.Contains(result.Errors, e => e.Message.Contains("--max: 0 is out of range; use 1 or more"));
    }

    [Theory]
    [InlineData("""{"messageId":"1","message":{"stationId":"283164601","windowStart":"2026-03-01T00:00:00+00:00"}}""", "283164601")]
    [InlineData("""{"MessageId":"1","Message":{"StationId":"283181971"}}""", "283181971")]
    [InlineData("""{"message":{"stationId":283164601}}""", null)]
    [InlineData("""{"message":"283164601"}""", null)]
    [InlineData("""["283164601"]""", null)]
    [InlineData("not json", null)]
    public void A_message_s_station_is_read_from_its_envelope_and_a_body_without_one_has_none(string body, string? expected) =>
        Assert.Equal(expected, ErrorQueueRedrive.StationOf(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Discard_needs_the_stations_whose_messages_it_deletes()
    {
        var command = new RootCommand { RedriveCommand.Create() };

        var refused = Assert.Single(command.Parse(["redrive", "--queue", "fetch-station-window_error", "--discard"]).Errors);
        Assert.Equal("--discard deletes the messages of the stations named by --station: give --station ID " +
                     "(to empty a whole error queue, rabbitmqctl purge_queue NAME).", refused.Message);
        Assert.Empty(command.Parse(["redrive", "--queue", "fetch-station-window_error", "--discard", "--station", "283164601"]).Errors);
    }

    [Fact]
    public void The_broker_is_described_without_user_or_password() =>
        Assert.Equal("rabbit.example:5672, vhost prod", RabbitMqAddress.Describe(new Uri("amqp://harmattan:s3cret@rabbit.example/prod")));
}
