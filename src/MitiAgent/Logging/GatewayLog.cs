using Microsoft.Extensions.Logging;

namespace MitiAgent.Logging;

/// <summary>
/// Log messages of the <see cref="MitiLogCategories.Gateway"/> category. Texts marked (ref) are the reference SDK's,
/// word for word (spec §9). Event content is never a parameter: only types and ids.
/// </summary>
internal static partial class GatewayLog
{
    /// <summary>(ref) <c>connecting to wss://.../agent/gateway</c>.</summary>
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "connecting to {GatewayUrl}")]
    public static partial void Connecting(ILogger logger, Uri gatewayUrl);

    /// <summary>(ref) <c>gateway connected</c>, after the <c>hello</c> frame.</summary>
    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "gateway connected")]
    public static partial void Connected(ILogger logger);

    /// <summary>(ref) <c>gateway connection lost</c>: one Warning line; the cause goes to <see cref="ConnectionError"/>.</summary>
    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "gateway connection lost")]
    public static partial void ConnectionLost(ILogger logger);

    /// <summary>Why a connection was lost, with the transport error's stack (Debug only).</summary>
    [LoggerMessage(EventId = 2025, Level = LogLevel.Debug, Message = "gateway connection lost because: {Reason}")]
    public static partial void ConnectionError(ILogger logger, string reason, Exception? exception);

    /// <summary>(ref) <c>reconnecting in Xs</c>.</summary>
    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "reconnecting in {Seconds}s")]
    public static partial void Reconnecting(ILogger logger, double seconds);

    /// <summary>(ref) <c>event received: type=im.message.receive id=evt-xxx</c>.</summary>
    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "event received: type={EventType} id={EventId}")]
    public static partial void EventReceived(ILogger logger, string eventType, string eventId);

    /// <summary>(ref) <c>no handler for event_type ...</c>, logged once per type.</summary>
    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "no handler for event_type {EventType}")]
    public static partial void NoHandler(ILogger logger, string eventType);

    /// <summary>The <c>hello</c> frame's parameters.</summary>
    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "gateway hello: conn_id={ConnId} ping_interval_ms={PingIntervalMs} ack_timeout_ms={AckTimeoutMs}")]
    public static partial void Hello(ILogger logger, string? connId, int pingIntervalMs, int ackTimeoutMs);

    /// <summary>A frame that is not valid JSON or does not fit its type was skipped (spec §5); only type and id are logged.</summary>
    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "malformed frame skipped: type={FrameType} event_id={EventId} reason={Reason}")]
    public static partial void MalformedFrameSkipped(ILogger logger, string? frameType, string? eventId, string reason);

    /// <summary>A frame of an unknown <c>type</c> was ignored (forward compatibility).</summary>
    [LoggerMessage(EventId = 2009, Level = LogLevel.Debug, Message = "unknown frame type ignored: type={FrameType}")]
    public static partial void UnknownFrameType(ILogger logger, string? frameType);

    /// <summary>A redelivered event was acked but not handled again.</summary>
    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "duplicate event skipped: type={EventType} id={EventId}")]
    public static partial void DuplicateEvent(ILogger logger, string eventType, string eventId);

    /// <summary>A handler threw; the loop goes on.</summary>
    [LoggerMessage(EventId = 2011, Level = LogLevel.Error, Message = "handler failed: type={EventType} id={EventId}")]
    public static partial void HandlerFailed(ILogger logger, string eventType, string eventId, Exception exception);

    /// <summary>All handler slots were busy; the event went to the overload handler.</summary>
    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "all {MaxConcurrency} handler slots busy, event sent to the overload handler: type={EventType} id={EventId}")]
    public static partial void Overloaded(ILogger logger, int maxConcurrency, string eventType, string eventId);

    /// <summary>All handler slots and the overload pool were busy (or there is no overload handler); the event was dropped.</summary>
    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "overloaded, event dropped: type={EventType} id={EventId}")]
    public static partial void OverloadDropped(ILogger logger, string eventType, string eventId);

    /// <summary>The cancel queue was full; the cancel event was dropped.</summary>
    [LoggerMessage(EventId = 2014, Level = LogLevel.Warning, Message = "cancel queue full ({Capacity}), cancel event dropped: id={EventId} run_id={RunId}")]
    public static partial void CancelQueueFull(ILogger logger, int capacity, string eventId, string? runId);

    /// <summary>The server sent a <c>reconnect</c> frame.</summary>
    [LoggerMessage(EventId = 2015, Level = LogLevel.Information, Message = "server requested reconnect: reason={Reason}")]
    public static partial void ServerRequestedReconnect(ILogger logger, string? reason);

    /// <summary>The server closed the connection.</summary>
    [LoggerMessage(EventId = 2016, Level = LogLevel.Warning, Message = "gateway closed by server: code={CloseCode} reason={Reason}")]
    public static partial void ClosedByServer(ILogger logger, int? closeCode, string? reason);

    /// <summary>The server closed with 4400 because the agent sent a malformed frame.</summary>
    [LoggerMessage(EventId = 2017, Level = LogLevel.Error, Message = "gateway closed the connection because the agent sent a malformed frame (4400)")]
    public static partial void AgentSentMalformedFrame(ILogger logger);

    /// <summary>The ack of an event could not be written before the socket ended; the event is left for its redelivery.</summary>
    [LoggerMessage(EventId = 2026, Level = LogLevel.Warning, Message = "ack not sent, event left for redelivery: type={EventType} id={EventId}")]
    public static partial void AckNotSent(ILogger logger, string eventType, string eventId);

    /// <summary>An accepted event was still queued when the agent stopped.</summary>
    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "stopping, queued event dropped: type={EventType} id={EventId}")]
    public static partial void StoppingEventDropped(ILogger logger, string eventType, string eventId);

    /// <summary>The <c>[OnError]</c> handler itself threw.</summary>
    [LoggerMessage(EventId = 2028, Level = LogLevel.Error, Message = "error handler failed: type={EventType} id={EventId}")]
    public static partial void ErrorHandlerFailed(ILogger logger, string eventType, string eventId, Exception exception);

    /// <summary>A failed handler left its stream unfinished; the SDK sent the <c>failed</c> frame.</summary>
    [LoggerMessage(EventId = 2029, Level = LogLevel.Warning, Message = "handler failed with its stream open, stream failed: id={EventId} run_id={RunId}")]
    public static partial void UnfinishedStreamFailed(ILogger logger, string eventId, string runId);

    /// <summary>The <c>failed</c> frame for an unfinished stream could not be sent.</summary>
    [LoggerMessage(EventId = 2030, Level = LogLevel.Debug, Message = "could not fail the unfinished stream: id={EventId} run_id={RunId} error={ErrorType}")]
    public static partial void UnfinishedStreamNotFailed(ILogger logger, string eventId, string runId, string errorType);

    /// <summary>A startup token request failed transiently; the client retries (spec §2: 5xx, 429 and network errors are transient).</summary>
    [LoggerMessage(EventId = 2031, Level = LogLevel.Warning, Message = "could not get an access token ({Reason}), will retry")]
    public static partial void TokenUnavailable(ILogger logger, string reason);

    /// <summary>A binary frame was read and thrown away (the gateway speaks JSON text frames only); its bytes are never logged.</summary>
    [LoggerMessage(EventId = 2032, Level = LogLevel.Warning, Message = "binary frame skipped: the gateway sends text frames only")]
    public static partial void BinaryFrameSkipped(ILogger logger);

    /// <summary>A frame above <see cref="MitiAgentOptions.MaxInboundFrameBytes"/> was thrown away while it was read (never buffered whole).</summary>
    [LoggerMessage(EventId = 2033, Level = LogLevel.Warning, Message = "oversized frame skipped: more than {MaxInboundFrameBytes} bytes (MaxInboundFrameBytes)")]
    public static partial void OversizedFrameSkipped(ILogger logger, int maxInboundFrameBytes);

    /// <summary>Handlers still ran after their cancellation and its grace period; the stop went on without them.</summary>
    [LoggerMessage(EventId = 2034, Level = LogLevel.Warning, Message = "{Running} handlers ignored cancellation for {GraceMs}ms, stopping without them")]
    public static partial void HandlersAbandoned(ILogger logger, int running, long graceMs);

    /// <summary>An <c>assistant.cancel</c> came while its run waited for a worker or its ack: the run's handler never starts.</summary>
    [LoggerMessage(EventId = 2035, Level = LogLevel.Information, Message = "run cancelled before its handler started, handler not run: type={EventType} id={EventId} run_id={RunId}")]
    public static partial void RunCancelledBeforeStart(ILogger logger, string eventType, string eventId, string runId);

    /// <summary>The WebSocket handshake was refused.</summary>
    [LoggerMessage(EventId = 2018, Level = LogLevel.Warning, Message = "gateway handshake rejected: http_status={HttpStatus}")]
    public static partial void HandshakeRejected(ILogger logger, int httpStatus);

    /// <summary>Nothing arrived for twice the ping interval: the connection is dead (spec §4.3). The one Warning line of such a drop.</summary>
    [LoggerMessage(EventId = 2019, Level = LogLevel.Warning, Message = "no frame received for {SilenceMs}ms, aborting the connection")]
    public static partial void LivenessTimeout(ILogger logger, long silenceMs);

    /// <summary>A fatal condition stopped the gateway for good.</summary>
    [LoggerMessage(EventId = 2020, Level = LogLevel.Critical, Message = "gateway stopped: code={Code} msg={Msg}")]
    public static partial void Fatal(ILogger logger, int code, string? msg);

    /// <summary>Stopping: waiting for running handlers.</summary>
    [LoggerMessage(EventId = 2021, Level = LogLevel.Information, Message = "stopping: waiting up to {Seconds}s for {Running} running handlers")]
    public static partial void Draining(ILogger logger, double seconds, int running);

    /// <summary>The shutdown timeout elapsed with handlers still running; they are cancelled.</summary>
    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "shutdown timeout elapsed, cancelling {Running} running handlers")]
    public static partial void DrainTimedOut(ILogger logger, int running);

    /// <summary>The caller of StopAsync cancelled its token with handlers still running; they are cancelled at once.</summary>
    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "stop cancelled by the caller, cancelling {Running} running handlers")]
    public static partial void DrainAbandoned(ILogger logger, int running);

    /// <summary>An event's payload was traced (only at Trace level, spec §9).</summary>
    [LoggerMessage(EventId = 2023, Level = LogLevel.Trace, Message = "event payload: id={EventId} payload={Payload}")]
    public static partial void EventPayload(ILogger logger, string eventId, string payload);
}
