using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Harmattan.IntegrationTests.Observability;

/// <summary>One span as an OTLP collector receives it: the service that sent it, its trace id and its name.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string Name);

/// <summary>
/// The trace half of an OTLP/HTTP collector (<c>POST /v1/traces</c>, protobuf): it keeps the service name, trace id and
/// name of every span it receives. It reads the few fields it needs straight from the protobuf wire format.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpTraceReceiver(WebApplication app) => _app = app;

    public string Endpoint { get; private set; } = "";
    public IReadOnlyCollection<ReceivedSpan> Spans => _spans.ToArray();

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in ExportTraceServiceRequest(body.ToArray()))
                receiver._spans.Enqueue(span);
            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        receiver.Endpoint = app.Urls.Single();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
    // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
    // Resource { repeated KeyValue attributes = 1; }   KeyValue { string key = 1; AnyValue value = 2; }
    // AnyValue { string string_value = 1; ... }   ScopeSpans { repeated Span spans = 2; }
    // Span { bytes trace_id = 1; bytes span_id = 2; ... string name = 5; }
    private static IEnumerable<ReceivedSpan> ExportTraceServiceRequest(byte[] message)
    {
        foreach (var resourceSpans in Fields(message).Where(f => f.Number == 1))
        {
            var service = "";
            var scopes = new List<byte[]>();
            foreach (var field in Fields(resourceSpans.Bytes))
            {
                if (field.Number == 1)
                    foreach (var attribute in Fields(field.Bytes).Where(f => f.Number == 1))
                    {
                        var parts = Fields(attribute.Bytes).ToList();
                        var key = Text(parts.FirstOrDefault(p => p.Number == 1));
                        if (key == "service.name")
                            service = Text(Fields(parts.First(p => p.Number == 2).Bytes).FirstOrDefault(p => p.Number == 1));
                    }
                else if (field.Number == 2)
                    scopes.Add(field.Bytes);
            }
            foreach (var scope in scopes)
                foreach (var span in Fields(scope).Where(f => f.Number == 2))
                {
                    var parts = Fields(span.Bytes).ToList();
                    var traceId = Convert.ToHexStringLower(parts.First(p => p.Number == 1).Bytes);
                    yield return new ReceivedSpan(service, traceId, Text(parts.FirstOrDefault(p => p.Number == 5)));
                }
        }
    }

    private static string Text(Field? field) => field is null ? "" : Encoding.UTF8.GetString(field.Bytes);

    private sealed record Field(int Number, byte[] Bytes);

    /// <summary>The length-delimited fields of a message; varint and fixed-width fields are skipped.</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = Varint(message, ref position);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0:
                    Varint(message, ref position);
                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = (int)Varint(message, ref position);
                    yield return new Field(number, message[position..(position + length)]);
                    position += length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type {key & 7} at byte {position}.");
            }
        }
    }

    private static ulong Varint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
        }
    }
}
