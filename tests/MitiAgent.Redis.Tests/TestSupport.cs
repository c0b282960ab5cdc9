using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Redis.Tests;

/// <summary>A logger provider that keeps every rendered line (with its exception's message).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ILoggerFactory
{
    public ConcurrentQueue<(string Category, LogLevel Level, int EventId, string Text)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public int Count(int eventId) => Entries.Count(e => e.EventId == eventId);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, logLevel, eventId.Id, formatter(state, exception) + (exception is null ? "" : " | " + exception.Message)));
    }
}

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

internal static class Wait
{
    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) => UntilAsync(condition, () => what, timeout);

    /// <summary>As above; <paramref name="what"/> is rendered at the timeout (diagnostics).</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what());
            }

            await Task.Delay(10);
        }
    }
}
