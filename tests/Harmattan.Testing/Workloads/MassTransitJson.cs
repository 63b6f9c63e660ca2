using System.Text.Json;
using Harmattan.Hosting;
using MassTransit;
using MassTransit.Metadata;
using MassTransit.Serialization;

namespace Harmattan.Testing;

/// <summary>
/// A message body exactly as MassTransit 8 puts it on the wire: the JSON envelope (ids, addresses, message types, host)
/// around the message, serialised by System.Text.Json with <see cref="SystemTextJsonMessageSerializer.Options"/> as the
/// services configure them (<see cref="MessageJson.Configure"/>).
/// </summary>
public static class MassTransitJson
{
    private static readonly JsonSerializerOptions Options = MessageJson.Configure(new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options));

    private static readonly Guid ConversationId = NewId.NextGuid();

    public static byte[] Serialize<T>(T message)
        where T : class
    {
        var envelope = new JsonMessageEnvelope
        {
            MessageId = NewId.NextGuid().ToString(),
            ConversationId = ConversationId.ToString(),
            SourceAddress = "rabbitmq://localhost/harmattan-bench/benchmark_bus_x4aoyyg1kyyfcbpwbdp8ywpzgg?temporary=true",
            DestinationAddress = "rabbitmq://localhost/harmattan-bench/" + MessageUrn.ForTypeString<T>().Replace("urn:message:", "", StringComparison.Ordinal),
            MessageType = MessageTypeCache<T>.MessageTypeNames,
            Message = message,
            SentTime = new DateTime(2025, 12, 31, 23, 59, 59, DateTimeKind.Utc),
            Headers = new Dictionary<string, object?>(),
            Host = HostMetadataCache.Host,
        };
        return JsonSerializer.SerializeToUtf8Bytes(envelope, Options);
    }

    public static T Deserialize<T>(byte[] body)
        where T : class
    {
        var envelope = JsonSerializer.Deserialize<JsonMessageEnvelope>(body, Options)!;
        return ((JsonElement)envelope.Message!).Deserialize<T>(Options)!;
    }
}
