namespace MitiAgent;

/// <summary>
/// The dispatch contract between the SDK and an agent. The MitiAgent source generator implements it for a
/// <c>partial</c> class whose methods carry <see cref="OnMessageAttribute"/>, <see cref="OnGroupAtAttribute"/>,
/// <see cref="OnCancelAttribute"/> and <see cref="OnOverloadAttribute"/>; it can also be written by hand.
/// The SDK never calls it from the gateway's reader loop, and calls it once per <c>event_id</c>.
/// </summary>
public interface IMitiAgentHandler
{
    /// <summary>
    /// The handlers the agent has. The SDK acks and logs (<c>no handler for event_type ...</c>) events of a kind that
    /// is missing, and drops overflow when <see cref="MitiHandlerKinds.Overload"/> is missing.
    /// </summary>
    MitiHandlerKinds HandledKinds { get; }

    /// <summary>
    /// Runs the handler for <see cref="MitiEventContext.Event"/>: a <see cref="GroupAtEvent"/> (<c>[OnGroupAt]</c>),
    /// another <see cref="MessageEvent"/> (<c>[OnMessage]</c>) or a <see cref="CancelEvent"/> (<c>[OnCancel]</c>).
    /// Runs in a handler slot (at most <see cref="MitiAgentOptions.MaxConcurrency"/> at once); exceptions are logged
    /// with the event id and do not stop the agent.
    /// </summary>
    /// <param name="context">The event, its cancellation token and the client.</param>
    /// <returns>Completes when the handler finished.</returns>
    ValueTask DispatchAsync(MitiEventContext context);

    /// <summary>
    /// Runs the <c>[OnOverload]</c> handler for a message event that arrived while all handler slots were busy
    /// (spec §8). Runs in the small overload pool (<see cref="MitiAgentOptions.OverloadConcurrency"/>) and should only
    /// answer "busy".
    /// </summary>
    /// <param name="context">The rejected event, its cancellation token and the client.</param>
    /// <returns>Completes when the handler finished.</returns>
    ValueTask DispatchOverloadAsync(MitiEventContext context);

    /// <summary>
    /// Runs the <c>[OnError]</c> handler after <see cref="DispatchAsync"/> or <see cref="DispatchOverloadAsync"/>
    /// threw for <see cref="MitiEventContext.Event"/> (not for a cancellation of the run). Called only when
    /// <see cref="HandledKinds"/> contains <see cref="MitiHandlerKinds.Error"/>; the default does nothing. Its own
    /// exceptions are logged and otherwise ignored.
    /// </summary>
    /// <param name="context">The event whose handler failed; its token stops the error handler when the agent stops.</param>
    /// <param name="exception">What the handler threw.</param>
    /// <returns>Completes when the error handler finished.</returns>
    ValueTask DispatchErrorAsync(MitiEventContext context, Exception exception) => default;
}
