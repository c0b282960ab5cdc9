using System.Runtime.InteropServices;

namespace Samples.Shared;

/// <summary>
/// The first Ctrl+C (SIGINT) or SIGTERM cancels <see cref="Token"/> so the agent stops gracefully (running handlers
/// finish, the gateway closes with 1000); a second one ends the process at once, as usual.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;
    private int _signals;

    public ShutdownSignal()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Increment(ref _signals) > 1)
        {
            return; // not cancelled: the default action ends the process
        }

        context.Cancel = true;
        ChatLog.Print("Stopping (press Ctrl+C again to quit at once)...");
        _stop.Cancel();
    }
}
