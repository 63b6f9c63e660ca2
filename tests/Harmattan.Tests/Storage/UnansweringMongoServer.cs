using System.Net;
using System.Net.Sockets;
using MongoDB.Driver;

namespace Harmattan.Tests.Storage;

/// <summary>
/// A MongoDB address whose server accepts connections and does not answer: <see cref="Silent"/> never sends a byte;
/// <see cref="InFrontOf"/> passes the traffic to a real server until <see cref="StopAnswering"/>, after which it
/// keeps every connection open and drops what it receives, as a server whose process is frozen (kill -STOP) does.
/// </summary>
public sealed class UnansweringMongoServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly MongoServerAddress? _target;
    private readonly CancellationTokenSource _disposed = new();
    private readonly List<Socket> _sockets = [];
    private volatile bool _answering;

    private UnansweringMongoServer(MongoServerAddress? target, int port = 0)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _target = target;
        _answering = target is not null;
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>A server that never answers, not even the driver's handshake.</summary>
    public static UnansweringMongoServer Silent() => new(null);

    /// <summary>A server that answers as <paramref name="connectionString"/>'s (its first host) until <see cref="StopAnswering"/>.</summary>
    public static UnansweringMongoServer InFrontOf(string connectionString) => new(MongoUrl.Create(connectionString).Server);

    /// <summary>As <see cref="InFrontOf(string)"/>, on <paramref name="port"/>: a server that was down comes up there.</summary>
    public static UnansweringMongoServer InFrontOf(string connectionString, int port) => new(MongoUrl.Create(connectionString).Server, port);

    /// <summary>A loopback port nothing listens on, as the moment it is asked.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>host:port, as the store's messages name it.</summary>
    public string Host => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public string ConnectionString => $"mongodb://{Host}/?directConnection=true";

    public void StopAnswering() => _answering = false;

    public void Dispose()
    {
        _disposed.Cancel();
        _listener.Stop();
        lock (_sockets)
            foreach (var socket in _sockets)
                socket.Dispose();
        _disposed.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = Track(await _listener.AcceptSocketAsync(_disposed.Token));
                if (!_answering || _target is null)
                    continue;
                var server = Track(new Socket(SocketType.Stream, ProtocolType.Tcp));
                await server.ConnectAsync(_target.Host, _target.Port, _disposed.Token);
                _ = ForwardAsync(client, server);
                _ = ForwardAsync(server, client);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private async Task ForwardAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int received;
            while ((received = await from.ReceiveAsync(buffer, _disposed.Token)) > 0)
                if (_answering)
                    await to.SendAsync(buffer.AsMemory(0, received), _disposed.Token);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private Socket Track(Socket socket)
    {
        lock (_sockets)
            _sockets.Add(socket);
        return socket;
    }
}
