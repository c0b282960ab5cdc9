using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using MitiAgent.Auth;
using MitiAgent.Diagnostics;
using MitiAgent.Gateway;
using MitiAgent.Http;
using MitiAgent.Internal;
using MitiAgent.Logging;
using MitiAgent.Rest;
using MitiAgent.Streaming;

namespace MitiAgent;

/// <summary>
/// Connects an agent to Miti: access token with proactive refresh, the gateway WebSocket with keepalive and
/// reconnects, acked events dispatched to an <see cref="IMitiAgentHandler"/> with bounded concurrency, replies
/// (plain, markdown, streamed), history, and a clean shutdown that drains running handlers.
/// </summary>
/// <example>
/// <code>
/// await using var client = new MitiAgentClient(new MitiAgentOptions { AppId = "cli_...", AppSecret = secret });
/// await client.RunAsync(new EchoAgent());   // until Ctrl+C / SIGTERM
/// </code>
/// </example>
public sealed class MitiAgentClient : IAsyncDisposable
{
    private readonly MitiAgentOptions _options;
    private readonly string _appId; // options.AppId, else MITI_APP_ID
    private readonly MitiEndpoints _endpoints;
    private readonly MitiLoggers _log;
    private readonly TimeProvider _time;
    private readonly MitiMetrics _metrics;
    private readonly HttpClient _http;
    private readonly TokenManager _tokens;
    private readonly MitiRestClient _rest;
    private readonly GatewayConnectionLoop _loop;
    private readonly TerminalFrameSender _terminalFrames;
    private readonly GatewayReplyTransport _replies;
    private readonly ClientLifecycle _lifecycle;
    private int _disposed;

    /// <summary>Creates a client. Nothing connects until <see cref="StartAsync"/> or <see cref="RunAsync"/>.</summary>
    /// <param name="options">App credentials, base URL and limits; validated here.</param>
    /// <param name="loggerFactory">
    /// Where the SDK logs (categories <c>MitiAgent.Auth|Gateway|Message</c>). Without one, warnings and errors go to
    /// standard error unless <see cref="MitiAgentOptions.LogToStandardErrorWithoutLoggerFactory"/> is off.
    /// </param>
    /// <param name="timeProvider">The clock for refresh, keepalive, backoff and timeouts (tests pass a fake one).</param>
    /// <param name="httpMessageHandler">The handler for REST calls (token, send, history); the client does not dispose it.</param>
    /// <param name="meterFactory">
    /// Creates the client's <c>MitiAgent</c> meter (from DI in hosted apps); without one the meter is shared by every
    /// client of the process. The factory owns the meter: the client never disposes it. See <see cref="MitiTelemetry"/>.
    /// </param>
    /// <exception cref="MitiConfigurationException">Missing credentials, bad values, or an insecure/invalid base URL.</exception>
    public MitiAgentClient(MitiAgentOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null, HttpMessageHandler? httpMessageHandler = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        (_appId, string appSecret) = options.ResolveCredentials();
        _endpoints = MitiEndpoints.Resolve(options.BaseUrl);
        _options = options;
        _log = new MitiLoggers(loggerFactory ?? (options.LogToStandardErrorWithoutLoggerFactory ? StandardErrorFallback : null));
        _time = timeProvider ?? TimeProvider.System;
        _metrics = MitiMetrics.For(meterFactory);
        _http = MitiHttpClient.Create(httpMessageHandler);
        _tokens = new TokenManager(_endpoints, _appId, appSecret, _http, _time, _log.Auth, metrics: _metrics);
        _rest = new MitiRestClient(_endpoints, _http, _tokens, _time, _log.Message, options.MaxSendRetries, metrics: _metrics);
        _lifecycle = new ClientLifecycle(options, _time, (previous, state, error) => StateChanged?.Invoke(this, new MitiStateChangedEventArgs(previous, state, error)));
        _loop = new GatewayConnectionLoop(_tokens, _endpoints, options.ConnectTimeout, options.MaxInboundFrameBytes, _time, _log.Gateway, _metrics, _lifecycle.SetState, () => _lifecycle.Gateway);
        _terminalFrames = new TerminalFrameSender(() => _lifecycle.Gateway, _time, _log.Message, _metrics);
        _replies = new GatewayReplyTransport(_rest, _terminalFrames, () => _lifecycle.Gateway, _time, options.StreamDeltaInterval, _log.Message);
    }

    /// <summary>Warnings and errors of clients created without a logger factory (see <see cref="MitiAgentOptions.LogToStandardErrorWithoutLoggerFactory"/>).</summary>
    internal static ILoggerFactory StandardErrorFallback { get; set; } = new StandardErrorLoggerFactory();

    /// <summary>Test seam: awaited by each gateway socket's writer before a frame goes out (holds the writer in tests).</summary>
    internal Func<ReadOnlyMemory<byte>, ValueTask>? GatewaySendHook
    {
        get => _loop.SendHook;
        set => _loop.SendHook = value;
    }

    /// <summary>The base URL in use (resolved from options, <c>MITI_API_BASE_URL</c> or the default).</summary>
    public string BaseUrl => _endpoints.BaseUrl;

    /// <summary>The current connection state.</summary>
    public MitiClientState State => _lifecycle.State;

    /// <summary>Raised on every state change (on the thread that caused it; keep handlers short).</summary>
    public event EventHandler<MitiStateChangedEventArgs>? StateChanged;

    /// <summary>
    /// Connects and handles events with <paramref name="handler"/> until <paramref name="cancellationToken"/> is
    /// cancelled, Ctrl+C / SIGTERM arrives (when <see cref="MitiAgentOptions.RegisterSignals"/>), or a fatal error
    /// occurs; then stops cleanly (see <see cref="StopAsync"/>).
    /// </summary>
    /// <exception cref="MitiAuthException">Bad credentials or app disabled (at start or later).</exception>
    public async Task RunAsync(IMitiAgentHandler handler, CancellationToken cancellationToken = default)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        using var signals = _options.RegisterSignals ? new SignalHandlers(stop) : null;
        GatewaySession session;
        try
        {
            session = await StartRunAsync(handler, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || stop.Task.IsCompleted)
        {
            return; // StartAsync already stopped what it had started
        }

        await Task.WhenAny(stop.Task, session.Completion).ConfigureAwait(false);
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (session.Completion.IsFaulted)
        {
            await session.Completion.ConfigureAwait(false); // rethrows the fatal error
        }
    }

    /// <summary>
    /// Fetches a token, connects to the gateway and returns once the server said <c>hello</c>. Transient failures of the
    /// token request and of the dial (HTTP 5xx, 429 with <c>Retry-After</c>, network errors, timeouts) are logged and
    /// retried with the jittered backoff of spec §4.3 until connected, until <paramref name="cancellationToken"/> is
    /// cancelled, or until <see cref="MitiAgentOptions.StartupTimeout"/> (when set) has passed.
    /// </summary>
    /// <exception cref="MitiAuthException">Bad credentials (10001) or app disabled (10004, handshake 403, close 4003).</exception>
    /// <exception cref="TimeoutException"><see cref="MitiAgentOptions.StartupTimeout"/> passed first; the inner exception is the last failure.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled first.</exception>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public Task StartAsync(IMitiAgentHandler handler, CancellationToken cancellationToken = default) => StartRunAsync(handler, cancellationToken);

    /// <summary>
    /// Stops taking events, waits for running handlers and pending final frames up to
    /// <see cref="MitiAgentOptions.ShutdownTimeout"/>, cancels what still runs, and closes the gateway with 1000.
    /// Events that arrive meanwhile are not acked, so the platform redelivers them elsewhere. Safe to call twice.
    /// </summary>
    /// <param name="cancellationToken">
    /// Ends the graceful part early (as <c>IHostedService.StopAsync</c> expects): once it is
    /// cancelled, running handlers are cancelled at once instead of at the <see cref="MitiAgentOptions.ShutdownTimeout"/>
    /// deadline, and the stop completes. Only a stop that cannot begin (another start or stop holds the client) throws
    /// <see cref="OperationCanceledException"/>.
    /// </param>
    public Task StopAsync(CancellationToken cancellationToken = default) => _lifecycle.StopAsync(() => _terminalFrames.Pending, cancellationToken);

    /// <summary>Stops (if running) and releases sockets, timers and the HTTP client. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _tokens.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
        _lifecycle.Dispose();
    }

    /// <summary>Sends a message to a user or group (spec §6.1).</summary>
    /// <exception cref="ArgumentException">Invalid content or target (checked before any request).</exception>
    /// <exception cref="MitiApiException">The platform refused it (e.g. 10012 no permission, 10013 not found).</exception>
    /// <exception cref="MitiRateLimitedException">Still rate limited after the allowed retries.</exception>
    public async Task<SentMessage> SendMessageAsync(MessageTarget target, OutgoingContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(content);
        var data = await _rest.SendAsync(content.ToRequest(target, replyToMessageId: null), cancellationToken).ConfigureAwait(false);
        return SentMessage.From(data);
    }

    /// <summary>
    /// The newest <paramref name="limit"/> messages of a conversation, oldest first, and whether older ones exist
    /// (spec §7). The page is also the list of its messages. Events read their own conversation with
    /// <see cref="MessageEvent.GetHistoryAsync(int, CancellationToken)"/>.
    /// </summary>
    /// <param name="conversationId">The conversation, e.g. <see cref="EventMessage.ConversationId"/>.</param>
    /// <param name="limit">How many messages, 1–100 (default 10).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page: <see cref="HistoryPage.Messages"/> and <see cref="HistoryPage.HasMore"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="conversationId"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not 1–100.</exception>
    /// <exception cref="MitiApiException">The server refused the request.</exception>
    public Task<HistoryPage> GetHistoryAsync(string conversationId, int limit = 10, CancellationToken cancellationToken = default) =>
        _rest.GetHistoryPageAsync(conversationId, limit, cancellationToken);

    /// <summary>The options; never prints the secret.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => $"MitiAgentClient {{ BaseUrl = {_endpoints.BaseUrl}, AppId = {_appId}, State = {State} }}";

    private async Task<GatewaySession> StartRunAsync(IMitiAgentHandler handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return await _lifecycle.StartAsync(
            () => ClientRun.Create(handler, this, _options, _replies, _terminalFrames, _log.Gateway, _time, _metrics), _loop, () => _terminalFrames.Pending, cancellationToken).ConfigureAwait(false);
    }
}
