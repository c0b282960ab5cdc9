using Microsoft.Extensions.Logging;

namespace MitiAgent.Logging;

/// <summary>Log messages of the shared event dedupe (<see cref="IEventDeduplicationStore"/>), in the gateway category.</summary>
internal static partial class DeduplicationLog
{
    /// <summary>A claim failed: the client handles the event with its local dedupe only. Logged once per outage.</summary>
    [LoggerMessage(EventId = 2901, Level = LogLevel.Warning, Message = "event dedupe store unavailable, using local dedupe until it answers again: {Reason}")]
    public static partial void StoreUnavailable(ILogger logger, string reason, Exception? exception);

    /// <summary>The store answers again after <see cref="StoreUnavailable"/>.</summary>
    [LoggerMessage(EventId = 2902, Level = LogLevel.Information, Message = "event dedupe store available again after {Failures} failed claim(s)")]
    public static partial void StoreRecovered(ILogger logger, long failures);

    /// <summary>Another instance (or an earlier delivery) claimed the event: acked, not handled here.</summary>
    [LoggerMessage(EventId = 2903, Level = LogLevel.Debug, Message = "event claimed elsewhere, skipped: type={EventType} id={EventId}")]
    public static partial void ClaimedElsewhere(ILogger logger, string eventType, string eventId);

    /// <summary>A claim made while stopping could not be released; it expires after the window.</summary>
    [LoggerMessage(EventId = 2904, Level = LogLevel.Debug, Message = "event claim not released at shutdown: id={EventId} ({Reason})")]
    public static partial void ReleaseFailed(ILogger logger, string eventId, string reason);
}
