using System.Threading.Tasks.Sources;

namespace MitiAgent.Gateway;

/// <summary>
/// An event's ack on its way to the socket (spec §4.2), and whether it got there: queued by
/// <see cref="GatewaySocket.SendAck(EventAck)"/>, settled once by the socket's writer (sent, or not sent because the
/// socket ended first). One object per ack instead of a pending-ack record, a <see cref="TaskCompletionSource{T}"/>
/// and its task (the dispatcher's work item derives from it, so an event costs one object for all three).
/// </summary>
/// <param name="eventId">The acked event's id; the writer writes the frame from it.</param>
internal class EventAck(string eventId) : IValueTaskSource<bool>
{
    private const int Pending = 0, Sent = 1, NotSent = 2;

    // Single use, never reset: its version stays 0.
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _outcome;

    /// <summary>The acked event's id.</summary>
    public string EventId { get; } = eventId;

    /// <summary>Settles the ack once; later calls change nothing.</summary>
    /// <param name="sent">Whether the ack frame was handed to the socket (<c>SendAsync</c> completed).</param>
    /// <returns>Whether this call settled it.</returns>
    public bool TrySettle(bool sent)
    {
        if (Interlocked.CompareExchange(ref _outcome, sent ? Sent : NotSent, Pending) != Pending)
        {
            return false;
        }

        _core.SetResult(sent);
        return true;
    }

    /// <summary>
    /// Completes with <see langword="true"/> once the ack frame reached the socket, <see langword="false"/> when it never
    /// will. Awaited by one waiter at a time while pending; once settled, any number of times.
    /// </summary>
    public ValueTask<bool> WaitAsync()
    {
        int outcome = Volatile.Read(ref _outcome);
        return outcome == Pending ? new ValueTask<bool>(this, _core.Version) : new ValueTask<bool>(outcome == Sent);
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
