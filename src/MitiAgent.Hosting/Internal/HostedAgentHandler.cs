using System.Collections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Hosting.Internal;

/// <summary>
/// The <see cref="IMitiAgentHandler"/> the hosted client runs: it resolves the user's agent from dependency injection —
/// from a new <see cref="AsyncServiceScope"/> per event (<see cref="MitiAgentLifetime.Scoped"/>) or once from the root
/// provider (<see cref="MitiAgentLifetime.Singleton"/>) — and calls the agent through the interface (the source
/// generator implements it explicitly). Each event runs inside a logging scope carrying its type and id.
/// </summary>
internal sealed class HostedAgentHandler<TAgent> : IHostedAgentHandler
    where TAgent : class, IMitiAgentHandler
{
    private readonly IServiceProvider _services;
    private readonly IServiceScopeFactory _scopes;
    private readonly MitiAgentLifetime _lifetime;
    private readonly ILogger _log;
    private IMitiAgentHandler? _singleton;
    private MitiHandlerKinds _kinds;
    private int _initialized;

    public HostedAgentHandler(IServiceProvider services, MitiAgentLifetime lifetime, ILogger log)
    {
        _services = services;
        _scopes = services.GetRequiredService<IServiceScopeFactory>();
        _lifetime = lifetime;
        _log = log;
    }

    public Type AgentType => typeof(TAgent);

    public MitiAgentLifetime Lifetime => _lifetime;

    /// <summary>The kinds the agent declared, read once by <see cref="InitializeAsync"/>.</summary>
    public MitiHandlerKinds HandledKinds => Volatile.Read(ref _initialized) != 0
        ? _kinds
        : throw new InvalidOperationException("The hosted Miti agent handler was used before the hosted service started it.");

    /// <summary>
    /// Resolves the agent once (in a throw-away scope when scoped) to read <see cref="IMitiAgentHandler.HandledKinds"/>,
    /// so a dependency that cannot be resolved fails the host's start instead of every event.
    /// </summary>
    public async ValueTask InitializeAsync()
    {
        if (Volatile.Read(ref _initialized) != 0)
        {
            return;
        }

        if (_lifetime == MitiAgentLifetime.Singleton)
        {
            _singleton = _services.GetRequiredService<TAgent>();
            _kinds = _singleton.HandledKinds;
        }
        else
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                _kinds = ((IMitiAgentHandler)scope.ServiceProvider.GetRequiredService<TAgent>()).HandledKinds;
            }
        }

        Volatile.Write(ref _initialized, 1);
    }

    public ValueTask DispatchAsync(MitiEventContext context) => RunAsync(context, overload: false);

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => RunAsync(context, overload: true);

    private async ValueTask RunAsync(MitiEventContext context, bool overload)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var logScope = _log.BeginScope(new EventLogScope(context.Event));
        if (_singleton is { } agent)
        {
            await Invoke(agent, context, overload).ConfigureAwait(false);
            return;
        }

        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            IMitiAgentHandler scoped = scope.ServiceProvider.GetRequiredService<TAgent>();
            await Invoke(scoped, context, overload).ConfigureAwait(false);
        }
    }

    private static ValueTask Invoke(IMitiAgentHandler agent, MitiEventContext context, bool overload) =>
        overload ? agent.DispatchOverloadAsync(context) : agent.DispatchAsync(context);

    /// <summary>The logging scope of one event: <c>MitiEventType</c> and <c>MitiEventId</c> (ids only, never content).</summary>
    private sealed class EventLogScope(AgentEvent agentEvent) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("MitiEventType", agentEvent.EventType),
            1 => new("MitiEventId", agentEvent.EventId),
            _ => throw new ArgumentOutOfRangeException(nameof(index)),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => $"miti event type={agentEvent.EventType} id={agentEvent.EventId}";
    }
}

/// <summary>The non-generic view of <see cref="HostedAgentHandler{TAgent}"/> used by the hosted service.</summary>
internal interface IHostedAgentHandler : IMitiAgentHandler
{
    Type AgentType { get; }

    MitiAgentLifetime Lifetime { get; }

    ValueTask InitializeAsync();
}
