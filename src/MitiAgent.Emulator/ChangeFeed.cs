namespace MitiAgent.Emulator;

/// <summary>
/// A version number that goes up on every observable change of the emulator (events, frames, sends, connections,
/// faults), and a way to wait for the next one: what the chat page's live updates (Server-Sent Events) follow.
/// </summary>
internal sealed class ChangeFeed
{
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Version => Interlocked.Read(ref _version);

    public void Signal()
    {
        Interlocked.Increment(ref _version);
        var reached = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        reached.TrySetResult();
    }

    /// <summary>Completes once <see cref="Version"/> differs from <paramref name="seen"/>.</summary>
    public Task WaitForChangeAsync(long seen, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next);
        return Version != seen ? Task.CompletedTask : next.Task.WaitAsync(cancellationToken);
    }
}
