using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>
/// A real, local Miti server (Kestrel): the token endpoint, the gateway WebSocket, messages/send and history,
/// plus a control API (this class, and HTTP under <c>/_emulator</c>) to inject user messages, read what the
/// agent sent and inject faults. Start it with <see cref="StartAsync"/>, point an agent at <see cref="BaseUrl"/>.
/// </summary>
public sealed class MitiEmulator : IAsyncDisposable
{
    /// <summary>How long the <c>WaitFor…</c> methods wait when no timeout is given.</summary>
    public static readonly TimeSpan DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    private readonly MitiEmulatorOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly EmulatorCore _core;
    private readonly string _pathBase;
    private WebApplication? _app;
    private string? _rootUrl;
    private int _state; // 0 new, 1 started, 2 stopped

    /// <summary>Creates an emulator; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Settings; defaults listen on a free loopback port.</param>
    /// <param name="loggerFactory">Where the emulator logs (category <c>MitiAgent.Emulator</c>); none by default.</param>
    public MitiEmulator(MitiEmulatorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new MitiEmulatorOptions();
        _pathBase = NormalizePathBase(_options.PathBase);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("MitiAgent.Emulator");
        _core = new EmulatorCore(_options, _logger);
        Faults = new MitiEmulatorFaults(_core);
    }

    /// <summary>The base URL agents use (e.g. <c>http://127.0.0.1:40123/chat</c>). Available after start.</summary>
    public string BaseUrl => (_rootUrl ?? throw NotStarted()) + _pathBase;

    /// <summary>The gateway WebSocket URL (<c>ws://…/chat/agent/gateway</c>).</summary>
    public Uri GatewayUri => new("ws" + BaseUrl["http".Length..] + WireNames.Paths.Gateway);

    /// <summary>The root of the HTTP control API (<c>http://…/_emulator</c>).</summary>
    public string ControlUrl => (_rootUrl ?? throw NotStarted()) + ControlEndpoints.Prefix;

    /// <summary>The chat page (<c>http://…/</c>): talk to the agent as a user, watch its connections and inject faults.</summary>
    public string ChatPageUrl => (_rootUrl ?? throw NotStarted()) + "/";

    /// <summary>The clock the emulator uses (token expiry, ack timeouts, rate limits).</summary>
    public TimeProvider TimeProvider => _options.TimeProvider;

    /// <summary>Fault injection.</summary>
    public MitiEmulatorFaults Faults { get; }

    /// <summary>Starts listening. Throws if the address is in use.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The emulator was already started.");
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(MitiEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.WebHost.UseUrls(_options.ListenUrl);
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);

        // Embedded in another program (tests, samples), the emulator must not stop on that program's Ctrl+C/SIGTERM:
        // its owner stops it (after draining its agent). The emulator program handles signals itself.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();

        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        EmulatorEndpoints.MapMitiApi(app, _core, _pathBase, _options.MaxFrameBytes, _logger, stopping);
        ControlEndpoints.MapControlApi(app, this);
        ChatPageEndpoints.Map(app, _core, _pathBase, stopping);
        ControlEndpoints.MapControlFallback(app);

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // E.g. the address is in use: release what the host built (a caller may try another port).
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _app = app;
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _rootUrl = address.TrimEnd('/');
        Log.Listening(_logger, BaseUrl);
    }

    /// <summary>Closes every gateway connection with 1001 (going away) and stops listening.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1 || _app is null)
        {
            return;
        }

        _core.CloseEverything(WireNames.CloseCodes.GoingAway, "emulator stopping");
        // Let the close handshakes finish (bounded), then stop Kestrel.
        long started = TimeProvider.System.GetTimestamp();
        while (_core.AttachedSockets() > 0 && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await _app.StopAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>Stops (if running) and releases the server. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- apps, users, groups

    /// <summary>Registers (or replaces) an app. Replacing it with <c>Disabled = true</c> closes its connections with 4003.</summary>
    public EmulatorApp RegisterApp(EmulatorApp app)
    {
        _core.RegisterApp(app);
        return app;
    }

    /// <summary>Registers (or replaces) an app.</summary>
    public EmulatorApp RegisterApp(string appId, string appSecret, TimeSpan? tokenLifetime = null) =>
        RegisterApp(new EmulatorApp(appId, appSecret) { TokenLifetime = tokenLifetime ?? TimeSpan.FromHours(2) });

    /// <summary>The registered apps.</summary>
    public IReadOnlyList<EmulatorApp> Apps => _core.Apps;

    /// <summary>Disables an app (its connections are closed with 4003, tokens refused with 10004) or enables it again.</summary>
    public void SetAppDisabled(string appId, bool disabled = true) => _core.SetAppDisabled(appId, disabled);

    /// <summary>Registers a user (users are also created on first injection).</summary>
    public void RegisterUser(string userId, string? name = null) => _core.RegisterUser(userId, name);

    /// <summary>Registers a group with its members and the apps (agents) allowed to post in it.</summary>
    public void RegisterGroup(string groupId, string? name, IEnumerable<string> memberIds, IEnumerable<string>? agentAppIds = null) =>
        _core.RegisterGroup(groupId, name, memberIds, agentAppIds ?? []);

    /// <summary>Makes sends from <paramref name="appId"/> to <paramref name="userId"/> fail with 10012 (no permission).</summary>
    public void BlockAgent(string userId, string appId, bool blocked = true) => _core.SetAgentBlocked(userId, appId, blocked);

    // ---------------------------------------------------------------- injection

    /// <summary>The user sends the agent a direct text message (<c>im.message.receive</c>).</summary>
    public InjectedEvent InjectMessage(string appId, string userId, string text, string? userName = null) =>
        _core.InjectMessage(appId, userId, WireNames.MsgTypes.Text, TextContent(text), userName);

    /// <summary>The user sends the agent a direct message of any <c>msg_type</c> with raw content.</summary>
    public InjectedEvent InjectMessage(string appId, string userId, string msgType, JsonElement content, string? userName = null) =>
        _core.InjectMessage(appId, userId, msgType, content, userName);

    /// <summary>The user @mentions the agent in a group (<c>im.message.group_at</c>, <c>at_text</c> starting with <c>@name</c>).</summary>
    public InjectedEvent InjectGroupAt(string appId, string groupId, string userId, string text, string? userName = null) =>
        _core.InjectGroupAt(appId, groupId, userId, WireNames.MsgTypes.AtText, _core.AtTextFor(appId, text), userName);

    /// <summary>A group @mention with any <c>msg_type</c> and raw content.</summary>
    public InjectedEvent InjectGroupAt(string appId, string groupId, string userId, string msgType, JsonElement content, string? userName = null) =>
        _core.InjectGroupAt(appId, groupId, userId, msgType, content, userName);

    /// <summary>The user stops the running answer of <paramref name="runId"/> (<c>assistant.cancel</c>).</summary>
    public InjectedEvent InjectCancel(string appId, string runId) => _core.InjectCancel(appId, runId);

    private static JsonElement TextContent(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return JsonSerializer.SerializeToElement(new TextContent { Text = text }, MitiJsonContext.Default.TextContent);
    }

    // ---------------------------------------------------------------- observation

    /// <summary>Messages the agents sent through <c>messages/send</c>, in order.</summary>
    public IReadOnlyList<SentMessage> SentMessages => _core.Sent.Snapshot();

    /// <summary>Every stream frame received (each attempt of a resent terminal frame included).</summary>
    public IReadOnlyList<ReceivedStreamFrame> StreamFrames => _core.StreamFrames.Snapshot();

    /// <summary>The accepted terminal result of each streamed run.</summary>
    public IReadOnlyList<FinalAnswer> FinalAnswers => _core.FinalAnswers.Snapshot();

    /// <summary>Every event frame written to a connection.</summary>
    public IReadOnlyList<EventDelivery> Deliveries => _core.Deliveries.Snapshot();

    /// <summary>Every event ack received from agents.</summary>
    public IReadOnlyList<EventAck> EventAcks => _core.EventAcks.Snapshot();

    /// <summary>Every Miti API request answered (token, send, history, gateway handshakes).</summary>
    public IReadOnlyList<RequestRecord> Requests => _core.Requests.Snapshot();

    /// <summary>Gateway connections that have ended, with their close codes.</summary>
    public IReadOnlyList<ClosedConnection> ClosedConnections => _core.ClosedConnections.Snapshot();

    /// <summary>Every injected event.</summary>
    public IReadOnlyList<InjectedEvent> InjectedEvents => _core.Injected.Snapshot();

    /// <summary>Open gateway connections (of one app, or all).</summary>
    public IReadOnlyList<ConnectionInfo> GetConnections(string? appId = null) => _core.Connections(appId);

    /// <summary>A conversation as history renders it, oldest first (empty when unknown).</summary>
    public IReadOnlyList<HistoryMessage> GetConversation(string appId, string conversationId) => _core.Conversation(appId, conversationId);

    /// <summary>The access tokens issued to an app (for secret-leak tests).</summary>
    public IReadOnlyList<string> GetIssuedTokens(string appId) => _core.IssuedTokens(appId);

    /// <summary>The most gateway sockets the app ever had attached at once (closing ones included).</summary>
    public int GetPeakConnectionCount(string appId) => _core.PeakConnections(appId);

    /// <summary>How many events of an app are delivered but not acked yet.</summary>
    public int GetPendingDeliveryCount(string appId) => _core.PendingDeliveries(appId);

    /// <summary>Waits (real time) for a sent message that matches (existing ones count).</summary>
    public Task<SentMessage> WaitForSentMessageAsync(Func<SentMessage, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.Sent.WaitAsync(match ?? (_ => true), timeout ?? DefaultWaitTimeout, "sent message", cancellationToken);

    /// <summary>Waits (real time) for the final answer of a run.</summary>
    public Task<FinalAnswer> WaitForFinalAnswerAsync(string runId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.FinalAnswers.WaitAsync(f => f.RunId == runId, timeout ?? DefaultWaitTimeout, $"final answer for run {runId}", cancellationToken);

    /// <summary>Waits (real time) for a received stream frame that matches.</summary>
    public Task<ReceivedStreamFrame> WaitForStreamFrameAsync(Func<ReceivedStreamFrame, bool> match, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.StreamFrames.WaitAsync(match, timeout ?? DefaultWaitTimeout, "stream frame", cancellationToken);

    /// <summary>Waits (real time) for a connection (opened now or earlier) that matches.</summary>
    public Task<ConnectionInfo> WaitForConnectionAsync(Func<ConnectionInfo, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.OpenedConnections.WaitAsync(match ?? (_ => true), timeout ?? DefaultWaitTimeout, "gateway connection", cancellationToken);

    /// <summary>Waits (real time) for a connection to end.</summary>
    public Task<ClosedConnection> WaitForConnectionClosedAsync(Func<ClosedConnection, bool>? match = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.ClosedConnections.WaitAsync(match ?? (_ => true), timeout ?? DefaultWaitTimeout, "closed connection", cancellationToken);

    /// <summary>Waits (real time) for an event delivery that matches.</summary>
    public Task<EventDelivery> WaitForDeliveryAsync(Func<EventDelivery, bool> match, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.Deliveries.WaitAsync(match, timeout ?? DefaultWaitTimeout, "event delivery", cancellationToken);

    /// <summary>Waits (real time) for the agent's ack of an event.</summary>
    public Task<EventAck> WaitForEventAckAsync(string eventId, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.EventAcks.WaitAsync(a => a.EventId == eventId, timeout ?? DefaultWaitTimeout, $"ack of {eventId}", cancellationToken);

    /// <summary>Waits (real time) for an answered Miti API request that matches.</summary>
    public Task<RequestRecord> WaitForRequestAsync(Func<RequestRecord, bool> match, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        _core.Requests.WaitAsync(match, timeout ?? DefaultWaitTimeout, "request", cancellationToken);

    private static string NormalizePathBase(string pathBase)
    {
        string trimmed = (pathBase ?? string.Empty).Trim().TrimEnd('/');
        return trimmed.Length == 0 ? string.Empty : trimmed.StartsWith('/') ? trimmed : "/" + trimmed;
    }

    /// <summary>A host lifetime that ignores process signals.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static InvalidOperationException NotStarted() => new("The emulator has not been started (call StartAsync).");
}
