using Microsoft.Extensions.Logging;

namespace MitiAgent.Emulator;

/// <summary>Source-generated log messages of the emulator. Secrets and message content are never logged.</summary>
internal static partial class Log
{
    // Debug: the programs that start an emulator print its addresses themselves ("listening on" once, not twice).
    [LoggerMessage(1, LogLevel.Debug, "Miti emulator listening on {BaseUrl}")]
    public static partial void Listening(ILogger logger, string baseUrl);

    [LoggerMessage(2, LogLevel.Information, "token issued: app_id={AppId} expires_in={ExpiresIn}s")]
    public static partial void TokenIssued(ILogger logger, string appId, int expiresIn);

    [LoggerMessage(4, LogLevel.Information, "gateway connection opened: conn_id={ConnId} app_id={AppId}")]
    public static partial void ConnectionOpened(ILogger logger, string connId, string appId);

    [LoggerMessage(5, LogLevel.Information, "gateway connection closed: conn_id={ConnId} app_id={AppId} code={CloseCode}")]
    public static partial void ConnectionClosed(ILogger logger, string connId, string appId, int? closeCode);

    [LoggerMessage(6, LogLevel.Warning, "gateway handshake refused: status={Status} app_id={AppId}")]
    public static partial void HandshakeRefused(ILogger logger, int status, string? appId);

    [LoggerMessage(7, LogLevel.Debug, "event delivered: type={EventType} id={EventId} conn_id={ConnId} attempt={Attempt}")]
    public static partial void EventDelivered(ILogger logger, string eventType, string eventId, string connId, int attempt);

    [LoggerMessage(8, LogLevel.Information, "event not delivered, no open connection: type={EventType} id={EventId} app_id={AppId}")]
    public static partial void EventNotDelivered(ILogger logger, string eventType, string eventId, string appId);

    [LoggerMessage(9, LogLevel.Debug, "event acked: id={EventId} conn_id={ConnId}")]
    public static partial void EventAcked(ILogger logger, string eventId, string connId);

    [LoggerMessage(10, LogLevel.Information, "event not acked within the ack timeout, redelivering: id={EventId} attempt={Attempt}")]
    public static partial void EventRedelivering(ILogger logger, string eventId, int attempt);

    [LoggerMessage(11, LogLevel.Warning, "event given up after {Attempts} deliveries: id={EventId}")]
    public static partial void EventGivenUp(ILogger logger, string eventId, int attempts);

    [LoggerMessage(12, LogLevel.Warning, "malformed frame from agent, closing with 4400: conn_id={ConnId} reason={Reason}")]
    public static partial void MalformedFrame(ILogger logger, string connId, string reason);

    [LoggerMessage(13, LogLevel.Information, "message sent by agent: app_id={AppId} msg_type={MsgType} target={Target} message_id={MessageId}")]
    public static partial void MessageSent(ILogger logger, string appId, string msgType, string target, string messageId);

    [LoggerMessage(14, LogLevel.Information, "request refused: {Method} {Path} app_id={AppId} status={Status} code={Code}")]
    public static partial void RequestRefused(ILogger logger, string method, string path, string? appId, int status, int code);

    [LoggerMessage(15, LogLevel.Information, "run finished: run_id={RunId} state={State} event_id={EventId}")]
    public static partial void RunFinished(ILogger logger, string runId, string state, string eventId);

    [LoggerMessage(16, LogLevel.Debug, "duplicate terminal stream frame answered with the earlier ack: event_id={EventId}")]
    public static partial void DuplicateTerminalFrame(ILogger logger, string eventId);

    [LoggerMessage(17, LogLevel.Information, "terminal stream frame rejected: event_id={EventId} run_id={RunId} code={Code}")]
    public static partial void TerminalFrameRejected(ILogger logger, string eventId, string runId, int code);

    [LoggerMessage(18, LogLevel.Information, "fault injected: {Fault}")]
    public static partial void FaultInjected(ILogger logger, string fault);

    [LoggerMessage(19, LogLevel.Debug, "stream delta ignored: run_id={RunId} reason={Reason}")]
    public static partial void DeltaIgnored(ILogger logger, string runId, string reason);

    [LoggerMessage(20, LogLevel.Debug, "unknown frame type from agent ignored: conn_id={ConnId} type={Type}")]
    public static partial void UnknownFrameType(ILogger logger, string connId, string type);
}
