using System.Buffers;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace MitiAgent.Emulator;

/// <summary>
/// One agent WebSocket. A single writer loop owns sending (frames and the close handshake), the receive
/// loop hands complete text frames to the core; user-visible state is guarded by the core's lock.
/// </summary>
internal sealed class GatewayConnection
{
    private readonly WebSocket _socket;
    private readonly Channel<Outbound> _outbound = Channel.CreateUnbounded<Outbound>(new UnboundedChannelOptions { SingleReader = true });
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _aborted = new();
    private int _closeCode = -1;
    private string? _closeReason;

    public GatewayConnection(string connId, string appId, string token, WebSocket socket, long openedAt)
    {
        ConnId = connId;
        AppId = appId;
        Token = token;
        _socket = socket;
        OpenedAt = openedAt;
    }

    public string ConnId { get; }
    public string AppId { get; }
    public string Token { get; }
    public long OpenedAt { get; }

    /// <summary>Fault injection: nothing is written while silent (pongs, events, acks are swallowed).</summary>
    public bool Silent { get; set; }

    /// <summary>Set once a close was requested: the connection gets no new events.</summary>
    public bool Closing { get; private set; }

    public int EventsDelivered { get; set; }

    public int PingsReceived { get; set; }

    /// <summary>The close code the emulator sent, if it initiated the close.</summary>
    public int? SentCloseCode => _closeCode < 0 ? null : _closeCode;

    public string? SentCloseReason => _closeReason;

    public bool Send(byte[] frame)
    {
        if (Silent || Closing)
        {
            return false;
        }

        return _outbound.Writer.TryWrite(new Outbound(frame, 0, null));
    }

    /// <summary>Sends a frame even when silent (used for fault frames the test asked for explicitly), as a text or a binary message.</summary>
    public bool SendRaw(byte[] frame, bool binary = false) => !Closing && _outbound.Writer.TryWrite(new Outbound(frame, 0, null, binary));

    public void Close(int code, string reason)
    {
        if (Closing)
        {
            return;
        }

        Closing = true;
        _closeCode = code;
        _closeReason = reason;
        _outbound.Writer.TryWrite(new Outbound(null, code, reason));
        _outbound.Writer.TryComplete();
    }

    public void Abort()
    {
        Closing = true;
        _outbound.Writer.TryComplete();
        _aborted.Cancel();
        _socket.Abort();
    }

    /// <summary>When the receive loop last got data (a <see cref="System.Diagnostics.Stopwatch"/> timestamp, see <see cref="EventAck.Arrival"/>).</summary>
    public long LastReceivedAt { get; private set; }

    /// <summary>Runs until the socket ends. <paramref name="onFrame"/> gets each complete text frame.</summary>
    public async Task RunAsync(Action<GatewayConnection, ReadOnlyMemory<byte>> onFrame, Action<GatewayConnection, string> onProtocolError, int maxFrameBytes, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, _aborted.Token);
        var writer = WriteLoopAsync(linked.Token);
        try
        {
            await ReceiveLoopAsync(onFrame, onProtocolError, maxFrameBytes, linked.Token).ConfigureAwait(false);

            // The close handshake is under way: let the writer answer it, but not forever.
            _aborted.CancelAfter(CloseHandshakeTimeout);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            // Dropped, aborted or shut down: the socket is gone either way.
            _aborted.Cancel();
        }
        finally
        {
            _outbound.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            if (_socket.State is not WebSocketState.Closed)
            {
                _socket.Abort();
            }

            _aborted.Dispose();
        }
    }

    private async Task ReceiveLoopAsync(Action<GatewayConnection, ReadOnlyMemory<byte>> onFrame, Action<GatewayConnection, string> onProtocolError, int maxFrameBytes, CancellationToken ct)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var result = await _socket.ReceiveAsync(memory, ct).ConfigureAwait(false);
            LastReceivedAt = EmulatorCore.NextArrival(); // before any parsing: the arrival stamp of what this read brought
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (!Closing)
                {
                    // The agent closed: answer the close handshake.
                    Closing = true;
                    _closeCode = (int?)_socket.CloseStatus ?? (int)WebSocketCloseStatus.NormalClosure;
                    _closeReason = "closed by agent";
                    _outbound.Writer.TryWrite(new Outbound(null, (int)(_socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure), "bye"));
                    _outbound.Writer.TryComplete();
                }

                return;
            }

            buffer.Advance(result.Count);
            if (buffer.WrittenCount > maxFrameBytes)
            {
                onProtocolError(this, "frame too large");
                Close((int)WebSocketCloseStatus.MessageTooBig, "frame too large");
                buffer.Clear();
                continue;
            }

            if (!result.EndOfMessage)
            {
                continue;
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                onProtocolError(this, "binary frame");
            }
            else if (!Closing)
            {
                onFrame(this, buffer.WrittenMemory);
            }

            buffer.Clear();
        }
    }

    private async Task WriteLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var item in _outbound.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (item.Frame is not null)
                {
                    await _socket.SendAsync(item.Frame, item.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, endOfMessage: true, ct).ConfigureAwait(false);
                }
                else
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync((WebSocketCloseStatus)item.CloseCode, item.CloseReason, ct).ConfigureAwait(false);
                    }

                    // Give the agent a moment to answer the close handshake, then drop the socket.
                    _aborted.CancelAfter(CloseHandshakeTimeout);

                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The socket is gone; the receive loop ends too.
        }
    }

    private readonly record struct Outbound(byte[]? Frame, int CloseCode, string? CloseReason, bool Binary = false);
}
