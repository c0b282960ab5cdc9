using System.Collections.Concurrent;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>A hand-written handler (the generator will write these later); each kind is a delegate.</summary>
internal sealed class TestHandler : IMitiAgentHandler
{
    public Func<MessageEvent, CancellationToken, Task>? OnMessage { get; init; }
    public Func<MessageEvent, MitiAgentClient, Task>? OnMessageWithClient { get; init; }
    public Func<GroupAtEvent, CancellationToken, Task>? OnGroupAt { get; init; }
    public Func<CancelEvent, CancellationToken, Task>? OnCancel { get; init; }
    public Func<MessageEvent, CancellationToken, Task>? OnOverload { get; init; }
    public Func<AgentEvent, Exception, CancellationToken, Task>? OnError { get; init; }

    public ConcurrentQueue<AgentEvent> Seen { get; } = new();

    public MitiHandlerKinds HandledKinds =>
        (OnMessage is null && OnMessageWithClient is null ? 0 : MitiHandlerKinds.Message)
        | (OnGroupAt is null ? 0 : MitiHandlerKinds.GroupAt)
        | (OnCancel is null ? 0 : MitiHandlerKinds.Cancel)
        | (OnOverload is null ? 0 : MitiHandlerKinds.Overload)
        | (OnError is null ? 0 : MitiHandlerKinds.Error);

    public ValueTask DispatchAsync(MitiEventContext context)
    {
        Seen.Enqueue(context.Event);
        return context.Event switch
        {
            GroupAtEvent g when OnGroupAt is not null => new(OnGroupAt(g, context.CancellationToken)),
            GroupAtEvent => ValueTask.CompletedTask,
            MessageEvent m when OnMessage is not null => new(OnMessage(m, context.CancellationToken)),
            MessageEvent m when OnMessageWithClient is not null => new(OnMessageWithClient(m, context.Client)),
            CancelEvent c when OnCancel is not null => new(OnCancel(c, context.CancellationToken)),
            _ => ValueTask.CompletedTask,
        };
    }

    public ValueTask DispatchOverloadAsync(MitiEventContext context) =>
        OnOverload is not null && context.Event is MessageEvent m ? new(OnOverload(m, context.CancellationToken)) : ValueTask.CompletedTask;

    public ValueTask DispatchErrorAsync(MitiEventContext context, Exception exception) =>
        OnError is not null ? new(OnError(context.Event, exception, context.CancellationToken)) : ValueTask.CompletedTask;
}

/// <summary>Shortcuts for client tests against <see cref="EmulatorTestHost"/>.</summary>
internal static class ClientTestExtensions
{
    public static MitiAgentClient CreateClient(this EmulatorTestHost host, Action<MitiAgentOptions>? configure = null) =>
        new(host.Options(configure), host.LoggerFactory, host.Time);

    /// <summary>Advances the shared fake clock in steps until <paramref name="condition"/> holds (bounded).</summary>
    public static Task AdvanceUntilAsync(this EmulatorTestHost host, Func<bool> condition, TimeSpan step, string what, int maxSteps = 400) =>
        host.Time.AdvanceUntilAsync(condition, step, what, maxSteps);

    public static int OpenConnections(this EmulatorTestHost host) => host.Emulator.GetConnections(EmulatorTestHost.AppId).Count;

    public static bool Logged(this EmulatorTestHost host, string text) => host.LogLines.Any(l => l.Contains(text, StringComparison.Ordinal));
}
