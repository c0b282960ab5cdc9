namespace MitiAgent;

/// <summary>Which handlers an agent declares (set by the generated <see cref="IMitiAgentHandler.HandledKinds"/>).</summary>
[Flags]
public enum MitiHandlerKinds
{
    /// <summary>No handler.</summary>
    None = 0,

    /// <summary><c>[OnMessage]</c>: <c>im.message.receive</c> events (<see cref="MessageEvent"/>).</summary>
    Message = 1,

    /// <summary><c>[OnGroupAt]</c>: <c>im.message.group_at</c> events (<see cref="GroupAtEvent"/>).</summary>
    GroupAt = 2,

    /// <summary><c>[OnCancel]</c>: <c>assistant.cancel</c> events (<see cref="CancelEvent"/>).</summary>
    Cancel = 4,

    /// <summary><c>[OnOverload]</c>: message events that arrive while every handler slot is busy.</summary>
    Overload = 8,

    /// <summary><c>[OnError]</c>: called when another handler throws.</summary>
    Error = 16,
}
