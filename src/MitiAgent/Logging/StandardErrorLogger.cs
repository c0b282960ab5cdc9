using System.Globalization;
using Microsoft.Extensions.Logging;

namespace MitiAgent.Logging;

/// <summary>
/// The logging fallback of a client created without an <see cref="ILoggerFactory"/> (the reference SDK prints its
/// warnings through Python's logging fallback): warnings and errors go to standard error, one line each, e.g.
/// <c>2026-12-01T08:00:00.000Z warn MitiAgent.Gateway[2003] gateway connection lost: Connection refused</c>.
/// An exception adds its type and message to the line, never its stack. Lower levels are not written.
/// </summary>
internal sealed class StandardErrorLoggerFactory : ILoggerFactory
{
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;

    public StandardErrorLoggerFactory(TextWriter? writer = null, TimeProvider? time = null)
    {
        _writer = writer ?? Console.Error;
        _time = time ?? TimeProvider.System;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("The standard-error fallback takes no providers; pass your own ILoggerFactory to MitiAgentClient instead.");

    public void Dispose()
    {
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };

    private sealed class Logger(StandardErrorLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception).ReplaceLineEndings(" ");
            string line = string.Create(
                CultureInfo.InvariantCulture,
                $"{owner._time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {LevelName(logLevel)} {category}[{eventId.Id}] {message}");
            if (exception is not null)
            {
                line += " (" + exception.GetType().Name + ": " + exception.Message.ReplaceLineEndings(" ") + ")";
            }

            // TextWriter.Synchronized (Console.Error is) keeps concurrent lines whole.
            owner._writer.WriteLine(line);
        }
    }
}
