using System.Net.Mime;
using System.Runtime.InteropServices;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;

namespace Harmattan.Hosting;

/// <summary>
/// Reads MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>, the bytes MassTransit's own serializer
/// writes, which still writes them) in two passes instead of six. MassTransit's reader parses the whole body into a
/// document, writes it out again to read the envelope, parses the message into a second document, and writes and reads
/// that once more to get the message: every reading of a fetch crossed six times, a quarter of the transformer's and the
/// loader's CPU. Here the envelope is read from the bytes, the message kept as its JSON element, and the message read
/// from that element's own UTF-8. A body an in-memory bus already parsed, a <see cref="JsonObject"/> consumer and any
/// type the envelope does not name go MassTransit's way, with the same options and the same errors.
/// </summary>
public sealed class EnvelopeJsonDeserializer : IMessageDeserializer
{
    /// <summary>Registers it in place of MassTransit's JSON deserializer, which stays the serializer.</summary>
    public static ISerializerFactory Factory { get; } = new SerializerFactory();

    public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

    public void Probe(ProbeContext context)
    {
        var scope = context.CreateScope("json");
        scope.Add("contentType", ContentType.MediaType);
        scope.Add("provider", "System.Text.Json, envelope read in one pass");
    }

    public ConsumeContext Deserialize(ReceiveContext receiveContext) =>
        new BodyConsumeContext(receiveContext, Deserialize(receiveContext.Body, receiveContext.TransportHeaders, receiveContext.InputAddress));

    public SerializerContext Deserialize(MessageBody body, Headers headers, Uri? destinationAddress = null)
    {
        if (body is JsonMessageBody)
            return SystemTextJsonMessageSerializer.Instance.Deserialize(body, headers, destinationAddress);
        try
        {
            // The options MassTransit's serializer uses, as the services configure them (MessageJson), read at each
            // message because configuring a bus replaces them.
            var options = SystemTextJsonMessageSerializer.Options;
            var envelope = JsonSerializer.Deserialize<JsonMessageEnvelope>(body.GetBytes(), options)
                ?? throw new SerializationException("Message envelope not found");
            var messageContext = new EnvelopeMessageContext(envelope, SystemTextJsonMessageSerializer.Instance);
            return new EnvelopeSerializerContext(options, ContentType, messageContext, envelope);
        }
        catch (SerializationException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new SerializationException("An error occured while deserializing the message envelope", ex);
        }
    }

    public MessageBody GetMessageBody(string text) => new StringMessageBody(text);

    private sealed class EnvelopeSerializerContext(
        JsonSerializerOptions options, ContentType contentType, MessageContext messageContext, MessageEnvelope envelope)
        : SystemTextJsonSerializerContext(SystemTextJsonMessageSerializer.Instance, options, contentType, messageContext,
            envelope.MessageType ?? [], envelope)
    {
        public override bool TryGetMessage<T>(out T? message)
            where T : class
        {
            if (Message is not JsonElement { ValueKind: JsonValueKind.Object } element || typeof(T) == typeof(JsonObject) ||
                !IsSupportedMessageType<T>())
                return base.TryGetMessage(out message);
            message = JsonSerializer.Deserialize<T>(JsonMarshal.GetRawUtf8Value(element), Options);
            return message != null;
        }
    }

    private sealed class SerializerFactory : ISerializerFactory
    {
        public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

        public IMessageSerializer CreateSerializer() => SystemTextJsonMessageSerializer.Instance;

        public IMessageDeserializer CreateDeserializer() => new EnvelopeJsonDeserializer();
    }
}
