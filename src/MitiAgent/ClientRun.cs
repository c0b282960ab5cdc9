using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Dispatch;
using MitiAgent.Events;
using MitiAgent.Gateway;
using MitiAgent.Streaming;

namespace MitiAgent;

/// <summary>
/// One run of a <see cref="MitiAgentClient"/>, from start to stop: the handler dispatcher, the intake that feeds it
/// from the gateway, and the gateway session the connection loop serves.
/// </summary>
internal sealed class ClientRun
{
    private ClientRun(GatewaySession gateway, EventDispatcher dispatcher)
    {
        Gateway = gateway;
        Dispatcher = dispatcher;
    }

    public GatewaySession Gateway { get; }

    public EventDispatcher Dispatcher { get; }

    /// <summary>Wires a new run for <paramref name="handler"/>: events of its sockets go to its dispatcher.</summary>
    public static ClientRun Create(
        IMitiAgentHandler handler, MitiAgentClient client, MitiAgentOptions options, IEventReplySink replies,
        TerminalFrameSender terminalFrames, ILogger gatewayLogger, TimeProvider time, MitiMetrics metrics)
    {
        var dispatcher = new EventDispatcher(handler, client, options, gatewayLogger, time, metrics);
        var claims = SharedEventClaims.Create(options, time, gatewayLogger, metrics);
        return new ClientRun(new GatewaySession(new EventIntake(dispatcher, replies, terminalFrames, gatewayLogger, metrics, claims)), dispatcher);
    }

    /// <summary>Runs <paramref name="loop"/> for this run's session in the background.</summary>
    public void Start(GatewayConnectionLoop loop)
    {
        Gateway.Run = Task.Run(() => loop.RunAsync(Gateway));
    }

    /// <summary>Drains handlers and pending terminal frames (see <see cref="EventDispatcher.DrainAsync"/>), then closes the gateway.</summary>
    public async Task StopAsync(TimeSpan shutdownTimeout, TimeProvider time, Func<int> pendingTerminalFrames, CancellationToken cancellationToken)
    {
        await Dispatcher.DrainAsync(shutdownTimeout, time, pendingTerminalFrames, cancellationToken).ConfigureAwait(false);
        await Gateway.ShutdownAsync().ConfigureAwait(false);
        Dispatcher.Dispose();
    }
}
