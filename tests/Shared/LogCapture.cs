using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Testing;

// Log capture shared by the test projects (compiled into each through a linked <Compile> item, see tests/Shared).

/// <summary>A captured log entry with the logging scopes active when it was written (outermost first).</summary>
internal sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception, IReadOnlyList<string> Scopes)
{
    /// <summary>The entry as one line, the way the emulator tests grep it: level, category, message, exception.</summary>
    public string Line => $"{Level} {Category}: {Message} {Exception}";

    /// <summary>
    /// <see cref="ToString"/> followed by the scopes: for checks that must see everything written (no secret anywhere),
    /// not for counting lines, since a scope (an event id, say) repeats in every entry written inside it.
    /// </summary>
    public string TextWithScopes => Scopes.Count == 0 ? ToString() : ToString() + " | scopes: " + string.Join(", ", Scopes);

    /// <summary>Category, level, event id and name, message and exception; without the scopes (see <see cref="TextWithScopes"/>).</summary>
    public override string ToString() =>
        $"{Category} [{Level}] ({EventId.Id}{(EventId.Name is null ? string.Empty : " " + EventId.Name)}) {Message}" + (Exception is null ? string.Empty : " | " + Exception);
}

/// <summary>
/// An <see cref="ILoggerProvider"/> that records every rendered message and the scopes around it. Usable from any thread:
/// the SDK, the emulator and ASP.NET Core log from timers, socket loops and the thread pool.
/// </summary>
/// <remarks>
/// A scope is rendered to a string once, by <see cref="ILogger.BeginScope{TState}"/> on the thread that opens it, and
/// only that string is kept (in an <see cref="AsyncLocal{T}"/> list of immutable nodes). Keeping the scope object and
/// rendering it at every <c>Log</c> call instead (what <see cref="LoggerExternalScopeProvider"/> does with the state it
/// is given) reads a framework object later, on whatever thread logs: the execution context, and with it the scope,
/// flows into timers and tasks started inside a request or connection, long after that request's objects were reset
/// for reuse. A throw there happens on a timer or thread-pool thread, where nothing catches it, and ends the process.
/// Closing a scope restores its parent only while it is still the current one, so scopes closed out of order (or
/// twice, or on another flow) never corrupt the list.
/// </remarks>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly AsyncLocal<ScopeNode?> _scope = new();

    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    /// <summary>Every entry as a <see cref="LogEntry.Line"/>.</summary>
    public IReadOnlyList<string> Lines => Entries.Select(e => e.Line).ToArray();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    /// <summary>How many entries were written with the event id <paramref name="eventId"/>.</summary>
    public int Count(int eventId) => Entries.Count(e => e.EventId.Id == eventId);

    public void Dispose()
    {
    }

    private static string Render(object? scope)
    {
        try
        {
            return scope switch
            {
                IEnumerable<KeyValuePair<string, object?>> pairs => string.Join(" ", pairs.Select(p => p.Key + "=" + p.Value)),
                _ => scope?.ToString() ?? string.Empty,
            };
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException or NullReferenceException)
        {
            return "<unreadable scope " + scope!.GetType().Name + ": " + ex.GetType().Name + ">";
        }
    }

    /// <summary>One open scope: its rendered text and the scope it was opened in. Immutable.</summary>
    private sealed class ScopeNode(string text, ScopeNode? parent) : IDisposable
    {
        private CapturingLoggerProvider? _owner;

        public string Text { get; } = text;

        public ScopeNode? Parent { get; } = parent;

        public ScopeNode Open(CapturingLoggerProvider owner)
        {
            _owner = owner;
            owner._scope.Value = this;
            return this;
        }

        public void Dispose()
        {
            var owner = Interlocked.Exchange(ref _owner, null);
            if (owner is not null && ReferenceEquals(owner._scope.Value, this))
            {
                owner._scope.Value = Parent;
            }
        }
    }

    private sealed class CapturingLogger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => new ScopeNode(Render(state), owner._scope.Value).Open(owner);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<string>();
            for (var node = owner._scope.Value; node is not null; node = node.Parent)
            {
                scopes.Add(node.Text);
            }

            scopes.Reverse();
            owner.Entries.Enqueue(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception, scopes));
        }
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
