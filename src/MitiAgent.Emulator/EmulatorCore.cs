using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

/// <summary>The emulator's behaviour, independent of HTTP plumbing. One lock guards all state.</summary>
internal sealed partial class EmulatorCore
{
    private static readonly MitiJsonContext Json = MitiJsonContext.Default;

    private readonly object _gate = new();
    private readonly MitiEmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, AppState> _apps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UserState> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupState> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TokenState> _tokens = new(StringComparer.Ordinal);
    private readonly List<RequestFailureRule> _requestFailures = [];
    private long _sequence;
    private int _dropServerAcks;
    private TimeSpan _serverAckDelay;
    private int _ignoreEventAcks;
    private int _duplicateEvents;

    public EmulatorCore(MitiEmulatorOptions options, ILogger logger)
    {
        _options = options;
        _time = options.TimeProvider;
        _logger = logger;
        Sent = new(Changes.Signal);
        StreamFrames = new(); // signalled once the frame is applied (OnStreamFrame)
        FinalAnswers = new(Changes.Signal);
        Deliveries = new(Changes.Signal);
        EventAcks = new(Changes.Signal);
        Requests = new();
        OpenedConnections = new(Changes.Signal);
        ClosedConnections = new(Changes.Signal);
        Injected = new(Changes.Signal);
        foreach (var app in options.Apps)
        {
            RegisterApp(app);
        }
    }

    /// <summary>Goes up on every change the chat page shows.</summary>
    public ChangeFeed Changes { get; } = new();

    public ObservableLog<SentMessage> Sent { get; }
    public ObservableLog<ReceivedStreamFrame> StreamFrames { get; }
    public ObservableLog<FinalAnswer> FinalAnswers { get; }
    public ObservableLog<EventDelivery> Deliveries { get; }
    public ObservableLog<EventAck> EventAcks { get; }
    public ObservableLog<RequestRecord> Requests { get; }
    public ObservableLog<ConnectionInfo> OpenedConnections { get; }
    public ObservableLog<ClosedConnection> ClosedConnections { get; }
    public ObservableLog<InjectedEvent> Injected { get; }

    public TimeProvider Time => _time;

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>When something arrived: a <see cref="System.Diagnostics.Stopwatch"/> timestamp, shared by event acks and message sends.</summary>
    public static long NextArrival() => System.Diagnostics.Stopwatch.GetTimestamp();

    private string NextId(string prefix) => prefix + "-" + Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- registration

    public void RegisterApp(EmulatorApp app)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrWhiteSpace(app.AppId);
        ArgumentException.ThrowIfNullOrEmpty(app.AppSecret);
        if (app.TokenLifetime < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(app), "TokenLifetime must be at least one second.");
        }

        lock (_gate)
        {
            if (_apps.TryGetValue(app.AppId, out var existing))
            {
                existing.App = app;
                if (app.Disabled)
                {
                    CloseAll(existing, WireNames.CloseCodes.AppDisabled, "app disabled");
                }
            }
            else
            {
                _apps[app.AppId] = new AppState(app);
            }
        }
    }

    public void SetAppDisabled(string appId, bool disabled)
    {
        lock (_gate)
        {
            var app = GetApp(appId);
            app.App = app.App with { Disabled = disabled };
            if (disabled)
            {
                CloseAll(app, WireNames.CloseCodes.AppDisabled, "app disabled");
            }
        }
    }

    public IReadOnlyList<EmulatorApp> Apps
    {
        get
        {
            lock (_gate)
            {
                return _apps.Values.Select(a => a.App).OrderBy(a => a.AppId, StringComparer.Ordinal).ToArray();
            }
        }
    }

    public void RegisterUser(string userId, string? name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            EnsureUser(userId, name);
        }
    }

    public void RegisterGroup(string groupId, string? name, IEnumerable<string> memberIds, IEnumerable<string> agentAppIds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(groupId);
        lock (_gate)
        {
            var group = EnsureGroup(groupId, name);
            foreach (var member in memberIds)
            {
                EnsureUser(member, null);
                group.Members.Add(member);
            }

            foreach (var agent in agentAppIds)
            {
                group.Agents.Add(agent);
            }
        }
    }

    public void SetAgentBlocked(string userId, string appId, bool blocked)
    {
        lock (_gate)
        {
            var user = EnsureUser(userId, null);
            if (blocked)
            {
                user.BlockedApps.Add(appId);
            }
            else
            {
                user.BlockedApps.Remove(appId);
            }
        }
    }

    private UserState EnsureUser(string userId, string? name)
    {
        if (!_users.TryGetValue(userId, out var user))
        {
            user = new UserState(userId, name ?? userId);
            _users[userId] = user;
        }
        else if (name is not null)
        {
            user.Name = name;
        }

        return user;
    }

    private GroupState EnsureGroup(string groupId, string? name)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            group = new GroupState(groupId, name ?? groupId);
            _groups[groupId] = group;
        }
        else if (name is not null)
        {
            group.Name = name;
        }

        return group;
    }

    private AppState GetApp(string appId) =>
        _apps.TryGetValue(appId, out var app) ? app : throw new ArgumentException($"No app '{appId}' is registered with the emulator.", nameof(appId));

    // ---------------------------------------------------------------- tokens

    public (int Status, int Code, string Msg, TokenData? Data) IssueToken(TokenRequest? request)
    {
        if (request is null || string.IsNullOrEmpty(request.AppId) || string.IsNullOrEmpty(request.AppSecret))
        {
            return (200, WireNames.Codes.InvalidParameter, "app_id and app_secret are required", null);
        }

        lock (_gate)
        {
            if (!_apps.TryGetValue(request.AppId, out var app) || !FixedTimeEquals(app.App.AppSecret, request.AppSecret))
            {
                return (200, WireNames.Codes.InvalidCredentials, "invalid app_id or app_secret", null);
            }

            if (app.App.Disabled)
            {
                return (200, WireNames.Codes.AppDisabled, "app disabled", null);
            }

            string token = "t-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
            int expiresIn = (int)Math.Ceiling(app.App.TokenLifetime.TotalSeconds);
            _tokens[token] = new TokenState(token, app.App.AppId, Now + (expiresIn * 1000L));
            Log.TokenIssued(_logger, app.App.AppId, expiresIn);
            return (200, WireNames.Codes.Ok, "ok", new TokenData { AccessToken = token, ExpiresIn = expiresIn });
        }
    }

    private static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(expected),
            System.Text.Encoding.UTF8.GetBytes(actual));

    /// <summary>Validates a bearer token for REST calls: 401/10002 when unknown, expired or revoked; 10004 when the app is disabled.</summary>
    public (string? AppId, int Status, int Code, string Msg) Authenticate(string? token)
    {
        lock (_gate)
        {
            var state = FindLiveToken(token);
            if (state is null)
            {
                return (null, 401, WireNames.Codes.InvalidToken, "access token invalid or expired");
            }

            var app = _apps[state.AppId];
            return app.App.Disabled
                ? (state.AppId, 200, WireNames.Codes.AppDisabled, "app disabled")
                : (state.AppId, 200, WireNames.Codes.Ok, "ok");
        }
    }

    private TokenState? FindLiveToken(string? token)
    {
        if (token is null || !_tokens.TryGetValue(token, out var state) || state.Revoked || Now >= state.ExpiresAt)
        {
            return null;
        }

        return state;
    }

    public IReadOnlyList<string> IssuedTokens(string appId)
    {
        lock (_gate)
        {
            return _tokens.Values.Where(t => t.AppId == appId).Select(t => t.Token).ToArray();
        }
    }

    public int RevokeTokens(string? appId, string? token)
    {
        lock (_gate)
        {
            int revoked = 0;
            foreach (var state in _tokens.Values)
            {
                if (state.Revoked || (token is not null && state.Token != token) || (appId is not null && state.AppId != appId))
                {
                    continue;
                }

                state.Revoked = true;
                revoked++;
                if (_apps.TryGetValue(state.AppId, out var app))
                {
                    foreach (var conn in app.Connections.Where(c => c.Token == state.Token).ToArray())
                    {
                        conn.Close(WireNames.CloseCodes.TokenRevoked, "token revoked");
                    }
                }
            }

            Log.FaultInjected(_logger, $"revoked {revoked} token(s)");
            Changes.Signal();
            return revoked;
        }
    }

    // ---------------------------------------------------------------- request faults

    public void FailNextRequests(int count, int statusCode, TimeSpan? retryAfter, string? pathPrefix)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (statusCode is < 400 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "Use a 4xx or 5xx status.");
        }

        lock (_gate)
        {
            _requestFailures.Add(new RequestFailureRule(count, statusCode, retryAfter, pathPrefix));
        }

        Log.FaultInjected(_logger, $"next {count} request(s) {pathPrefix ?? "(any path)"} answered {statusCode}");
        Changes.Signal();
    }

    /// <summary>Takes one injected failure that applies to <paramref name="path"/>, if any.</summary>
    public RequestFailureRule? TakeRequestFailure(string path)
    {
        lock (_gate)
        {
            foreach (var rule in _requestFailures)
            {
                if (rule.Remaining > 0 && (rule.PathPrefix is null || path.StartsWith(rule.PathPrefix, StringComparison.Ordinal)))
                {
                    rule.Remaining--;
                    return rule;
                }
            }

            _requestFailures.RemoveAll(r => r.Remaining == 0);
            return null;
        }
    }

    public TimeSpan? CheckSendRate(string appId)
    {
        lock (_gate)
        {
            var app = GetApp(appId);
            if (app.App.SendRateLimit is not { } limit)
            {
                return null;
            }

            long now = Now;
            long windowMs = (long)limit.Window.TotalMilliseconds;
            while (app.RecentSends.Count > 0 && app.RecentSends.Peek() <= now - windowMs)
            {
                app.RecentSends.Dequeue();
            }

            if (app.RecentSends.Count >= limit.PermitLimit)
            {
                long waitMs = app.RecentSends.Peek() + windowMs - now;
                return TimeSpan.FromMilliseconds(Math.Max(1, waitMs));
            }

            app.RecentSends.Enqueue(now);
            return null;
        }
    }

    // ---------------------------------------------------------------- observation helpers

    public void RecordRequest(string method, string path, int status, int code, string? appId) =>
        Requests.Add(new RequestRecord(method, path, status, code, appId, Now));

    public IReadOnlyList<ConnectionInfo> Connections(string? appId)
    {
        lock (_gate)
        {
            return _apps.Values
                .Where(a => appId is null || a.App.AppId == appId)
                .SelectMany(a => a.Connections)
                .Where(c => !c.Closing)
                .Select(Describe)
                .ToArray();
        }
    }

    /// <summary>Sockets still attached, closing ones included.</summary>
    public int AttachedSockets()
    {
        lock (_gate)
        {
            return _apps.Values.Sum(a => a.Connections.Count);
        }
    }

    private static ConnectionInfo Describe(GatewayConnection c) => new(c.ConnId, c.AppId, c.OpenedAt, c.Silent, c.EventsDelivered, c.PingsReceived);

    public IReadOnlyList<HistoryMessage> Conversation(string appId, string conversationId)
    {
        lock (_gate)
        {
            return GetApp(appId).Conversations.TryGetValue(conversationId, out var conv)
                ? conv.Messages.Select(m => m.ToWire()).ToArray()
                : [];
        }
    }

    public int PeakConnections(string appId)
    {
        lock (_gate)
        {
            return GetApp(appId).PeakConnections;
        }
    }

    public int PendingDeliveries(string appId)
    {
        lock (_gate)
        {
            return GetApp(appId).Pending.Count;
        }
    }

    // ---------------------------------------------------------------- shutdown

    public void CloseEverything(int code, string reason)
    {
        lock (_gate)
        {
            foreach (var app in _apps.Values)
            {
                CloseAll(app, code, reason);
                foreach (var pending in app.Pending.Values)
                {
                    pending.Timer?.Dispose();
                }

                app.Pending.Clear();
            }
        }
    }

    private static void CloseAll(AppState app, int code, string reason)
    {
        foreach (var conn in app.Connections.ToArray())
        {
            conn.Close(code, reason);
        }
    }

    private static byte[] Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info) =>
        JsonSerializer.SerializeToUtf8Bytes(value, info);
}
