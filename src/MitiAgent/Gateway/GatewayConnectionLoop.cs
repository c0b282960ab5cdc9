using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using MitiAgent.Auth;
using MitiAgent.Diagnostics;
using MitiAgent.Internal;
using MitiAgent.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Gateway;

/// <summary>Why one connection (with its <c>reconnect</c> successors) ended, and the token it was opened with.</summary>
/// <param name="CloseCode">The server's close code, when it sent one.</param>
/// <param name="Reason">The close reason text.</param>
/// <param name="Error">The transport error, if any.</param>
/// <param name="LivenessTimeout">Nothing was received for 2 × ping interval, so the socket was aborted.</param>
/// <param name="Token">The access token of the last socket (invalidated on close 4001).</param>
internal sealed record ConnectionEnd(int? CloseCode, string? Reason, Exception? Error, bool LivenessTimeout, string Token)
{
    /// <summary>The end of a connection the agent closed itself because it is stopping.</summary>
    public static ConnectionEnd Stopped(GatewaySocket socket) => new(null, null, null, false, socket.Token);
}

/// <summary>
/// The connection loop (spec §4.3): token, dial, <c>hello</c>, serve until the socket ends, then back off and dial
/// again. One dial at a time, one socket at a time (except during a <c>reconnect</c> hand-over), jittered exponential
/// backoff reset after 60 s up, close codes and handshake statuses per spec. Liveness is the socket's own deadline.
/// </summary>
internal sealed class GatewayConnectionLoop
{
    private readonly TokenManager _tokens;
    private readonly MitiEndpoints _endpoints;
    private readonly TimeSpan _connectTimeout;
    private readonly int _maxInboundFrameBytes;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly MitiMetrics _metrics;
    private readonly Action<MitiClientState, Exception?> _setState;

    /// <param name="tokens">Issues the bearer tokens; a fatal background refresh ends the running session.</param>
    /// <param name="endpoints">Where the gateway is.</param>
    /// <param name="connectTimeout">The limit of one dial until <c>hello</c>.</param>
    /// <param name="maxInboundFrameBytes">The largest frame a socket reads (<see cref="MitiAgentOptions.MaxInboundFrameBytes"/>).</param>
    /// <param name="time">The clock of backoff and liveness.</param>
    /// <param name="gatewayLogger">The <c>MitiAgent.Gateway</c> logger.</param>
    /// <param name="metrics">Counts reconnects and rate-limited answers.</param>
    /// <param name="setState">Reports the client's state changes.</param>
    /// <param name="currentSession">The client's running session, or <see langword="null"/> when it is not running.</param>
    public GatewayConnectionLoop(TokenManager tokens, MitiEndpoints endpoints, TimeSpan connectTimeout, int maxInboundFrameBytes, TimeProvider time, ILogger gatewayLogger, MitiMetrics metrics, Action<MitiClientState, Exception?> setState, Func<GatewaySession?> currentSession)
    {
        _tokens = tokens;
        _endpoints = endpoints;
        _connectTimeout = connectTimeout;
        _maxInboundFrameBytes = maxInboundFrameBytes;
        _time = time;
        _log = gatewayLogger;
        _metrics = metrics;
        _setState = setState;

        // A background refresh that meets 10001/10004 (secret rotated, app disabled) ends the running session.
        _ = tokens.Fatal.ContinueWith(
            static (t, state) =>
            {
                var (loop, current) = ((GatewayConnectionLoop, Func<GatewaySession?>))state!;
                if (current() is { } session)
                {
                    loop.FailFatal(session, t.Exception!.InnerException!);
                }
            },
            (this, currentSession),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Test seam: awaited by each gateway socket's writer before a frame goes out (holds the writer in tests).</summary>
    public Func<ReadOnlyMemory<byte>, ValueTask>? SendHook { get; set; }

    /// <summary>A one-line reason for the log: the error's message, never a stack or a secret.</summary>
    public static string Describe(Exception ex) => ex switch
    {
        MitiRateLimitedException => "rate limited",
        MitiApiException api when api.HttpStatus is int status and not 200 => "HTTP " + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
        MitiApiException api => "code " + api.Code.ToString(System.Globalization.CultureInfo.InvariantCulture),
        OperationCanceledException => "timed out",
        _ => ex.Message,
    };

    /// <summary>Runs until <paramref name="session"/> stops (completes it) or a fatal error ends it (faults it).</summary>
    public async Task RunAsync(GatewaySession session)
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
                    GatewayLog.TokenUnavailable(_log, Describe(ex));
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
                    GatewayLog.HandshakeRejected(_log, 401);
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
                    GatewayLog.HandshakeRejected(_log, 403);
                    throw new MitiAuthException(WireNames.Codes.AppDisabled, "app disabled");
                }
                catch (GatewayHandshakeException ex)
                {
                    GatewayLog.HandshakeRejected(_log, (int)ex.Status);
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
                var end = await ServeAsync(session, socket, stopping).ConfigureAwait(false);
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                string reason;
                switch (end.CloseCode)
                {
                    case WireNames.CloseCodes.TokenRevoked:
                        GatewayLog.ClosedByServer(_log, end.CloseCode, end.Reason);
                        _tokens.Invalidate(end.Token, "gateway close 4001");
                        delay = TimeSpan.Zero; // refresh and reconnect at once
                        reason = MitiMetrics.ReconnectReasons.TokenRevoked;
                        break;
                    case WireNames.CloseCodes.AppDisabled:
                        GatewayLog.ClosedByServer(_log, end.CloseCode, end.Reason);
                        throw new MitiAuthException(WireNames.Codes.AppDisabled, "app disabled");
                    case WireNames.CloseCodes.MalformedFrame:
                        GatewayLog.AgentSentMalformedFrame(_log);
                        reason = MitiMetrics.ReconnectReasons.MalformedFrame;
                        break;
                    case null when end.LivenessTimeout:
                        // The socket already logged the one Warning line of a liveness abort.
                        GatewayLog.ConnectionError(_log, "liveness timeout", end.Error);
                        reason = MitiMetrics.ReconnectReasons.PingTimeout;
                        break;
                    case null:
                        LogConnectionLost(end.Error);
                        reason = MitiMetrics.ReconnectReasons.ConnectionLost;
                        break;
                    default:
                        GatewayLog.ClosedByServer(_log, end.CloseCode, end.Reason);
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

    /// <summary>Ends a session on a fatal error: the connection loop stops and RunAsync / StartAsync throw it.</summary>
    public void FailFatal(GatewaySession session, Exception error)
    {
        if (!session.Fault(error))
        {
            return;
        }

        GatewayLog.Fatal(_log, (error as MitiAuthException)?.Code ?? 0, error.Message);
        _setState(MitiClientState.Faulted, error);
        session.StopLoop();
    }

    /// <summary>
    /// Whether a failed token request is worth retrying: everything but a fatal answer (10001/10004), a stop, and a
    /// disposed client (spec §2: HTTP 5xx, 429, network errors and timeouts are transient).
    /// </summary>
    private static bool IsTransientTokenFailure(Exception ex, CancellationToken stopping) =>
        !stopping.IsCancellationRequested && ex is not (MitiAuthException or ObjectDisposedException);

    /// <summary>(ref) <c>gateway connection lost</c> as one Warning line; the error's stack only at Debug.</summary>
    private void LogConnectionLost(Exception? error)
    {
        GatewayLog.ConnectionLost(_log);
        GatewayLog.ConnectionError(_log, error is null ? "closed without a close frame" : Describe(error), error);
    }

    private async Task<GatewaySocket> DialAsync(GatewaySession session, string token, CancellationToken stopping)
    {
        _setState(session.EverConnected ? MitiClientState.Reconnecting : MitiClientState.Connecting, null);
        GatewayLog.Connecting(_log, _endpoints.GatewayUri);
        var socket = await GatewaySocket.ConnectAsync(_endpoints.GatewayUri, token, _connectTimeout, _time, _log, session.Frames, _metrics, stopping, SendHook, _maxInboundFrameBytes).ConfigureAwait(false);
        GatewayLog.Hello(_log, socket.Hello.ConnId, socket.Hello.PingIntervalMs, socket.Hello.AckTimeoutMs);
        return socket;
    }

    /// <summary>Serves one connection (and its <c>reconnect</c> successors) until it ends; returns why it ended.</summary>
    private async Task<ConnectionEnd> ServeAsync(GatewaySession session, GatewaySocket socket, CancellationToken stopping)
    {
        session.SetCurrent(socket);
        _setState(MitiClientState.Connected, null);
        GatewayLog.Connected(_log);
        var stopped = Task.Delay(Timeout.Infinite, stopping);
        try
        {
            while (true)
            {
                var done = await Task.WhenAny(socket.Completion, socket.ReconnectRequested, stopped).ConfigureAwait(false);
                if (done == stopped)
                {
                    return ConnectionEnd.Stopped(socket);
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
                        _setState(MitiClientState.Connected, null);
                        await socket.Completion.WaitAsync(stopping).ConfigureAwait(false);
                        return await EndAsync(session, socket).ConfigureAwait(false);
                    }

                    _metrics.Reconnect(MitiMetrics.ReconnectReasons.ServerReconnect);
                    var old = socket;
                    socket = next;
                    session.SetCurrent(socket);
                    _setState(MitiClientState.Connected, null);
                    GatewayLog.Connected(_log);
                    _ = CloseAndDisposeAsync(old);
                    continue;
                }

                return await EndAsync(session, socket).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return ConnectionEnd.Stopped(socket);
        }
    }

    /// <summary>Detaches a socket that has ended and says why it ended.</summary>
    private static async Task<ConnectionEnd> EndAsync(GatewaySession session, GatewaySocket socket)
    {
        var ended = await socket.Completion.ConfigureAwait(false);
        session.SetCurrent(null);
        await socket.DisposeAsync().ConfigureAwait(false);
        return new ConnectionEnd(ended.CloseCode, ended.Reason, ended.Error, ended.LivenessTimeout, socket.Token);
    }

    private static async Task CloseAndDisposeAsync(GatewaySocket socket)
    {
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "reconnect hand-over").ConfigureAwait(false);
        await socket.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WaitBeforeRedialAsync(GatewaySession session, ReconnectBackoff backoff, TimeSpan? delay, CancellationToken stopping)
    {
        _setState(session.EverConnected ? MitiClientState.Reconnecting : MitiClientState.Connecting, null);
        TimeSpan wait = delay ?? backoff.NextDelay();
        GatewayLog.Reconnecting(_log, Backoff.ToLogSeconds(wait));
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, stopping).ConfigureAwait(false);
        }
    }
}
