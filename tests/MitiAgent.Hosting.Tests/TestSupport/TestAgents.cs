using Microsoft.Extensions.Logging;

namespace MitiAgent.Hosting.Tests.TestSupport;

/// <summary>
/// An agent with a scoped dependency, as an app writes one (the generator implements <see cref="IMitiAgentHandler"/>).
/// It answers <c>echo:TEXT probe=N</c>, where N identifies the scoped probe it was built with, and logs inside the
/// handler (to check the per-event logging scope).
/// </summary>
internal sealed partial class EchoAgent(ScopedProbe probe, TestRecorder recorder, ILogger<EchoAgent> logger)
{
    [OnMessage]
    private async Task Echo(MessageEvent e, MitiAgentClient client, CancellationToken cancellationToken)
    {
        recorder.AgentInstances.Enqueue(this);
        recorder.ClientsSeen.Enqueue(client);
        Assert.False(probe.Disposed, "the scoped probe was disposed before the handler ran");
        logger.LogInformation("echo handler running");
        await e.ReplyAsync($"echo:{e.Text} probe={probe.Id}", useMarkdown: false, cancellationToken);
        Assert.False(probe.Disposed, "the scoped probe was disposed while the handler ran");
    }
}

/// <summary>An agent without scoped dependencies (for the singleton lifetime): answers <c>single:TEXT</c>.</summary>
internal sealed partial class SingletonAgent(TestRecorder recorder)
{
    [OnMessage]
    private Task Echo(MessageEvent e, CancellationToken cancellationToken)
    {
        recorder.AgentInstances.Enqueue(this);
        return e.ReplyAsync("single:" + e.Text, useMarkdown: false, cancellationToken);
    }
}

/// <summary>Signals between a test and <see cref="GateAgent"/>.</summary>
internal sealed class Gate
{
    public TaskCompletionSource<MessageEvent> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<DateTimeOffset> Replied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// An agent whose handler waits for the test (<see cref="Gate.Release"/>) or for its cancellation token, then replies
/// <c>done</c>: used to check that stopping the host drains running handlers and cancels them at the deadline.
/// </summary>
internal sealed partial class GateAgent(Gate gate, TimeProvider time)
{
    [OnMessage]
    private async Task Handle(MessageEvent e, CancellationToken cancellationToken)
    {
        gate.Started.TrySetResult(e);
        try
        {
            await gate.Release.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            gate.Cancelled.TrySetResult();
            throw;
        }

        await e.ReplyAsync("done", useMarkdown: false, CancellationToken.None);
        gate.Replied.TrySetResult(time.GetUtcNow());
    }
}

/// <summary>An agent whose construction needs a service that is not registered.</summary>
internal sealed partial class BrokenAgent(BrokenAgent.IMissingService missing)
{
    public interface IMissingService
    {
        string Name { get; }
    }

    [OnMessage]
    private Task Echo(MessageEvent e) => e.ReplyAsync(missing.Name, useMarkdown: false);
}
