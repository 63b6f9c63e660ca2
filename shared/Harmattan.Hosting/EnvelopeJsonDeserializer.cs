using System.Diagnostics.CodeAnalysis;
using System.Net.Mime;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MassTransit;
using MassTransit.Serialization;

namespace Harmattan.Hosting;

/// <summary>
/// Reads MassTransit's JSON envelope (<c>application/vnd.masstransit+json</c>, the bytes MassTransit's own serializer
/// writes, which still writes them) in two passes instead of six. MassTransit's reader parses the whole body into a
/// document, writes it out again to read the envelope, parses the message into a second document, and writes and reads
/// that once more to get the message: every reading of a fetch crossed six times, a quarter of the transformer's and the
/// loader's CPU. Here the envelope is read from the bytes with the message skipped (kept as the range of bytes it
/// spans, not parsed into a document), and the message read from that range. A body an in-memory bus already parsed
/// goes MassTransit's way; a <see cref="JsonObject"/> consumer, another type and forwarding get the message as the JSON
/// element MassTransit would have given them, with the same options and the same errors.
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
            var bytes = body.GetBytes();
            var envelope = JsonSerializer.Deserialize<SkippedMessageEnvelope>(bytes, options)
                ?? throw new SerializationException("Message envelope not found");
            (envelope.Message as MessageBytes)?.Attach(bytes);
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

    private sealed class EnvelopeSerializerContext : SystemTextJsonSerializerContext
    {
        private readonly MessageEnvelope _envelope;

        public EnvelopeSerializerContext(JsonSerializerOptions options, ContentType contentType, MessageContext messageContext,
            MessageEnvelope envelope)
            : base(SystemTextJsonMessageSerializer.Instance, options, contentType, messageContext, envelope.MessageType ?? [], envelope) =>
            _envelope = envelope;

        /// <summary>Always set: a null or missing message fails in the base constructor.</summary>
        private MessageBytes Bytes => (MessageBytes)Message;

        public override bool TryGetMessage<T>(out T? message)
            where T : class
        {
            if (typeof(T) == typeof(JsonObject))
                message = JsonObject.Create(Bytes.Element) as T;
            else
                message = IsSupportedMessageType<T>() ? JsonSerializer.Deserialize<T>(Bytes.Utf8.Span, Options) : null;
            return message != null;
        }

        public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
        {
            message = JsonSerializer.Deserialize(Bytes.Utf8.Span, messageType, Options);
            return message != null;
        }

        // Forwarding, scheduling and redelivery write the message again: MassTransit's writer merges into a JSON element.
        public override IMessageSerializer GetMessageSerializer() =>
            new SystemTextJsonBodyMessageSerializer(WithElement(_envelope), ContentType, Options);

        public override IMessageSerializer GetMessageSerializer<T>(MessageEnvelope messageEnvelope, T message) =>
            base.GetMessageSerializer(WithElement(messageEnvelope), message);

        private static MessageEnvelope WithElement(MessageEnvelope envelope) =>
            envelope.Message is MessageBytes bytes ? new JsonMessageEnvelope(envelope) { Message = bytes.Element } : envelope;
    }

    /// <summary>MassTransit's envelope with its message skipped by the reader instead of parsed into a document.</summary>
    private sealed class SkippedMessageEnvelope : JsonMessageEnvelope
    {
        [JsonConverter(typeof(MessageBytesReader))]
        public new object? Message
        {
            get => base.Message;
            set => base.Message = value;
        }
    }

    /// <summary>
    /// Where the message lies in the body: the reader is over the whole body, so its token positions are offsets into
    /// it; the body is attached once the envelope is read. Written, it is the same JSON.
    /// </summary>
    [JsonConverter(typeof(MessageBytesWriter))]
    private sealed class MessageBytes(int start, int end)
    {
        private byte[] _body = [];
        private JsonElement? _element;

        public ReadOnlyMemory<byte> Utf8 => _body.AsMemory(start, end - start);

        /// <summary>The message as MassTransit's reader would hold it, parsed on first use.</summary>
        public JsonElement Element => _element ??= JsonSerializer.Deserialize<JsonElement>(Utf8.Span, SystemTextJsonMessageSerializer.Options);

        public void Attach(byte[] body) => _body = body;
    }

    private sealed class MessageBytesReader : JsonConverter<object?>
    {
        public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var start = checked((int)reader.TokenStartIndex);
            reader.Skip();
            return new MessageBytes(start, checked((int)reader.BytesConsumed));
        }

        public override void Write(Utf8JsonWriter writer, object? value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value, options);
    }

    private sealed class MessageBytesWriter : JsonConverter<MessageBytes>
    {
        public override MessageBytes Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("A message's bytes are read only as the message of an envelope.");

        public override void Write(Utf8JsonWriter writer, MessageBytes value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Utf8.Span);
    }

    private sealed class SerializerFactory : ISerializerFactory
    {
        public ContentType ContentType => SystemTextJsonMessageSerializer.JsonContentType;

        public IMessageSerializer CreateSerializer() => SystemTextJsonMessageSerializer.Instance;

        public IMessageDeserializer CreateDeserializer() => new EnvelopeJsonDeserializer();
    }
}
