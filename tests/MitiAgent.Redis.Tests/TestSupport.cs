using System.Collections.Concurrent;

namespace MitiAgent.Redis.Tests;

/// <summary>An agent that counts how often each event id was handled (across every instance that shares the counter).</summary>
internal sealed class CountingAgent(ConcurrentDictionary<string, int> handled, string instance, ConcurrentDictionary<string, string>? handledBy = null) : IMitiAgentHandler
{
    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

    public ValueTask DispatchAsync(MitiEventContext context)
    {
        handled.AddOrUpdate(context.Event.EventId, 1, static (_, n) => n + 1);
        handledBy?.TryAdd(context.Event.EventId, instance);
        return default;
    }

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
}
