using Microsoft.Extensions.Logging;

namespace MitiAgent.Logging;

/// <summary>
/// Log messages of the <see cref="MitiLogCategories.Message"/> category. Texts marked (ref) are the reference SDK's,
/// word for word (spec §9). Message content is only logged at Trace.
/// </summary>
internal static partial class MessageLog
{
    /// <summary>(ref) <c>send_message success: target=... message_id=...</c>.</summary>
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "send_message success: target={Target} message_id={MessageId}")]
    public static partial void SendSuccess(ILogger logger, string target, string? messageId);

    /// <summary>(ref) <c>send_message API error: code=10012 msg=no permission</c>.</summary>
    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "send_message API error: code={Code} msg={Msg}")]
    public static partial void SendApiError(ILogger logger, int code, string? msg);

    /// <summary>A transient send failure will be retried.</summary>
    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "send_message transient failure (attempt {Attempt} of {MaxAttempts}), retrying in {Seconds}s")]
    public static partial void SendRetry(ILogger logger, int attempt, int maxAttempts, double seconds, Exception? exception);

    /// <summary>HTTP 429: every send of this client pauses.</summary>
    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "rate limited, pausing sends for {Seconds}s")]
    public static partial void RateLimited(ILogger logger, double seconds);

    /// <summary>A terminal stream frame was not acked in time and is sent again with the same event id.</summary>
    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "stream frame not acked, resending: event_id={EventId} run_id={RunId} attempt={Attempt}")]
    public static partial void StreamFrameRetry(ILogger logger, string eventId, string? runId, int attempt);

    /// <summary>The server rejected a terminal stream frame (ack with code ≠ 0); not retried.</summary>
    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "stream frame rejected: event_id={EventId} run_id={RunId} code={Code} msg={Msg}")]
    public static partial void StreamFrameRejected(ILogger logger, string eventId, string? runId, int code, string? msg);

    /// <summary>A terminal stream frame was never acked.</summary>
    [LoggerMessage(EventId = 3007, Level = LogLevel.Error, Message = "stream frame not acked after {Attempts} attempts: event_id={EventId} run_id={RunId}")]
    public static partial void StreamFrameTimedOut(ILogger logger, int attempts, string eventId, string? runId);

    /// <summary>A delta frame could not be queued (no open connection); the terminal frame will carry the whole answer.</summary>
    [LoggerMessage(EventId = 3008, Level = LogLevel.Debug, Message = "stream delta not sent (no connection): run_id={RunId} seq={Seq}")]
    public static partial void StreamDeltaDropped(ILogger logger, string? runId, int seq);

    /// <summary>(ref-style) history API error.</summary>
    [LoggerMessage(EventId = 3009, Level = LogLevel.Error, Message = "get_history API error: code={Code} msg={Msg}")]
    public static partial void HistoryApiError(ILogger logger, int code, string? msg);

    /// <summary>Outbound content, at Trace only (spec §9).</summary>
    [LoggerMessage(EventId = 3010, Level = LogLevel.Trace, Message = "send_message content: msg_type={MsgType} content={Content}")]
    public static partial void SendContent(ILogger logger, string? msgType, string content);
}
