using MitiAgent.Gateway;

namespace MitiAgent.Dispatch;

/// <summary>
/// One delivery of an event: its ack (queued on the socket, settled by the socket's writer) and, for the dispatcher,
/// the work item whose handler waits for that ack. One object per event for what were a work item, a pending ack and
/// the ack's completion task.
/// </summary>
/// <param name="agentEvent">The parsed event.</param>
internal sealed class EventDelivery(AgentEvent agentEvent) : EventAck(agentEvent.EventId)
{
    /// <summary>The parsed event.</summary>
    public AgentEvent Event { get; } = agentEvent;

    /// <summary>
    /// The acks of later deliveries of the same id that came while this one waited for its own (guarded by the
    /// dispatcher's ack gate).
    /// </summary>
    public List<EventAck>? OtherAcks { get; set; }
}
