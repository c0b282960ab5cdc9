namespace MitiAgent;

/// <summary>
/// What <see cref="IMitiAgentHandler"/> receives for one event: the typed event and the token that stops its handler.
/// </summary>
/// <remarks>
/// Replies go through the event's own methods (<see cref="MessageEvent.ReplyAsync(string, bool, CancellationToken)"/>);
/// <see cref="Client"/> is there for everything else (sending elsewhere, history).
/// </remarks>
public sealed class MitiEventContext
{
    private readonly MitiAgentClient? _client;

    internal MitiEventContext(AgentEvent agentEvent, MitiAgentClient? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agentEvent);
        Event = agentEvent;
        _client = client;
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
    /// <exception cref="InvalidOperationException">The context was not created by a <see cref="MitiAgentClient"/>.</exception>
    public MitiAgentClient Client =>
        _client ?? throw new InvalidOperationException("This event context is not bound to a MitiAgentClient.");

    /// <summary>The event's type and id.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "MitiEventContext { " + Event + " }";
}
