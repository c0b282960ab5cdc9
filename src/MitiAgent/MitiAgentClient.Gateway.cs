using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging;
using MitiAgent.Protocol;

namespace MitiAgent;

public sealed partial class MitiAgentClient
{
    /// <summary>
    /// The connection loop (spec §4.3): one dial at a time, one socket at a time (except during a <c>reconnect</c>
    /// hand-over), jittered exponential backoff reset after 60 s up, close codes and handshake statuses per spec.
    /// </summary>
    private async Task RunGatewayAsync(Session session)
    {
        var backoff = new ReconnectBackoff(_time);
        int rejectedTokens = 0;
        var stopping = session.Stopping.Token;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                TimeSpan? delay = null;
                string token;
                try
                {
                    token = await _tokens.GetTokenAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsTransientTokenFailure(ex, stopping))
                {
                    // Spec §2: 5xx, 429 and network errors are transient, at startup too: back off and try again.
                    GatewayLog.TokenUnavailable(_log.Gateway, Describe(ex));
                    session.LastFailure = ex;
                    _metrics.Reconnect(MitiMetrics.ReconnectReasons.TokenUnavailable);
                    delay = (ex as MitiRateLimitedException)?.RetryAfter;
                    await WaitBeforeRedialAsync(session, backoff, delay, stopping).ConfigureAwait(false);
                    continue;
                }

                GatewaySocket socket;
                try
                {
                    socket = await DialAsync(session, token, stopping).ConfigureAwait(false);
                }
                catch (GatewayHandshakeException ex) when (ex.Status == HttpStatusCode.Unauthorized)
                {
                    // Token rejected: drop it and redial at once with a fresh one; twice in a row is an error.
                    GatewayLog.HandshakeRejected(_log.Gateway, 401);
                    _tokens.Invalidate(token, "gateway handshake 401");
                    if (++rejectedTokens >= 2)
                    {
                        throw new MitiAuthException(WireNames.Codes.InvalidToken, "the gateway rejected a freshly issued access token");
                    }

                    _metrics.Reconnect(MitiMetrics.ReconnectReasons.TokenInvalid);
                    continue;
                }
                catch (GatewayHandshakeException ex) when (ex.Status == HttpStatusCode.Forbidden)
                {
                    GatewayLog.HandshakeRejected(_log.Gateway, 403);
                    throw new MitiAuthException(WireNames.Codes.AppDisabled, "app disabled");
                }
                catch (GatewayHandshakeException ex)
                {
                    GatewayLog.HandshakeRejected(_log.Gateway, (int)ex.Status);
                    session.LastFailure = ex;
                    bool rateLimited = ex.Status == HttpStatusCode.TooManyRequests;
                    if (rateLimited)
                    {
                        _metrics.RateLimitedAnswer(MitiMetrics.Operations.Gateway);
                    }

                    _metrics.Reconnect(rateLimited ? MitiMetrics.ReconnectReasons.RateLimited : MitiMetrics.ReconnectReasons.HandshakeFailed);
                    delay = rateLimited && ex.RetryAfter is { } retryAfter ? retryAfter : null;
                    await WaitBeforeRedialAsync(session, backoff, delay, stopping).ConfigureAwait(false);
                    continue;
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException || (ex is OperationCanceledException && !stopping.IsCancellationRequested))
                {
                    LogConnectionLost(ex);
                    session.LastFailure = ex;
                    _metrics.Reconnect(MitiMetrics.ReconnectReasons.ConnectFailed);
                    await WaitBeforeRedialAsync(session, backoff, null, stopping).ConfigureAwait(false);
                    continue;
                }

                rejectedTokens = 0;
                backoff.OnConnected();
                var info = await ServeAsync(session, socket, stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                string reason;
                switch (info.CloseCode)
                {
                    case WireNames.CloseCodes.TokenRevoked:
                        GatewayLog.ClosedByServer(_log.Gateway, info.CloseCode, info.Reason);
                        _tokens.Invalidate(info.Token, "gateway close 4001");
                        delay = TimeSpan.Zero; // refresh and reconnect at once
                        reason = MitiMetrics.ReconnectReasons.TokenRevoked;
                        break;
                    case WireNames.CloseCodes.AppDisabled:
                        GatewayLog.ClosedByServer(_log.Gateway, info.CloseCode, info.Reason);
                        throw new MitiAuthException(WireNames.Codes.AppDisabled, "app disabled");
                    case WireNames.CloseCodes.MalformedFrame:
                        GatewayLog.AgentSentMalformedFrame(_log.Gateway);
                        reason = MitiMetrics.ReconnectReasons.MalformedFrame;
                        break;
                    case null when info.LivenessTimeout:
                        // The socket already logged the one Warning line of a liveness abort.
                        GatewayLog.ConnectionError(_log.Gateway, "liveness timeout", info.Error);
                        reason = MitiMetrics.ReconnectReasons.PingTimeout;
                        break;
                    case null:
                        LogConnectionLost(info.Error);
                        reason = MitiMetrics.ReconnectReasons.ConnectionLost;
                        break;
                    default:
                        GatewayLog.ClosedByServer(_log.Gateway, info.CloseCode, info.Reason);
                        reason = MitiMetrics.ReconnectReasons.ServerClosed;
                        break;
                }

                _metrics.Reconnect(reason);

                await WaitBeforeRedialAsync(session, backoff, delay, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // Fatal: bad credentials, app disabled, token rejected twice.
            FailFatal(session, ex);
            return;
        }

        session.Complete();
    }

    /// <summary>
    /// Whether a failed token request is worth retrying: everything but a fatal answer (10001/10004), a stop, and a
    /// disposed client (spec §2: HTTP 5xx, 429, network errors and timeouts are transient).
    /// </summary>
    private static bool IsTransientTokenFailure(Exception ex, CancellationToken stopping) =>
        !stopping.IsCancellationRequested && ex is not (MitiAuthException or ObjectDisposedException);

    /// <summary>A one-line reason for the log: the error's message, never a stack or a secret.</summary>
    private static string Describe(Exception ex) => ex switch
    {
        MitiRateLimitedException => "rate limited",
        MitiApiException api when api.HttpStatus is int status and not 200 => "HTTP " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        MitiApiException api => "code " + api.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        OperationCanceledException => "timed out",
        _ => ex.Message,
    };

    /// <summary>(ref) <c>gateway connection lost</c> as one Warning line; the error's stack only at Debug.</summary>
    private void LogConnectionLost(Exception? error)
    {
        GatewayLog.ConnectionLost(_log.Gateway);
        GatewayLog.ConnectionError(_log.Gateway, error is null ? "closed without a close frame" : Describe(error), error);
    }

    /// <summary>Ends a session on a fatal error: the connection loop stops and RunAsync / StartAsync throw it.</summary>
    private void FailFatal(Session session, Exception error)
    {
        if (!session.Fault(error))
        {
            return;
        }

        GatewayLog.Fatal(_log.Gateway, (error as MitiAuthException)?.Code ?? 0, error.Message);
        SetState(MitiClientState.Faulted, error);
        session.StopLoop();
    }

    private async Task<GatewaySocket> DialAsync(Session session, string token, CancellationToken stopping)
    {
        SetState(session.EverConnected ? MitiClientState.Reconnecting : MitiClientState.Connecting, null);
        GatewayLog.Connecting(_log.Gateway, _endpoints.GatewayUri);
        var socket = await GatewaySocket.ConnectAsync(_endpoints.GatewayUri, token, _options.ConnectTimeout, _time, _log.Gateway, session, _metrics, stopping, GatewaySendHook).ConfigureAwait(false);
        GatewayLog.Hello(_log.Gateway, socket.Hello.ConnId, socket.Hello.PingIntervalMs, socket.Hello.AckTimeoutMs);
        return socket;
    }

    /// <summary>Serves one connection (and its <c>reconnect</c> successors) until it ends; returns why it ended.</summary>
    private async Task<(int? CloseCode, string? Reason, Exception? Error, bool LivenessTimeout, string Token)> ServeAsync(Session session, GatewaySocket socket, CancellationToken stopping)
    {
        session.SetCurrent(socket);
        SetState(MitiClientState.Connected, null);
        GatewayLog.Connected(_log.Gateway);
        var stopped = Task.Delay(Timeout.Infinite, stopping);
        try
        {
            while (true)
            {
                var done = await Task.WhenAny(socket.Completion, socket.ReconnectRequested, stopped).ConfigureAwait(false);
                if (done == stopped)
                {
                    return (null, null, null, false, socket.Token);
                }

                if (done == socket.ReconnectRequested && !socket.Completion.IsCompleted)
                {
                    // Hand-over: open the new connection first, then close the old one; events flow on both meanwhile.
                    GatewaySocket? next = null;
                    try
                    {
                        next = await DialAsync(session, await _tokens.GetTokenAsync(stopping).ConfigureAwait(false), stopping).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or GatewayHandshakeException || (ex is OperationCanceledException && !stopping.IsCancellationRequested))
                    {
                        if (ex is GatewayHandshakeException { Status: HttpStatusCode.TooManyRequests })
                        {
                            _metrics.RateLimitedAnswer(MitiMetrics.Operations.Gateway);
                        }

                        LogConnectionLost(ex);
                    }

                    if (next is null)
                    {
                        // Keep serving the old socket until the server closes it; then the normal path redials.
                        SetState(MitiClientState.Connected, null);
                        await socket.Completion.WaitAsync(stopping).ConfigureAwait(false);
                        return await EndAsync(session, socket).ConfigureAwait(false);
                    }

                    _metrics.Reconnect(MitiMetrics.ReconnectReasons.ServerReconnect);
                    var old = socket;
                    socket = next;
                    session.SetCurrent(socket);
                    SetState(MitiClientState.Connected, null);
                    GatewayLog.Connected(_log.Gateway);
                    _ = CloseAndDisposeAsync(old);
                    continue;
                }

                return await EndAsync(session, socket).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return (null, null, null, false, socket.Token);
        }
    }

    /// <summary>Detaches a socket that has ended and says why it ended.</summary>
    private static async Task<(int? CloseCode, string? Reason, Exception? Error, bool LivenessTimeout, string Token)> EndAsync(Session session, GatewaySocket socket)
    {
        var ended = await socket.Completion.ConfigureAwait(false);
        session.SetCurrent(null);
        await socket.DisposeAsync().ConfigureAwait(false);
        return (ended.CloseCode, ended.Reason, ended.Error, ended.LivenessTimeout, socket.Token);
    }

    private static async Task CloseAndDisposeAsync(GatewaySocket socket)
    {
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "reconnect hand-over").ConfigureAwait(false);
        await socket.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WaitBeforeRedialAsync(Session session, ReconnectBackoff backoff, TimeSpan? delay, CancellationToken stopping)
    {
        SetState(session.EverConnected ? MitiClientState.Reconnecting : MitiClientState.Connecting, null);
        TimeSpan wait = delay ?? backoff.NextDelay();
        GatewayLog.Reconnecting(_log.Gateway, Backoff.ToLogSeconds(wait));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
        }
    }

    /// <summary>One run of the client, from start to stop: dispatcher, connection loop and current socket.</summary>
    private sealed class Session : IGatewayFrameHandler
    {
        private readonly MitiAgentClient _owner;
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _gate = new();
        private TaskCompletionSource _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile GatewaySocket? _current;

        public Session(MitiAgentClient owner, EventDispatcher dispatcher)
        {
            _owner = owner;
            Dispatcher = dispatcher;
        }

        public EventDispatcher Dispatcher { get; }

        public CancellationTokenSource Stopping { get; } = new();

        public Task Run { get; set; } = Task.CompletedTask;

        /// <summary>The last transient failure of a token request or dial (for the startup timeout's message).</summary>
        public Exception? LastFailure { get; set; }

        public GatewaySocket? Current => _current;

        public bool EverConnected => _connected.Task.IsCompleted;

        /// <summary>Completes at the first <c>hello</c>; faults with a fatal startup error.</summary>
        public Task Connected => _connected.Task;

        /// <summary>Completes when the connection loop ends: successfully on stop, faulted on a fatal error.</summary>
        public Task Completion => _completion.Task;

        public void SetCurrent(GatewaySocket? socket)
        {
            TaskCompletionSource? wake = null;
            lock (_gate)
            {
                _current = socket;
                if (socket is not null)
                {
                    wake = _nextConnection;
                    _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            if (socket is not null)
            {
                _connected.TrySetResult();
                wake!.TrySetResult();
            }
        }

        public Task WaitForConnectionAsync(CancellationToken cancellationToken)
        {
            Task next;
            lock (_gate)
            {
                if (_current is not null)
                {
                    return Task.CompletedTask;
                }

                next = _nextConnection.Task;
            }

            return next.WaitAsync(cancellationToken);
        }

        /// <summary>Records a fatal error; <see langword="false"/> when the session had already ended.</summary>
        public bool Fault(Exception error)
        {
            if (!_completion.TrySetException(error))
            {
                return false;
            }

            _connected.TrySetException(error);
            lock (_gate)
            {
                _nextConnection.TrySetException(error);
            }

            return true;
        }

        /// <summary>Makes the connection loop end (the socket is closed by <see cref="ShutdownAsync"/>).</summary>
        public void StopLoop()
        {
            try
            {
                Stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already shut down.
            }
        }

        public void Complete()
        {
            _connected.TrySetCanceled();
            _completion.TrySetResult();
            lock (_gate)
            {
                _nextConnection.TrySetCanceled();
            }
        }

        /// <summary>Ends the connection loop and closes the socket with 1000.</summary>
        public async Task ShutdownAsync()
        {
            await Stopping.CancelAsync().ConfigureAwait(false);
            if (_current is { } socket)
            {
                SetCurrent(null);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "agent stopping").ConfigureAwait(false);
                await socket.DisposeAsync().ConfigureAwait(false);
            }

            try
            {
                await Run.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException)
            {
                // Stopped while starting.
            }

            Complete();
            Dispatcher.Dispose();
            Stopping.Dispose();
        }

        ValueTask IGatewayFrameHandler.OnEvent(GatewaySocket socket, ReadOnlySpan<byte> utf8Frame)
        {
            if (!Dispatcher.Accepting)
            {
                // Shutting down: leave it un-acked so the platform redelivers it to another instance.
                return default;
            }

            var log = _owner._log.Gateway;
            var result = AgentEvent.FromUtf8Json(utf8Frame, _owner);

            // Spec §4.2: acked on receipt (also duplicates, unknown types and malformed events with an id); the
            // dispatcher starts no handler before this ack reached the socket.
            Task<bool> acked = result.EventId is { } eventId ? socket.SendAckAsync(eventId) : GatewaySocket.AckNotSent;
            _owner._metrics.EventReceived(result.EventType);
            switch (result.Status)
            {
                case EventParseStatus.Ok:
                    GatewayLog.EventReceived(log, result.EventType!, result.EventId!);
                    if (log.IsEnabled(LogLevel.Trace))
                    {
                        GatewayLog.EventPayload(log, result.EventId!, Encoding.UTF8.GetString(utf8Frame));
                    }

                    return Dispatcher.DispatchAsync(result.Event!, acked, socket.AckTimeout);
                case EventParseStatus.UnknownType:
                    GatewayLog.EventReceived(log, result.EventType!, result.EventId!);
                    Dispatcher.ReportNoHandler(result.EventType!);
                    return default;
                default:
                    GatewayLog.MalformedFrameSkipped(log, result.EventType, result.EventId, result.Reason ?? "malformed event");
                    _owner._metrics.EventDropped(result.EventType, MitiMetrics.DropReasons.Malformed);
                    return default;
            }
        }

        void IGatewayFrameHandler.OnAck(AckFrame ack)
        {
            if (_owner._pendingAcks.TryGetValue(ack.EventId!, out var pending))
            {
                pending.TrySetResult(ack);
            }
        }
    }
}
