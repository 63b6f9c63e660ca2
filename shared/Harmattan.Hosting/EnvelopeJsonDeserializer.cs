using System.Collections.Concurrent;
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
/// writes, which still writes them) in one pass instead of six. MassTransit's reader parses the whole body into a
/// document, writes it out again to read the envelope, parses the message into a second document, and writes and reads
/// that once more to get the message: every reading of a fetch crossed six times, a quarter of the transformer's and the
/// loader's CPU. Here the envelope is read from the bytes, and once a consumer has asked for a message of some type,
/// the next messages of that type are read as it in the same pass. The first message of a type, and one that does not
/// read as its type, has its message skipped (kept as the range of bytes it spans) and read from that range when asked
/// for, so it fails where MassTransit's reader fails it. A body an in-memory bus already parsed goes MassTransit's way; a
/// <see cref="JsonObject"/> consumer, another type and forwarding get the message as the JSON element MassTransit would
/// have given them, with the same options and the same errors.
/// </summary>
public sealed class EnvelopeJsonDeserializer : IMessageDeserializer
{
    /// <summary>Registers it in place of MassTransit's JSON deserializer, which stays the serializer.</summary>
    public static ISerializerFactory Factory { get; } = new SerializerFactory();

    /// <summary>
    /// By a message's first type (its URN), the envelope that reads it as the type its consumers asked for. Learned from
    /// their first message, because a deserializer is made before the consumers of its endpoint are known.
    /// </summary>
    private readonly ConcurrentDictionary<string, Type> _envelopesReadingTheMessage = new(StringComparer.Ordinal);

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
            var envelope = ReadEnvelope(bytes, options);
            (envelope.Message as MessageBytes)?.Attach(bytes);
            var messageContext = new EnvelopeMessageContext(envelope, SystemTextJsonMessageSerializer.Instance);
            return new EnvelopeSerializerContext(this, options, ContentType, messageContext, envelope);
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

    private JsonMessageEnvelope ReadEnvelope(byte[] bytes, JsonSerializerOptions options)
    {
        // Until a consumer has asked for a type there is nothing to look up, so the envelope's first properties are not read.
        if (!_envelopesReadingTheMessage.IsEmpty && FirstMessageType(bytes, options) is { } urn
            && _envelopesReadingTheMessage.TryGetValue(urn, out var envelopeType))
            try
            {
                if (JsonSerializer.Deserialize(bytes, envelopeType, options) is JsonMessageEnvelope envelope)
                    return envelope;
            }
            catch (Exception)
            {
                // Read again with the message skipped: one that does not read as its type then fails where MassTransit's
                // reader fails it, when a consumer asks for it, and a bad envelope fails as every bad envelope does.
            }
        return JsonSerializer.Deserialize<SkippedMessageEnvelope>(bytes, options) ?? throw new SerializationException("Message envelope not found");
    }

    /// <summary>
    /// The first of the envelope's <c>messageType</c>s, when it comes before its <c>message</c>, as MassTransit writes
    /// them: a few short values read, not the message.
    /// </summary>
    private static string? FirstMessageType(byte[] bytes, JsonSerializerOptions options)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            CommentHandling = options.ReadCommentHandling,
            AllowTrailingCommas = options.AllowTrailingCommas,
        });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName && !reader.ValueTextEquals("message"u8))
            {
                var isMessageType = reader.ValueTextEquals("messageType"u8);
                reader.Read();
                if (isMessageType)
                    return reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.String
                        ? reader.GetString()
                        : null;
                reader.Skip();
            }
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void ReadInTheEnvelopeFromNowOn<T>(string urn)
        where T : class =>
        _envelopesReadingTheMessage.TryAdd(urn, typeof(ParsedMessageEnvelope<T>));

    private sealed class EnvelopeSerializerContext : SystemTextJsonSerializerContext
    {
        private readonly EnvelopeJsonDeserializer _deserializer;
        private readonly MessageEnvelope _envelope;

        public EnvelopeSerializerContext(EnvelopeJsonDeserializer deserializer, JsonSerializerOptions options, ContentType contentType,
            MessageContext messageContext, MessageEnvelope envelope)
            : base(SystemTextJsonMessageSerializer.Instance, options, contentType, messageContext, envelope.MessageType ?? [], envelope)
        {
            _deserializer = deserializer;
            _envelope = envelope;
        }

        /// <summary>Always set: a null or missing message fails in the base constructor.</summary>
        private MessageBytes Bytes => (MessageBytes)Message;

        public override bool TryGetMessage<T>(out T? message)
            where T : class
        {
            if (Bytes is ParsedMessage<T> parsed)
                message = parsed.Message;
            else if (typeof(T) == typeof(JsonObject))
                message = JsonObject.Create(Bytes.Element) as T;
            else if (IsSupportedMessageType<T>())
            {
                message = JsonSerializer.Deserialize<T>(Bytes.Utf8.Span, Options);
                if (message != null && SupportedMessageTypes is [var urn, ..] && urn == MessageUrn.ForTypeString<T>())
                    _deserializer.ReadInTheEnvelopeFromNowOn<T>(urn);
            }
            else
                message = null;
            return message != null;
        }

        public override bool TryGetMessage(Type messageType, [NotNullWhen(true)] out object? message)
        {
            message = Bytes.Parsed?.GetType() == messageType ? Bytes.Parsed : JsonSerializer.Deserialize(Bytes.Utf8.Span, messageType, Options);
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

    /// <summary>MassTransit's envelope with its message read as <typeparamref name="T"/> in the same pass.</summary>
    private sealed class ParsedMessageEnvelope<T> : JsonMessageEnvelope
        where T : class
    {
        public new ParsedMessage<T>? Message
        {
            get => base.Message as ParsedMessage<T>;
            set => base.Message = value;
        }
    }

    /// <summary>
    /// Where the message lies in the body: the reader is over the whole body, so its token positions are offsets into
    /// it; the body is attached once the envelope is read. Written, it is the same JSON.
    /// </summary>
    [JsonConverter(typeof(MessageBytesWriter))]
    private class MessageBytes(int start, int end)
    {
        private byte[] _body = [];
        private JsonElement? _element;

        public ReadOnlyMemory<byte> Utf8 => _body.AsMemory(start, end - start);

        /// <summary>The message as MassTransit's reader would hold it, parsed on first use.</summary>
        public JsonElement Element => _element ??= JsonSerializer.Deserialize<JsonElement>(Utf8.Span, SystemTextJsonMessageSerializer.Options);

        public void Attach(byte[] body) => _body = body;

        /// <summary>The message, when it was read in the envelope's pass.</summary>
        public virtual object? Parsed => null;
    }

    [JsonConverter(typeof(ParsedMessageReaderFactory))]
    private sealed class ParsedMessage<T>(int start, int end, T message) : MessageBytes(start, end)
        where T : class
    {
        public T Message => message;

        public override object Parsed => message;
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

    /// <summary>Makes the reader of <see cref="ParsedMessage{T}"/> for each <c>T</c> (an attribute cannot name it).</summary>
    private sealed class ParsedMessageReaderFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(ParsedMessage<>);

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options)
        {
            var messageType = typeToConvert.GetGenericArguments()[0];
            return (JsonConverter)Activator.CreateInstance(typeof(ParsedMessageReader<>).MakeGenericType(messageType), options.GetConverter(messageType))!;
        }
    }

    /// <summary>
    /// Reads the message with the converter of its type: <c>JsonSerializer.Deserialize(ref reader)</c> would first skip
    /// the message to find its end, the pass this reader exists to save.
    /// </summary>
    private sealed class ParsedMessageReader<T>(JsonConverter<T> messageConverter) : JsonConverter<ParsedMessage<T>>
        where T : class
    {
        public override ParsedMessage<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var start = checked((int)reader.TokenStartIndex);
            var message = messageConverter.Read(ref reader, typeof(T), options) ?? throw new JsonException($"The message is not a {typeof(T).Name}.");
            return new ParsedMessage<T>(start, checked((int)reader.BytesConsumed), message);
        }

        public override void Write(Utf8JsonWriter writer, ParsedMessage<T> value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Utf8.Span);
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
