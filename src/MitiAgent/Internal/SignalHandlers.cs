using System.Runtime.InteropServices;

namespace MitiAgent.Internal;

/// <summary>Ctrl+C and SIGTERM end <see cref="MitiAgentClient.RunAsync"/> gracefully.</summary>
internal sealed class SignalHandlers : IDisposable
{
    private readonly PosixSignalRegistration? _sigint;
    private readonly PosixSignalRegistration? _sigterm;

    public SignalHandlers(TaskCompletionSource stop)
    {
        _sigint = Register(PosixSignal.SIGINT, stop);
        _sigterm = Register(PosixSignal.SIGTERM, stop);
    }

    private static PosixSignalRegistration? Register(PosixSignal signal, TaskCompletionSource stop)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, ctx =>
            {
                ctx.Cancel = true;
                stop.TrySetResult();
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        _sigint?.Dispose();
        _sigterm?.Dispose();
    }
}
