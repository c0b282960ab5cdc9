namespace MitiAgent;

/// <summary>
/// What <see cref="IMitiAgentHandler"/> receives for one event: the typed event and the token that stops its handler.
/// </summary>
/// <remarks>
/// The client that delivered the event is carried internally (replies go through the event's own methods, such as
/// <see cref="MessageEvent.ReplyAsync(string, bool, CancellationToken)"/>), so a handler needs nothing else.
/// </remarks>
public sealed class MitiEventContext
{
    internal MitiEventContext(AgentEvent agentEvent, IEventReplySink? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agentEvent);
        Event = agentEvent;
        Client = client;
        CancellationToken = cancellationToken;
    }

    /// <summary>The event: a <see cref="MessageEvent"/>, <see cref="GroupAtEvent"/> or <see cref="CancelEvent"/>.</summary>
    public AgentEvent Event { get; }

    /// <summary>
    /// Cancelled when the handler should stop: its run was cancelled by the user, or the agent is stopping and
    /// <see cref="MitiAgentOptions.ShutdownTimeout"/> has passed.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The client that received the event.</summary>
    internal IEventReplySink? Client { get; }

    /// <summary>The event's type and id.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "MitiEventContext { " + Event + " }";
}
