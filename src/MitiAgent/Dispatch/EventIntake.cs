using System.Text;
using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Events;
using MitiAgent.Gateway;
using MitiAgent.Logging;
using MitiAgent.Protocol;
using MitiAgent.Streaming;

namespace MitiAgent.Dispatch;

/// <summary>
/// What the client does with a gateway socket's inbound frames: an <c>event</c> is parsed, acked on receipt and handed
/// to the <see cref="EventDispatcher"/> (which drops duplicates); an <c>ack</c> goes to the <see cref="TerminalFrameSender"/>
/// waiting for it. Runs on the socket's reader loop, so it never runs user code.
/// </summary>
internal sealed class EventIntake : IGatewayFrameHandler
{
    private readonly EventDispatcher _dispatcher;
    private readonly IEventReplySink _replies;
    private readonly TerminalFrameSender _terminalFrames;
    private readonly ILogger _log;
    private readonly MitiMetrics _metrics;
    private readonly SharedEventClaims? _claims;

    /// <param name="dispatcher">Runs the handlers of this client run.</param>
    /// <param name="replies">What the parsed events answer through.</param>
    /// <param name="terminalFrames">Receives the acks of terminal stream frames.</param>
    /// <param name="gatewayLogger">The <c>MitiAgent.Gateway</c> logger.</param>
    /// <param name="metrics">Counts received and dropped events.</param>
    /// <param name="claims">The instances' shared dedupe, consulted before dispatch; <see langword="null"/> for local dedupe only.</param>
    public EventIntake(EventDispatcher dispatcher, IEventReplySink replies, TerminalFrameSender terminalFrames, ILogger gatewayLogger, MitiMetrics metrics, SharedEventClaims? claims = null)
    {
        _claims = claims;
        _dispatcher = dispatcher;
        _replies = replies;
        _terminalFrames = terminalFrames;
        _log = gatewayLogger;
        _metrics = metrics;
    }

    public ValueTask OnEvent(GatewaySocket socket, ReadOnlySpan<byte> utf8Frame)
    {
        if (!_dispatcher.Accepting)
        {
            // Shutting down: leave it un-acked so the platform redelivers it to another instance.
            return default;
        }

        var result = AgentEvent.FromUtf8Json(utf8Frame, _replies);

        // Spec §4.2: acked on receipt (also duplicates, unknown types and malformed events with an id); the
        // dispatcher starts no handler before this ack reached the socket. A parsed event's delivery is its ack.
        EventDelivery? delivery = null;
        if (result.Status == EventParseStatus.Ok)
        {
            delivery = new EventDelivery(result.Event!);
            socket.SendAck(delivery);
        }
        else if (result.EventId is { } eventId)
        {
            socket.SendAck(eventId);
        }

        _metrics.EventReceived(result.EventType);
        switch (result.Status)
        {
            case EventParseStatus.Ok:
                GatewayLog.EventReceived(_log, result.EventType!, result.EventId!);
                if (_log.IsEnabled(LogLevel.Trace))
                {
                    GatewayLog.EventPayload(_log, result.EventId!, Encoding.UTF8.GetString(utf8Frame));
                }

                return _claims is null
                    ? _dispatcher.DispatchAsync(delivery!)
                    : _claims.ClaimThenDispatchAsync(_dispatcher, delivery!);
            case EventParseStatus.UnknownType:
                GatewayLog.EventReceived(_log, result.EventType!, result.EventId!);
                _dispatcher.ReportNoHandler(result.EventType!);
                return default;
            default:
                GatewayLog.MalformedFrameSkipped(_log, result.EventType, result.EventId, result.Reason ?? "malformed event");
                _metrics.EventDropped(result.EventType, MitiMetrics.DropReasons.Malformed);
                return default;
        }
    }

    public void OnAck(AckFrame ack) => _terminalFrames.OnAck(ack);
}
