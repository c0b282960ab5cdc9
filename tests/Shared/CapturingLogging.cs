using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Testing;

// Log capture shared by the SDK's test projects (compiled into each through a linked <Compile> item).

/// <summary>A captured log entry with the logging scopes active when it was written.</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<string> Scopes)
{
    public override string ToString() =>
        $"{Category} [{Level}] ({EventId.Id}) {Message}" + (Exception is null ? string.Empty : " | " + Exception) + (Scopes.Count == 0 ? string.Empty : " | scopes: " + string.Join(", ", Scopes));
}

/// <summary>An <see cref="ILoggerProvider"/> that records every rendered message and its scopes.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            owner._scopes.ForEachScope(static (scope, list) => list.Add(Render(scope)), scopes);
            owner.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception, scopes));
        }

        private static string Render(object? scope) => scope switch
        {
            IEnumerable<KeyValuePair<string, object?>> pairs => string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)),
            _ => scope?.ToString() ?? string.Empty,
        };
    }
}

/// <summary>A minimal <see cref="ILoggerFactory"/> over one provider (the SDK and the emulator only call CreateLogger).</summary>
internal sealed class CapturingLoggerFactory(ILoggerProvider provider) : ILoggerFactory
{
    public void AddProvider(ILoggerProvider loggerProvider) => throw new NotSupportedException();

    public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
