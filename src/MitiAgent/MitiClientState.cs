namespace MitiAgent;

/// <summary>The connection state of a <see cref="MitiAgentClient"/>.</summary>
public enum MitiClientState
{
    /// <summary>Created, not started (or stopped and ready to start again).</summary>
    Idle,

    /// <summary>Starting: fetching a token and dialling the gateway for the first time.</summary>
    Connecting,

    /// <summary>The gateway said <c>hello</c>; events flow.</summary>
    Connected,

    /// <summary>The connection was lost; dialling again with backoff.</summary>
    Reconnecting,

    /// <summary><see cref="MitiAgentClient.StopAsync"/> is draining handlers and pending final frames.</summary>
    Stopping,

    /// <summary>Stopped cleanly.</summary>
    Stopped,

    /// <summary>Stopped by a fatal error (bad credentials, app disabled); see <see cref="MitiStateChangedEventArgs.Error"/>.</summary>
    Faulted,
}

/// <summary>Data of <see cref="MitiAgentClient.StateChanged"/>.</summary>
public sealed class MitiStateChangedEventArgs : EventArgs
{
    internal MitiStateChangedEventArgs(MitiClientState previous, MitiClientState current, Exception? error)
    {
        Previous = previous;
        Current = current;
        Error = error;
    }

    /// <summary>The state before the change.</summary>
    public MitiClientState Previous { get; }

    /// <summary>The new state.</summary>
    public MitiClientState Current { get; }

    /// <summary>The fatal error, when <see cref="Current"/> is <see cref="MitiClientState.Faulted"/>.</summary>
    public Exception? Error { get; }
}

/// <summary>A message the platform accepted.</summary>
/// <param name="MessageId">The id the platform gave the message.</param>
/// <param name="CreateTime">When it was created.</param>
public sealed record SentMessage(string MessageId, DateTimeOffset CreateTime)
{
    internal static SentMessage From(Protocol.SendMessageData data) =>
        new(data.MessageId ?? string.Empty, DateTimeOffset.FromUnixTimeMilliseconds(data.CreateTime));
}

/// <summary>A client's current state, read and changed from any thread.</summary>
internal sealed class ClientStateCell
{
    private readonly object _gate = new();
    private MitiClientState _value = MitiClientState.Idle;

    public MitiClientState Value
    {
        get
        {
            lock (_gate)
            {
                return _value;
            }
        }
    }

    /// <summary>Sets the state; <see langword="false"/> when it already was <paramref name="state"/>.</summary>
    public bool TryChange(MitiClientState state, out MitiClientState previous)
    {
        lock (_gate)
        {
            previous = _value;
            _value = state;
            return previous != state;
        }
    }
}
