using MitiAgent.Gateway;

namespace MitiAgent;

/// <summary>
/// The start/stop half of a <see cref="MitiAgentClient"/>: at most one <see cref="ClientRun"/> at a time, starts and
/// stops serialized, and the state they move through (<see cref="MitiClientState"/>).
/// </summary>
internal sealed class ClientLifecycle : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ClientStateCell _state = new();
    private readonly MitiAgentOptions _options;
    private readonly TimeProvider _time;
    private readonly Action<MitiClientState, MitiClientState, Exception?> _stateChanged;
    private ClientRun? _run;

    /// <param name="options">Read for <see cref="MitiAgentOptions.StartupTimeout"/> and <see cref="MitiAgentOptions.ShutdownTimeout"/>.</param>
    /// <param name="time">The clock of both timeouts.</param>
    /// <param name="stateChanged">Called with the previous state, the new one and the fatal error, on every change.</param>
    public ClientLifecycle(MitiAgentOptions options, TimeProvider time, Action<MitiClientState, MitiClientState, Exception?> stateChanged)
    {
        _options = options;
        _time = time;
        _stateChanged = stateChanged;
    }

    public MitiClientState State => _state.Value;

    /// <summary>The gateway session of the current run; <see langword="null"/> when stopped.</summary>
    public GatewaySession? Gateway => _run?.Gateway;

    public void SetState(MitiClientState state, Exception? error)
    {
        if (_state.TryChange(state, out var previous))
        {
            _stateChanged(previous, state, error);
        }
    }

    /// <summary>
    /// Creates a run with <paramref name="createRun"/>, starts <paramref name="loop"/> for it and waits for the server's
    /// hello (bounded by <see cref="MitiAgentOptions.StartupTimeout"/>); on any failure stops what it started.
    /// </summary>
    /// <returns>The run's gateway session.</returns>
    /// <exception cref="InvalidOperationException">A run is already going.</exception>
    public async Task<GatewaySession> StartAsync(Func<ClientRun> createRun, GatewayConnectionLoop loop, Func<int> pendingTerminalFrames, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        GatewaySession session;
        try
        {
            if (_run is not null)
            {
                throw new InvalidOperationException("The client is already running; stop it first.");
            }

            SetState(MitiClientState.Connecting, null);
            _run = createRun();
            _run.Start(loop);
            session = _run.Gateway;
        }
        finally
        {
            _gate.Release();
        }

        try
        {
            await session.WaitForHelloAsync(_options.StartupTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Timed out, cancelled or a fatal error before hello: leave nothing running.
            await StopAsync(pendingTerminalFrames, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return session;
    }

    /// <summary>Drains and closes the current run, if any (see <see cref="MitiAgentClient.StopAsync"/>).</summary>
    public async Task StopAsync(Func<int> pendingTerminalFrames, CancellationToken cancellationToken)
    {
        if (!_gate.Wait(0))
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (_run is not { } run)
            {
                return;
            }

            bool faulted = run.Gateway.Completion.IsFaulted;
            if (!faulted)
            {
                SetState(MitiClientState.Stopping, null);
            }

            await run.StopAsync(_options.ShutdownTimeout, _time, pendingTerminalFrames, cancellationToken).ConfigureAwait(false);
            _run = null;
            if (!faulted)
            {
                SetState(MitiClientState.Stopped, null);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
