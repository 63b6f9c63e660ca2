using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Harmattan.Contracts;
using Harmattan.Hosting;
using Harmattan.Testing;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Harmattan.Tests.Hosting;

public class EnvelopeJsonDeserializerTests
{
    static EnvelopeJsonDeserializerTests() =>
        // As every bus of the services configures MassTransit's options.
        SystemTextJsonMessageSerializer.Options = MessageJson.Configure(SystemTextJsonMessageSerializer.Options);

    private static readonly DateTimeOffset Start = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static RawReadingsFetched Fetched(int hours = 48) => new()
    {
        FetchId = Guid.Parse("6f1e0a52-9d1c-4a53-8b1e-3c0b8f6a2d11"),
        StationId = "283164601",
        WindowStart = Start,
        WindowEnd = Start.AddHours(hours),
        TimeZone = "Africa/Abidjan",
        Source = "https://airqino-api.magentalab.it/v3/getStationHourlyAvg/283164601",
        FetchedAt = Start.AddHours(hours).AddMinutes(7),
        Readings = Enumerable.Range(0, hours).Select(hour => new RawReading
        {
            Hour = Start.AddHours(hour),
            Values = hour % 5 == 0
                ? new Dictionary<string, double?> { ["co"] = null, ["pm2_5"] = hour * 1.25, ["t"] = -0.0 }
                : new Dictionary<string, double?> { ["co"] = 0.1 + hour / 3.0, ["pm2_5"] = 1e-7 * hour, ["no2"] = 42 },
        }).ToList(),
    };

    private static AveragesComputed Averages() => new()
    {
        StationId = "283181971",
        WindowStart = Start,
        WindowEnd = Start.AddDays(1),
        TimeZone = "UTC",
        SourceFetchId = Guid.Parse("1bbf9c0b-4463-87d9-86e5-81c4c5fc2b1d"),
        SourceFetchedAt = Start.AddDays(1),
        AlgorithmVersion = 2,
        Hourly = Enumerable.Range(0, 24).Select(hour => new HourlyAverage
        {
            Hour = Start.AddHours(hour),
            Quantities = new Dictionary<string, QuantityStats>
            {
                ["co"] = new() { Mean = hour / 7.0, Min = hour / 7.0, Max = hour / 7.0, Count = 1, Rejected = 0 },
                ["pm2_5"] = new() { Mean = 2.0 / 3, Min = 0.25, Max = 1.5, Count = 3, Rejected = hour % 2 },
            },
        }).ToList(),
        Daily = [new DailyAverage { Date = DateOnly.FromDateTime(Start.UtcDateTime), HoursCovered = 24, HoursInDay = 24, Completeness = 1, IsComplete = true,
            Quantities = new Dictionary<string, QuantityStats> { ["co"] = new() { Mean = 1.6, Min = 0, Max = 3.2857142857142856, Count = 24, Rejected = 0 } } }],
    };

    /// <summary>The body as MassTransit writes it, and as it looks written indented (MassTransit's default) with a comment.</summary>
    private static IEnumerable<byte[]> Bodies<T>(T message)
        where T : class
    {
        var compact = MassTransitJson.Serialize(message);
        yield return compact;
        var indented = JsonNode.Parse(compact)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        yield return Encoding.UTF8.GetBytes("/* written by hand */\n" + indented.Replace("\"message\": {", "\"message\": { // the message\n", StringComparison.Ordinal));
    }

    private static SerializerContext Ours(byte[] body) => Ours(new EnvelopeJsonDeserializer(), body);

    private static SerializerContext Ours(EnvelopeJsonDeserializer deserializer, byte[] body) =>
        deserializer.Deserialize(new BytesMessageBody(body), new DictionarySendHeaders(new Dictionary<string, object?>()));

    private static SerializerContext MassTransits(byte[] body) =>
        SystemTextJsonMessageSerializer.Instance.Deserialize(new BytesMessageBody(body), new DictionarySendHeaders(new Dictionary<string, object?>()));

    [Fact]
    public void Messages_and_their_envelopes_read_exactly_as_MassTransit_reads_them()
    {
        AssertSameAsMassTransit(Fetched());
        AssertSameAsMassTransit(Averages());
    }

    private static void AssertSameAsMassTransit<T>(T message)
        where T : class
    {
        // Twice with one deserializer: the first message read from its range of bytes, the next in the envelope's pass.
        var deserializer = new EnvelopeJsonDeserializer();
        foreach (var body in Bodies(message).Concat(Bodies(message)))
        {
            var ours = Ours(deserializer, body);
            var theirs = MassTransits(body);

            Assert.True(ours.TryGetMessage<T>(out var read));
            Assert.True(theirs.TryGetMessage<T>(out var expected));
            Assert.Equal(JsonSerializer.Serialize(expected, SystemTextJsonMessageSerializer.Options), JsonSerializer.Serialize(read, SystemTextJsonMessageSerializer.Options));
            Assert.Equal(JsonSerializer.Serialize(message, SystemTextJsonMessageSerializer.Options), JsonSerializer.Serialize(read, SystemTextJsonMessageSerializer.Options));
            Assert.Equal(theirs.MessageId, ours.MessageId);
            Assert.NotNull(ours.MessageId);
            Assert.Equal(theirs.ConversationId, ours.ConversationId);
            Assert.Equal(theirs.SourceAddress, ours.SourceAddress);
            Assert.Equal(theirs.DestinationAddress, ours.DestinationAddress);
            Assert.Equal(theirs.SentTime, ours.SentTime);
            Assert.Equal(theirs.SupportedMessageTypes, ours.SupportedMessageTypes);
            Assert.Equal(theirs.Host.MachineName, ours.Host.MachineName);
            Assert.True(ours.TryGetMessage(typeof(T), out var untyped));
            Assert.Equal(JsonSerializer.Serialize(expected, SystemTextJsonMessageSerializer.Options), JsonSerializer.Serialize(untyped, SystemTextJsonMessageSerializer.Options));
            Assert.True(ours.TryGetMessage<JsonObject>(out var asObject));
            Assert.Equal(theirs.TryGetMessage<JsonObject>(out var theirObject) ? theirObject!.ToJsonString() : null, asObject!.ToJsonString());
        }
    }

    [Fact]
    public void Reading_the_envelope_does_not_copy_the_message()
    {
        var body = MassTransitJson.Serialize(Fetched(hours: 7 * 24));
        Ours(body);
        MassTransits(body);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Ours(body);
        var ours = GC.GetAllocatedBytesForCurrentThread() - before;
        before = GC.GetAllocatedBytesForCurrentThread();
        MassTransits(body);
        var theirs = GC.GetAllocatedBytesForCurrentThread() - before;

        // MassTransit's reader copies the message into a document, twice; ours keeps where it lies in the body.
        Assert.True(theirs > body.Length, $"MassTransit's reader allocated {theirs} bytes for a body of {body.Length}");
        Assert.True(ours < body.Length / 4, $"reading the envelope allocated {ours} bytes for a body of {body.Length}");
    }

    [Fact]
    public void Once_a_type_was_asked_for_its_next_messages_are_read_in_the_envelopes_pass()
    {
        var deserializer = new EnvelopeJsonDeserializer();
        var body = MassTransitJson.Serialize(Fetched());

        var first = Ours(deserializer, body);
        Assert.True(first.TryGetMessage<RawReadingsFetched>(out var once));
        Assert.True(first.TryGetMessage<RawReadingsFetched>(out var twice));
        Assert.NotSame(once, twice);

        var next = Ours(deserializer, body);
        Assert.True(next.TryGetMessage<RawReadingsFetched>(out once));
        Assert.True(next.TryGetMessage<RawReadingsFetched>(out twice));
        Assert.Same(once, twice);
        Assert.True(next.TryGetMessage(typeof(RawReadingsFetched), out var untyped));
        Assert.Same(once, untyped);
        Assert.False(next.TryGetMessage<AveragesComputed>(out _));

        // Another deserializer (another endpoint) learns on its own.
        var elsewhere = Ours(body);
        Assert.True(elsewhere.TryGetMessage<RawReadingsFetched>(out once));
        Assert.True(elsewhere.TryGetMessage<RawReadingsFetched>(out twice));
        Assert.NotSame(once, twice);
    }

    [Fact]
    public void A_message_written_before_its_type_is_read_from_its_bytes()
    {
        var deserializer = new EnvelopeJsonDeserializer();
        var envelope = JsonNode.Parse(MassTransitJson.Serialize(Fetched()))!.AsObject();
        var reordered = new JsonObject { ["message"] = envelope["message"]!.DeepClone() };
        foreach (var (name, value) in envelope.Where(p => p.Key != "message"))
            reordered[name] = value?.DeepClone();
        var body = Encoding.UTF8.GetBytes(reordered.ToJsonString());
        Ours(deserializer, MassTransitJson.Serialize(Fetched())).TryGetMessage<RawReadingsFetched>(out _);

        var ours = Ours(deserializer, body);

        Assert.True(ours.TryGetMessage<RawReadingsFetched>(out var once));
        Assert.True(ours.TryGetMessage<RawReadingsFetched>(out var twice));
        Assert.NotSame(once, twice);
        Assert.Equal(JsonSerializer.Serialize(Fetched(), SystemTextJsonMessageSerializer.Options), JsonSerializer.Serialize(once, SystemTextJsonMessageSerializer.Options));
    }

    [Fact]
    public void A_type_the_envelope_does_not_name_is_not_read_from_it()
    {
        var body = MassTransitJson.Serialize(Fetched());

        Assert.False(Ours(body).TryGetMessage<AveragesComputed>(out var averages));
        Assert.Null(averages);
        Assert.False(MassTransits(body).TryGetMessage<AveragesComputed>(out _));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("null")]
    [InlineData("{\"messageId\":\"9c1e0000-0000-0000-0000-000000000000\"}")]
    [InlineData("{\"message\":{},\"sentTime\":\"yesterday\"}")]
    public void A_body_that_is_not_an_envelope_fails_as_MassTransit_fails_it(string text)
    {
        var body = Encoding.UTF8.GetBytes(text);

        Assert.Throws<SerializationException>(() => MassTransits(body));
        Assert.Throws<SerializationException>(() => Ours(body));
    }

    [Fact]
    public void A_message_that_does_not_match_its_type_fails_as_MassTransit_fails_it()
    {
        var body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(MassTransitJson.Serialize(Fetched()))
            .Replace("\"stationId\":\"283164601\"", "\"stationId\":{\"not\":\"a string\"}", StringComparison.Ordinal));

        Assert.Throws<JsonException>(() => MassTransits(body).TryGetMessage<RawReadingsFetched>(out _));
        Assert.Throws<JsonException>(() => Ours(body).TryGetMessage<RawReadingsFetched>(out _));

        // Also where the type's messages were read in the envelope's pass before.
        var deserializer = new EnvelopeJsonDeserializer();
        Ours(deserializer, MassTransitJson.Serialize(Fetched())).TryGetMessage<RawReadingsFetched>(out _);
        Assert.Throws<JsonException>(() => Ours(deserializer, body).TryGetMessage<RawReadingsFetched>(out _));
        Assert.True(Ours(deserializer, MassTransitJson.Serialize(Fetched())).TryGetMessage<RawReadingsFetched>(out _));
    }

    [Fact]
    public async Task The_services_bus_reads_json_with_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:Transport"] = "InMemory" }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddHarmattanBus(configuration, _ => { }, allServicesInThisProcess: true).BuildServiceProvider();

        var probe = JsonSerializer.Serialize(provider.GetRequiredService<IBusControl>().GetProbeResult(TestContext.Current.CancellationToken));

        Assert.Contains("envelope read in one pass", probe);
    }
}
