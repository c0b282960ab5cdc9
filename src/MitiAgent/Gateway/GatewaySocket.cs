using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Http;
using MitiAgent.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Gateway;

/// <summary>Why a gateway socket ended.</summary>
/// <param name="CloseCode">The server's close code, when it sent one.</param>
/// <param name="Reason">The close reason text.</param>
/// <param name="LivenessTimeout">Nothing was received for 2 × ping interval, so the socket was aborted.</param>
/// <param name="Error">The transport error, if any.</param>
internal sealed record GatewayCloseInfo(int? CloseCode, string? Reason, bool LivenessTimeout, Exception? Error);

/// <summary>The gateway answered the WebSocket handshake with an HTTP status other than 101.</summary>
internal sealed class GatewayHandshakeException(HttpStatusCode status, TimeSpan? retryAfter, Exception inner)
    : Exception($"The gateway refused the connection with HTTP {(int)status}.", inner)
{
    public HttpStatusCode Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>What a gateway socket hands to its owner. Called from the socket's reader loop; must not block.</summary>
internal interface IGatewayFrameHandler
{
    /// <summary>
    /// An <c>event</c> frame (raw UTF-8 JSON). The returned task is awaited before the next frame is read: it is
    /// pending only while the handler queue is full and a worker is about to take the next event (backpressure).
    /// </summary>
    ValueTask OnEvent(GatewaySocket socket, ReadOnlySpan<byte> utf8Frame);

    /// <summary>An <c>ack</c> frame for a terminal stream frame.</summary>
    void OnAck(AckFrame ack);
}

/// <summary>
/// One gateway WebSocket (spec §4): bearer handshake, <c>hello</c>, a reader loop that never runs user code, a single
/// writer, an application <c>ping</c> every <c>ping_interval_ms</c> and a liveness deadline of 2 × that interval
/// checked by a timer armed for the exact deadline.
/// </summary>
internal sealed class GatewaySocket : IAsyncDisposable
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The default of <see cref="MitiAgentOptions.MaxInboundFrameBytes"/>.</summary>
    internal const int DefaultMaxInboundFrameBytes = 1024 * 1024;

    private readonly ClientWebSocket _ws;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    // Frames to write, in order; a null entry only wakes the writer for an ack waiting in _acks.
    private readonly Channel<byte[]?> _outbound = Channel.CreateUnbounded<byte[]?>(new UnboundedChannelOptions { SingleReader = true });

    // Acks jump the queue: the writer sends every waiting ack before the next frame of _outbound (spec §4.2).
    private readonly ConcurrentQueue<EventAck> _acks = new();
    private readonly Func<ReadOnlyMemory<byte>, ValueTask>? _beforeSend;
    private readonly TaskCompletionSource<GatewayCloseInfo> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _reconnect = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _deadAfter;
    private readonly MitiMetrics _metrics;
    private readonly int _maxFrameBytes;
    private ITimer? _pingTimer;
    private ITimer? _livenessTimer;
    private long _lastReceived;
    private volatile bool _livenessExpired;
    private int _closeCounted;
    private Task? _reader;
    private Task _writer = Task.CompletedTask;

    private GatewaySocket(ClientWebSocket ws, HelloFrame hello, TimeProvider time, ILogger log, MitiMetrics metrics, Func<ReadOnlyMemory<byte>, ValueTask>? beforeSend, int maxFrameBytes)
    {
        _ws = ws;
        _maxFrameBytes = maxFrameBytes;
        _beforeSend = beforeSend;
        Hello = hello;
        _time = time;
        _log = log;
        _metrics = metrics;
        PingInterval = TimeSpan.FromMilliseconds(hello.PingIntervalMs > 0 ? hello.PingIntervalMs : WireNames.Defaults.PingIntervalMs);
        AckTimeout = TimeSpan.FromMilliseconds(hello.AckTimeoutMs > 0 ? hello.AckTimeoutMs : WireNames.Defaults.AckTimeoutMs);
        _deadAfter = PingInterval * 2;
    }

    /// <summary>The server's <c>hello</c>.</summary>
    public HelloFrame Hello { get; }

    /// <summary>How often this socket pings.</summary>
    public TimeSpan PingInterval { get; }

    /// <summary>The server's ack timeout for this connection.</summary>
    public TimeSpan AckTimeout { get; }

    /// <summary>The token the socket was opened with.</summary>
    public string Token { get; private init; } = string.Empty;

    /// <summary>Completes once the socket has ended, with the reason.</summary>
    public Task<GatewayCloseInfo> Completion => _completion.Task;

    /// <summary>Completes (with the reason) when the server sent a <c>reconnect</c> frame.</summary>
    public Task<string?> ReconnectRequested => _reconnect.Task;

    /// <summary>
    /// Dials the gateway with the bearer token and waits for <c>hello</c> (bounded by <paramref name="connectTimeout"/>).
    /// From then until it ends the socket counts in <see cref="MitiTelemetry.Instruments.Connections"/>.
    /// <paramref name="beforeSend"/> is a test seam: awaited by the writer before each frame goes out (null in production).
    /// A frame above <paramref name="maxInboundFrameBytes"/> is read and thrown away in chunks (<c>hello</c>: the dial fails).
    /// </summary>
    /// <exception cref="GatewayHandshakeException">The server answered the handshake with an HTTP error status.</exception>
    public static async Task<GatewaySocket> ConnectAsync(
        Uri gatewayUri, string token, TimeSpan connectTimeout, TimeProvider time, ILogger log, IGatewayFrameHandler handler, MitiMetrics metrics, CancellationToken cancellationToken,
        Func<ReadOnlyMemory<byte>, ValueTask>? beforeSend = null, int maxInboundFrameBytes = DefaultMaxInboundFrameBytes)
    {
        var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Authorization", "Bearer " + token);
        ws.Options.KeepAliveInterval = TimeSpan.Zero; // liveness is the protocol's ping/pong
        ws.Options.CollectHttpResponseDetails = true;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        try
        {
            try
            {
                await ws.ConnectAsync(gatewayUri, timeout.Token).ConfigureAwait(false);
            }
            catch (WebSocketException ex) when (ws.HttpStatusCode is not 0 and not HttpStatusCode.SwitchingProtocols)
            {
                throw new GatewayHandshakeException(ws.HttpStatusCode, ParseRetryAfter(ws.HttpResponseHeaders, time), ex);
            }

            HelloFrame hello = await ReadHelloAsync(ws, maxInboundFrameBytes, timeout.Token).ConfigureAwait(false);
            var socket = new GatewaySocket(ws, hello, time, log, metrics, beforeSend, maxInboundFrameBytes) { Token = token };
            metrics.ConnectionOpened();
            socket.Start(handler);
            return socket;
        }
        catch
        {
            ws.Abort();
            ws.Dispose();
            throw;
        }
    }

    /// <summary>The handshake's <c>Retry-After</c> (seconds or HTTP date), read like the REST client reads it.</summary>
    private static TimeSpan? ParseRetryAfter(IReadOnlyDictionary<string, IEnumerable<string>>? headers, TimeProvider time) =>
        headers is not null && headers.TryGetValue("Retry-After", out var values)
            && System.Net.Http.Headers.RetryConditionHeaderValue.TryParse(values.FirstOrDefault(), out var header)
            ? ApiEnvelope.RetryAfter(header, time)
            : null;

    private static async Task<HelloFrame> ReadHelloAsync(ClientWebSocket ws, int maxFrameBytes, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        while (true)
        {
            var result = await ws.ReceiveAsync(buffer.GetMemory(1024), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"The gateway closed the connection before hello (code {(int?)ws.CloseStatus}).");
            }

            buffer.Advance(result.Count);
            if (buffer.WrittenCount > maxFrameBytes || result.MessageType == WebSocketMessageType.Binary)
            {
                throw new WebSocketException(WebSocketError.InvalidMessageType, "The gateway's first frame was not hello.");
            }

            if (!result.EndOfMessage)
            {
                continue;
            }

            if (GatewayFrameReader.TryReadType(buffer.WrittenSpan, out string? type) && type == WireNames.FrameTypes.Hello
                && GatewayFrameReader.TryDeserialize(buffer.WrittenSpan, MitiJsonContext.Default.HelloFrame) is { } hello)
            {
                return hello;
            }

            throw new WebSocketException(WebSocketError.InvalidMessageType, "The gateway's first frame was not hello.");
        }
    }

    private void Start(IGatewayFrameHandler handler)
    {
        Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        _pingTimer = _time.CreateTimer(static s => ((GatewaySocket)s!).SendPing(), this, PingInterval, PingInterval);
        _livenessTimer = _time.CreateTimer(static s => ((GatewaySocket)s!).CheckLiveness(), this, _deadAfter, Timeout.InfiniteTimeSpan);
        _writer = Task.Run(WriteLoopAsync);
        _reader = Task.Run(() => ReadLoopAsync(handler));
    }

    /// <summary>Queues a frame; <see langword="false"/> when the socket is closing or gone.</summary>
    public bool TrySend(byte[] utf8Frame) => !_completion.Task.IsCompleted && _outbound.Writer.TryWrite(utf8Frame);

    /// <summary>
    /// Queues the ack of an event ahead of every other waiting frame (spec §4.2: on receipt, before the handler runs).
    /// <paramref name="ack"/> settles as sent once the ack frame was handed to the socket (<c>SendAsync</c> completed),
    /// or as not sent when the socket ended first (the server will redeliver the event).
    /// </summary>
    public void SendAck(EventAck ack)
    {
        if (_completion.Task.IsCompleted)
        {
            ack.TrySettle(false);
            return;
        }

        _acks.Enqueue(ack);
        if (!_outbound.Writer.TryWrite(null))
        {
            // The writer has stopped (it may have stopped after its last look at the queue): nothing will send it.
            FailPendingAcks();
        }
    }

    /// <summary>Queues the ack of an event that goes to no dispatcher (see <see cref="SendAck(EventAck)"/>).</summary>
    /// <returns>The ack, to await whether it was sent.</returns>
    public EventAck SendAck(string eventId)
    {
        var ack = new EventAck(eventId);
        SendAck(ack);
        return ack;
    }

    /// <summary>
    /// The ack frame of an event (spec §4.2) as UTF-8 JSON, in a buffer rented from <see cref="ArrayPool{T}.Shared"/>
    /// (return it with <see cref="ReturnAck"/>): an ack per event is the gateway's most frequent frame.
    /// </summary>
    internal static ArraySegment<byte> RentAck(string eventId)
    {
        ReadOnlySpan<byte> prefix = "{\"type\":\"ack\",\"event_id\":\""u8;
        ReadOnlySpan<byte> suffix = "\"}"u8;
        if (!IsPlainId(eventId))
        {
            // Ids that JSON must escape (rare): the serializer writes them.
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(new AckFrame { EventId = eventId }, MitiJsonContext.Default.AckFrame);
            byte[] copy = ArrayPool<byte>.Shared.Rent(json.Length);
            json.CopyTo(copy, 0);
            return new ArraySegment<byte>(copy, 0, json.Length);
        }

        // A plain ASCII id is its own UTF-8: the same bytes the serializer writes, without an AckFrame or a new array.
        int length = prefix.Length + eventId.Length + suffix.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(length);
        prefix.CopyTo(buffer);
        for (int i = 0; i < eventId.Length; i++)
        {
            buffer[prefix.Length + i] = (byte)eventId[i];
        }

        suffix.CopyTo(buffer.AsSpan(prefix.Length + eventId.Length));
        return new ArraySegment<byte>(buffer, 0, length);
    }

    /// <summary>Gives a buffer of <see cref="RentAck"/> back to the pool.</summary>
    internal static void ReturnAck(ArraySegment<byte> ack) => ArrayPool<byte>.Shared.Return(ack.Array!);

    /// <summary>Letters, digits and <c>-_.:</c> only: characters JSON writes as they are.</summary>
    private static bool IsPlainId(string eventId)
    {
        foreach (char c in eventId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    private void SendPing() =>
        TrySend(JsonSerializer.SerializeToUtf8Bytes(new PingFrame { Ts = _time.GetUtcNow().ToUnixTimeMilliseconds() }, MitiJsonContext.Default.PingFrame));

    private void CheckLiveness()
    {
        TimeSpan silence = _time.GetElapsedTime(Volatile.Read(ref _lastReceived));
        if (silence >= _deadAfter)
        {
            GatewayLog.LivenessTimeout(_log, (long)silence.TotalMilliseconds);
            _livenessExpired = true;
            _ws.Abort();
            return;
        }

        // Something arrived meanwhile: re-arm for the exact new deadline.
        _livenessTimer?.Change(_deadAfter - silence, Timeout.InfiniteTimeSpan);
    }

    private async Task ReadLoopAsync(IGatewayFrameHandler handler)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);

        // True while the rest of a skipped frame (binary or over the size limit) is read and thrown away.
        bool discarding = false;
        try
        {
            while (true)
            {
                // Never read past the limit + 1 byte into the buffer: an oversized frame is detected, not buffered.
                Memory<byte> memory = buffer.GetMemory(4096);
                if (!discarding)
                {
                    memory = memory[..(int)Math.Min(memory.Length, (long)_maxFrameBytes + 1 - buffer.WrittenCount)];
                }

                var result = await _ws.ReceiveAsync(memory, CancellationToken.None).ConfigureAwait(false);
                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_ws.State == WebSocketState.CloseReceived)
                    {
                        // Answer the server's close once the writer has stopped (one send at a time).
                        _outbound.Writer.TryComplete();
                        using var cts = new CancellationTokenSource(CloseHandshakeTimeout);
                        await _writer.WaitAsync(cts.Token).ConfigureAwait(false);
                        await _ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token).ConfigureAwait(false);
                    }

                    Finish(new GatewayCloseInfo((int?)_ws.CloseStatus, _ws.CloseStatusDescription, false, null));
                    return;
                }

                if (discarding)
                {
                    // The chunk was read into the free space and is dropped; the buffer holds nothing of it.
                    discarding = !result.EndOfMessage;
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    // Spec §4: JSON text frames only. Skip it whole, once logged, without looking at its bytes.
                    GatewayLog.BinaryFrameSkipped(_log);
                    buffer.ResetWrittenCount();
                    discarding = !result.EndOfMessage;
                    continue;
                }

                buffer.Advance(result.Count);
                if (buffer.WrittenCount > _maxFrameBytes)
                {
                    GatewayLog.OversizedFrameSkipped(_log, _maxFrameBytes);
                    buffer.ResetWrittenCount();
                    discarding = !result.EndOfMessage;
                    continue;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                ValueTask handled = HandleFrame(handler, buffer.WrittenSpan);
                if (!handled.IsCompletedSuccessfully)
                {
                    await handled.ConfigureAwait(false);
                }

                buffer.ResetWrittenCount();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            Finish(new GatewayCloseInfo((int?)_ws.CloseStatus, _ws.CloseStatusDescription, _livenessExpired, ex));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else is a bug, but the socket must still end: a reader that died without Finish left CloseAsync
            // (and so StopAsync) waiting for Completion forever. The loop logs it as a lost connection and redials.
            _ws.Abort();
            Finish(new GatewayCloseInfo((int?)_ws.CloseStatus, _ws.CloseStatusDescription, _livenessExpired, ex));
        }
    }

    private ValueTask HandleFrame(IGatewayFrameHandler handler, ReadOnlySpan<byte> frame)
    {
        if (!GatewayFrameReader.TryReadType(frame, out string? type) || type is null)
        {
            GatewayLog.MalformedFrameSkipped(_log, null, null, "not a JSON object with a type");
            return default;
        }

        switch (type)
        {
            case WireNames.FrameTypes.Event:
                return handler.OnEvent(this, frame);
            case WireNames.FrameTypes.Ack:
                if (GatewayFrameReader.TryDeserialize(frame, MitiJsonContext.Default.AckFrame) is { EventId: not null } ack)
                {
                    handler.OnAck(ack);
                }
                else
                {
                    GatewayLog.MalformedFrameSkipped(_log, type, null, "ack without event_id");
                }

                break;
            case WireNames.FrameTypes.Reconnect:
                string? reason = GatewayFrameReader.TryDeserialize(frame, MitiJsonContext.Default.ReconnectFrame)?.Reason;
                GatewayLog.ServerRequestedReconnect(_log, reason);
                _reconnect.TrySetResult(reason);
                break;
            case WireNames.FrameTypes.Pong:
            case WireNames.FrameTypes.Hello:
                break; // liveness was already updated
            default:
                GatewayLog.UnknownFrameType(_log, type);
                break;
        }

        return default;
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (byte[]? frame in _outbound.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                while (_acks.TryDequeue(out EventAck? ack))
                {
                    // Written here, from the id, into a pooled buffer: the ack itself carries no frame.
                    ArraySegment<byte> ackFrame = RentAck(ack.EventId);
                    bool sent = false;
                    try
                    {
                        await SendFrameAsync(ackFrame).ConfigureAwait(false);
                        sent = true;
                    }
                    finally
                    {
                        // True only once SendAsync completed; a failed send says "not sent".
                        ReturnAck(ackFrame);
                        ack.TrySettle(sent);
                    }
                }

                if (frame is not null)
                {
                    await SendFrameAsync(frame).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The reader sees the same failure and reports it.
            _ws.Abort();
        }
        finally
        {
            FailPendingAcks();
        }
    }

    private async ValueTask SendFrameAsync(ReadOnlyMemory<byte> frame)
    {
        if (_beforeSend is not null)
        {
            await _beforeSend(frame).ConfigureAwait(false);
        }

        await _ws.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Completes every ack still waiting with "not sent" (the socket ended).</summary>
    private void FailPendingAcks()
    {
        while (_acks.TryDequeue(out EventAck? ack))
        {
            ack.TrySettle(false);
        }
    }

    private void Finish(GatewayCloseInfo info)
    {
        _pingTimer?.Dispose();
        _livenessTimer?.Dispose();
        _outbound.Writer.TryComplete();
        FailPendingAcks();
        CountClosed();
        _completion.TrySetResult(info);
    }

    /// <summary>Takes the socket out of the open-connections count, once.</summary>
    private void CountClosed()
    {
        if (Interlocked.Exchange(ref _closeCounted, 1) == 0)
        {
            _metrics.ConnectionClosed();
        }
    }

    /// <summary>Closes with <paramref name="code"/> and waits (bounded) for the server's close; then aborts.</summary>
    public async Task CloseAsync(WebSocketCloseStatus code, string reason)
    {
        _outbound.Writer.TryComplete();
        try
        {
            using var cts = new CancellationTokenSource(CloseHandshakeTimeout);
            await _writer.WaitAsync(cts.Token).ConfigureAwait(false);
            if (_ws.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _ws.CloseOutputAsync(code, reason, cts.Token).ConfigureAwait(false);
                await _completion.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or TimeoutException)
        {
            // Best effort: abort below.
        }

        _ws.Abort();
        await _completion.Task.ConfigureAwait(false);
    }

    /// <summary>Aborts the socket (no close handshake).</summary>
    public void Abort() => _ws.Abort();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _ws.Abort();
        try
        {
            if (_reader is not null)
            {
                await _reader.ConfigureAwait(false);
            }

            await _writer.ConfigureAwait(false);
        }
        finally
        {
            CountClosed();
            _pingTimer?.Dispose();
            _livenessTimer?.Dispose();
            _ws.Dispose();
        }
    }
}
