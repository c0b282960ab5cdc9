using Microsoft.Extensions.Logging;
using MitiAgent.Logging;

namespace MitiAgent.Rest;

/// <summary>REST log messages of the <see cref="MitiLogCategories.Message"/> category that <see cref="MessageLog"/> does not word.</summary>
internal static partial class RestLog
{
    /// <summary>A transient history failure will be retried.</summary>
    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "get_history transient failure (attempt {Attempt} of {MaxAttempts}), retrying in {Seconds}s")]
    public static partial void HistoryRetry(ILogger logger, int attempt, int maxAttempts, double seconds, Exception? exception);
}
