using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Samples.Aot;

/// <summary>
/// A minimal console <see cref="ILoggerFactory"/>: one line per entry, <c>HH:mm:ss level: category message</c>.
/// Microsoft.Extensions.Logging.Console works under Native AOT too; this sample keeps to the SDK's only dependency
/// (Microsoft.Extensions.Logging.Abstractions) so that the binary size in the README is the SDK's own.
/// </summary>
internal sealed class ConsoleLoggerFactory(LogLevel minimumLevel) : ILoggerFactory
{
    private static readonly Lock WriteGate = new();

    public ILogger CreateLogger(string categoryName) => new ConsoleLogger(categoryName, minimumLevel);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("This sample's logger factory writes to the console only.");

    public void Dispose()
    {
    }

    private sealed class ConsoleLogger(string category, LogLevel minimumLevel) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= minimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string line = string.Create(
                CultureInfo.InvariantCulture,
                $"{DateTime.Now:HH:mm:ss} {Abbreviate(logLevel)}: {category} {formatter(state, exception)}");
            var writer = logLevel >= LogLevel.Warning ? Console.Error : Console.Out;
            lock (WriteGate)
            {
                writer.WriteLine(line);
                if (exception is not null)
                {
                    writer.WriteLine(exception.ToString());
                }
            }
        }

        private static string Abbreviate(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
