using System.Globalization;
using StackExchange.Redis;

namespace MitiAgent.Redis;

/// <summary>
/// An <see cref="IEventDeduplicationStore"/> over Redis: each claim is one atomic <c>SET key value NX PX window</c>, so
/// of all instances that receive an event only the first one handles it. Keys are
/// <c>{prefix}{app_id}:{event_id}</c>; the value names the instance that claimed it (machine, process, random id).
/// </summary>
/// <remarks>
/// The connection is opened on the first claim and re-established in the background by StackExchange.Redis. While
/// Redis is unreachable a claim fails at once (no command backlog) or after one second, and the client falls back to
/// its local dedupe (it logs the outage once, handles the event, and drops nothing).
/// </remarks>
public sealed class RedisEventDeduplicationStore : IEventDeduplicationStore, IDisposable
{
    /// <summary>The default key prefix.</summary>
    public const string DefaultKeyPrefix = "miti:event:";

    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private readonly ConfigurationOptions? _configuration;
    private readonly bool _ownsConnection;
    private readonly object _gate = new();
    private Task<IConnectionMultiplexer>? _connecting;
    private IConnectionMultiplexer? _redis;
    private bool _disposed;

    /// <summary>Connects to Redis with a StackExchange.Redis configuration string (e.g. <c>localhost:6379</c> or <c>redis1:6379,password=...</c>).</summary>
    /// <param name="configuration">The configuration string. Unless it says otherwise, connect and command timeouts are one second.</param>
    /// <param name="keyPrefix">Prefix of every key (default <see cref="DefaultKeyPrefix"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="configuration"/> is blank or not a valid configuration string.</exception>
    public RedisEventDeduplicationStore(string configuration, string keyPrefix = DefaultKeyPrefix)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _configuration = ParseConfiguration(configuration);
        _ownsConnection = true;
        KeyPrefix = keyPrefix;
        InstanceId = NewInstanceId();
    }

    /// <summary>Uses a connection the application already has (it stays the application's: <see cref="Dispose"/> leaves it open).</summary>
    /// <param name="redis">The connection.</param>
    /// <param name="keyPrefix">Prefix of every key (default <see cref="DefaultKeyPrefix"/>).</param>
    public RedisEventDeduplicationStore(IConnectionMultiplexer redis, string keyPrefix = DefaultKeyPrefix)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        _connecting = Task.FromResult(redis);
        KeyPrefix = keyPrefix;
        InstanceId = NewInstanceId();
    }

    /// <summary>Prefix of every key.</summary>
    public string KeyPrefix { get; }

    /// <summary>The value this instance writes into its claims (machine name, process id, random part).</summary>
    public string InstanceId { get; }

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(string appId, string eventId, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), "The claim window must be positive.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        IConnectionMultiplexer redis = await ConnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        IDatabase database = redis.GetDatabase();
        // SET key value NX PX window: true when the key did not exist (this instance claimed the event).
        return await database.StringSetAsync(KeyFor(appId, eventId), InstanceId, window, When.NotExists).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseAsync(string appId, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        cancellationToken.ThrowIfCancellationRequested();
        IConnectionMultiplexer redis = await ConnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        // Delete the key only while it holds this instance's claim (atomic compare-and-delete).
        await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [KeyFor(appId, eventId)], [InstanceId]).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The Redis key of an event's claim.</summary>
    /// <param name="appId">The app id.</param>
    /// <param name="eventId">The event id.</param>
    /// <returns><c>{prefix}{app_id}:{event_id}</c>.</returns>
    public string KeyFor(string appId, string eventId) => string.Concat(KeyPrefix, appId, ":", eventId);

    /// <summary>Closes the connection this store opened (not one it was given).</summary>
    public void Dispose()
    {
        IConnectionMultiplexer? redis;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            redis = _ownsConnection ? _redis : null;
        }

        redis?.Dispose();
    }

    /// <summary>Names the endpoints and the key prefix; never the configuration's password.</summary>
    /// <returns>A one-line description.</returns>
    public override string ToString()
    {
        string endpoints = _configuration is { } configuration
            ? string.Join(",", configuration.EndPoints.Select(e => e.ToString()))
            : "(shared connection)";
        return string.Create(CultureInfo.InvariantCulture, $"RedisEventDeduplicationStore {{ EndPoints = {endpoints}, KeyPrefix = {KeyPrefix} }}");
    }

    private static ConfigurationOptions ParseConfiguration(string configuration)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            // The parser's message may quote the string, password included: name only the problem.
            throw new ArgumentException("Not a valid Redis configuration string.", nameof(configuration), ex.InnerException);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis configuration string names no endpoint.", nameof(configuration));
        }

        // Never fail startup because Redis is down, never queue commands while it is: the client falls back at once.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        if (!Mentions(configuration, "connectTimeout"))
        {
            options.ConnectTimeout = 1000;
        }

        if (!Mentions(configuration, "asyncTimeout"))
        {
            options.AsyncTimeout = 1000;
        }

        if (!Mentions(configuration, "syncTimeout"))
        {
            options.SyncTimeout = 1000;
        }

        return options;
    }

    private static bool Mentions(string configuration, string option) =>
        configuration.Contains(option + "=", StringComparison.OrdinalIgnoreCase);

    private static string NewInstanceId() =>
        string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");

    private Task<IConnectionMultiplexer> ConnectAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connecting is { IsFaulted: false, IsCanceled: false } connecting)
            {
                return connecting;
            }

            _connecting = ConnectCoreAsync(_configuration!);
            return _connecting;
        }
    }

    private async Task<IConnectionMultiplexer> ConnectCoreAsync(ConfigurationOptions configuration)
    {
        IConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(configuration.Clone()).ConfigureAwait(false);
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (!disposed)
            {
                _redis = redis;
            }
        }

        if (disposed)
        {
            redis.Dispose();
            throw new ObjectDisposedException(nameof(RedisEventDeduplicationStore));
        }

        return redis;
    }
}
