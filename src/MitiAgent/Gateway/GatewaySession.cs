using System.Globalization;
using System.Net.WebSockets;

namespace MitiAgent.Gateway;

/// <summary>
/// One run of the client's gateway side, from start to stop: the connection loop's task, the socket currently open
/// (the one replies go out on), the first <c>hello</c> and the loop's end.
/// </summary>
internal sealed class GatewaySession
{
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private TaskCompletionSource _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile GatewaySocket? _current;

    public GatewaySession(IGatewayFrameHandler frames)
    {
        Frames = frames;
    }

    /// <summary>Where every socket of this run hands its <c>event</c> and <c>ack</c> frames.</summary>
    public IGatewayFrameHandler Frames { get; }

    public CancellationTokenSource Stopping { get; } = new();

    public Task Run { get; set; } = Task.CompletedTask;

    /// <summary>The last transient failure of a token request or dial (for the startup timeout's message).</summary>
    public Exception? LastFailure { get; set; }

    /// <summary>The open socket, or <see langword="null"/> between connections.</summary>
    public GatewaySocket? Current => _current;

    public bool EverConnected => _connected.Task.IsCompleted;

    /// <summary>Completes at the first <c>hello</c>; faults with a fatal startup error.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Completes when the connection loop ends: successfully on stop, faulted on a fatal error.</summary>
    public Task Completion => _completion.Task;

    public void SetCurrent(GatewaySocket? socket)
    {
        TaskCompletionSource? wake = null;
        lock (_gate)
        {
            _current = socket;
            if (socket is not null)
            {
                wake = _nextConnection;
                _nextConnection = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (socket is not null)
        {
            _connected.TrySetResult();
            wake!.TrySetResult();
        }
    }

    /// <summary>Waits for the first <c>hello</c>, at most <paramref name="limit"/> when one is set.</summary>
    /// <exception cref="TimeoutException"><paramref name="limit"/> passed first; the inner exception is the last transient failure.</exception>
    public async Task WaitForHelloAsync(TimeSpan? limit, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await (limit is { } l ? Connected.WaitAsync(l, time, cancellationToken) : Connected.WaitAsync(cancellationToken)).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!Connected.IsCompleted)
        {
            Exception? last = LastFailure;
            throw new TimeoutException(
                string.Create(CultureInfo.InvariantCulture, $"Could not connect to Miti within the startup timeout ({limit}); last failure: {(last is null ? "none" : GatewayConnectionLoop.Describe(last))}."),
                last);
        }
    }

    /// <summary>Completes as soon as a socket is open (at once when one is).</summary>
    public Task WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        Task next;
        lock (_gate)
        {
            if (_current is not null)
            {
                return Task.CompletedTask;
            }

            next = _nextConnection.Task;
        }

        return next.WaitAsync(cancellationToken);
    }

    /// <summary>Records a fatal error; <see langword="false"/> when the session had already ended.</summary>
    public bool Fault(Exception error)
    {
        if (!_completion.TrySetException(error))
        {
            return false;
        }

        _connected.TrySetException(error);
        lock (_gate)
        {
            _nextConnection.TrySetException(error);
        }

        return true;
    }

    /// <summary>Makes the connection loop end (the socket is closed by <see cref="ShutdownAsync"/>).</summary>
    public void StopLoop()
    {
        try
        {
            Stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already shut down.
        }
    }

    public void Complete()
    {
        _connected.TrySetCanceled();
        _completion.TrySetResult();
        lock (_gate)
        {
            _nextConnection.TrySetCanceled();
        }
    }

    /// <summary>Ends the connection loop and closes the socket with 1000.</summary>
    public async Task ShutdownAsync()
    {
        await Stopping.CancelAsync().ConfigureAwait(false);
        if (_current is { } socket)
        {
            SetCurrent(null);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "agent stopping").ConfigureAwait(false);
            await socket.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            await Run.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException)
        {
            // Stopped while starting.
        }

        Complete();
        Stopping.Dispose();
    }
}
