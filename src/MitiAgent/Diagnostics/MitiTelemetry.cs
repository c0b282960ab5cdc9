namespace MitiAgent;

/// <summary>
/// The names of the SDK's OpenTelemetry signals: a <see cref="System.Diagnostics.Metrics.Meter"/> and an
/// <see cref="System.Diagnostics.ActivitySource"/>, both named <c>MitiAgent</c>. Subscribe with
/// <c>AddMeter(MitiTelemetry.MeterName)</c> and <c>AddSource(MitiTelemetry.ActivitySourceName)</c> (OpenTelemetry SDK),
/// <c>dotnet-counters monitor --counters MitiAgent</c>, or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
/// <remarks>
/// <para>
/// A client given an <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (DI's, in hosted apps) records on the
/// factory's <c>MitiAgent</c> meter; otherwise every client of the process records on one shared meter. Either way the
/// instruments are created once per meter, and the values of all clients on that meter add up.
/// </para>
/// <para>
/// No signal carries message content, user names, tokens or the app secret: tags are event types, ids, message types,
/// fixed reason/outcome words and exception type names only.
/// </para>
/// <para>
/// Each handled event gets one span (<see cref="System.Diagnostics.ActivityKind.Consumer"/>) named
/// <c>process {event_type}</c>, a root span (events carry no trace context), current while the handler runs, with the
/// tags <see cref="Tags.EventType"/>, <see cref="Tags.EventId"/>, <see cref="Tags.MsgType"/> (message events),
/// <see cref="Tags.RunId"/> (when the event has one), <see cref="Tags.HandlerKind"/>, <see cref="Tags.HandlerOutcome"/>,
/// and on failure <see cref="Tags.ErrorType"/> with status <see cref="System.Diagnostics.ActivityStatusCode.Error"/>
/// (no description: exception messages may quote content). A cancelled handler keeps status
/// <see cref="System.Diagnostics.ActivityStatusCode.Unset"/> with outcome <c>cancelled</c>. Duplicate, dropped and
/// unhandled events get no span (they are counted instead).
/// </para>
/// </remarks>
public static class MitiTelemetry
{
    /// <summary>The name of the SDK's meter: <c>MitiAgent</c>.</summary>
    public const string MeterName = "MitiAgent";

    /// <summary>The name of the SDK's activity source: <c>MitiAgent</c>.</summary>
    public const string ActivitySourceName = "MitiAgent";

    /// <summary>The names of the instruments of the <see cref="MeterName"/> meter.</summary>
    public static class Instruments
    {
        /// <summary>
        /// <c>miti.agent.connections</c> — UpDownCounter&lt;long&gt;, unit <c>{connection}</c>, no tags: gateway
        /// connections open right now (up after <c>hello</c>, down when the socket ends; 2 during a <c>reconnect</c>
        /// hand-over).
        /// </summary>
        public const string Connections = "miti.agent.connections";

        /// <summary>
        /// <c>miti.agent.reconnects</c> — Counter&lt;long&gt;, unit <c>{reconnect}</c>, tag <see cref="Tags.ReconnectReason"/>:
        /// every time the connection loop dials again, by why the previous connection or dial ended:
        /// <c>server_reconnect</c> (a <c>reconnect</c> frame, hand-over), <c>server_closed</c> (a close frame from the
        /// server), <c>token_revoked</c> (close 4001), <c>malformed_frame</c> (close 4400), <c>ping_timeout</c> (nothing
        /// received for two ping intervals), <c>connection_lost</c> (transport error, no close frame),
        /// <c>token_invalid</c> (handshake 401), <c>rate_limited</c> (handshake 429), <c>handshake_failed</c> (another
        /// handshake status), <c>connect_failed</c> (the dial failed in transport or timed out) or
        /// <c>token_unavailable</c> (the token request failed transiently: HTTP 5xx, 429, network error, timeout).
        /// </summary>
        public const string Reconnects = "miti.agent.reconnects";

        /// <summary>
        /// <c>miti.agent.events.received</c> — Counter&lt;long&gt;, unit <c>{event}</c>, tag <see cref="Tags.EventType"/>
        /// (absent when a malformed frame has none): every <c>event</c> frame taken from the gateway, redeliveries and
        /// later dropped ones included. Frames arriving while the client stops are left un-acked and not counted.
        /// </summary>
        public const string EventsReceived = "miti.agent.events.received";

        /// <summary>
        /// <c>miti.agent.events.deduplicated</c> — Counter&lt;long&gt;, unit <c>{event}</c>, tag <see cref="Tags.EventType"/>:
        /// redeliveries of an event id that is running or was handled recently; acked, not handled again.
        /// </summary>
        public const string EventsDeduplicated = "miti.agent.events.deduplicated";

        /// <summary>
        /// <c>miti.agent.events.overloaded</c> — Counter&lt;long&gt;, unit <c>{event}</c>, tag <see cref="Tags.EventType"/>:
        /// message events that found every one of <see cref="MitiAgentOptions.MaxConcurrency"/> slots busy and went to the
        /// overload handler.
        /// </summary>
        public const string EventsOverloaded = "miti.agent.events.overloaded";

        /// <summary>
        /// <c>miti.agent.events.dropped</c> — Counter&lt;long&gt;, unit <c>{event}</c>, tags <see cref="Tags.DropReason"/>
        /// and <see cref="Tags.EventType"/> (when known): received events that ran no handler — <c>overloaded</c> (no
        /// worker, a full handler queue, and no free overload slot or no overload handler), <c>cancel_queue_full</c>,
        /// <c>no_handler</c> (no handler for the type), <c>malformed</c> (the frame did not fit the event shape) or
        /// <c>shutdown</c> (still queued when the stop's drain ended). An <c>assistant.cancel</c> without an
        /// <c>[OnCancel]</c> handler is not dropped: it still cancels its run.
        /// </summary>
        public const string EventsDropped = "miti.agent.events.dropped";

        /// <summary>
        /// <c>miti.agent.handler.duration</c> — Histogram&lt;double&gt;, unit <c>s</c>, tags <see cref="Tags.EventType"/>,
        /// <see cref="Tags.HandlerKind"/> and <see cref="Tags.HandlerOutcome"/>: how long each handler run took, on the
        /// client's <see cref="TimeProvider"/>.
        /// </summary>
        public const string HandlerDuration = "miti.agent.handler.duration";

        /// <summary>
        /// <c>miti.agent.queue.depth</c> — ObservableUpDownCounter&lt;int&gt;, unit <c>{event}</c>, tag
        /// <see cref="Tags.Queue"/>: events being handled or waiting, read when collected — <c>handlers</c> (running
        /// message handlers, at most <see cref="MitiAgentOptions.MaxConcurrency"/>), <c>overload</c> (running overload
        /// handlers) and <c>cancel</c> (cancel events queued or running). Reported only while a client runs.
        /// </summary>
        public const string QueueDepth = "miti.agent.queue.depth";

        /// <summary>
        /// <c>miti.agent.rate_limited</c> — Counter&lt;long&gt;, unit <c>{response}</c>, tag <see cref="Tags.Operation"/>:
        /// HTTP 429 (or code 10029) answers — <c>send</c>, <c>history</c>, <c>token</c> or <c>gateway</c> (the handshake).
        /// </summary>
        public const string RateLimited = "miti.agent.rate_limited";

        /// <summary>
        /// <c>miti.agent.token.refreshes</c> — Counter&lt;long&gt;, unit <c>{request}</c>, tags <see cref="Tags.TokenTrigger"/>
        /// and <see cref="Tags.TokenOutcome"/>: access token requests (one per request, however many callers share it) —
        /// trigger <c>initial</c> (no token yet), <c>scheduled</c> (the proactive refresh) or <c>on_demand</c> (the token
        /// was rejected or expired); outcome <c>success</c> or <c>failure</c>.
        /// </summary>
        public const string TokenRefreshes = "miti.agent.token.refreshes";

        /// <summary>
        /// <c>miti.agent.stream.retries</c> — Counter&lt;long&gt;, unit <c>{frame}</c>, no tags: terminal stream frames
        /// (<c>completed</c>/<c>failed</c>) sent again, same <c>event_id</c>, because no ack came in time.
        /// </summary>
        public const string StreamRetries = "miti.agent.stream.retries";
    }

    /// <summary>The tag (attribute) names of the SDK's measurements and spans.</summary>
    public static class Tags
    {
        /// <summary><c>miti.event_type</c>: the event's <c>event_type</c>, e.g. <c>im.message.receive</c>.</summary>
        public const string EventType = "miti.event_type";

        /// <summary><c>miti.event_id</c> (spans only): the event's <c>event_id</c>.</summary>
        public const string EventId = "miti.event_id";

        /// <summary><c>miti.msg_type</c> (spans only): the message's <c>msg_type</c>, e.g. <c>text</c>.</summary>
        public const string MsgType = "miti.msg_type";

        /// <summary><c>miti.run_id</c> (spans only): the run the event belongs to.</summary>
        public const string RunId = "miti.run_id";

        /// <summary><c>miti.handler.kind</c>: <c>message</c> (message and group @ handlers), <c>overload</c> or <c>cancel</c>.</summary>
        public const string HandlerKind = "miti.handler.kind";

        /// <summary><c>miti.handler.outcome</c>: <c>ok</c>, <c>error</c> (the handler threw) or <c>cancelled</c> (it stopped on its token).</summary>
        public const string HandlerOutcome = "miti.handler.outcome";

        /// <summary><c>error.type</c> (spans only): the full type name of the exception a handler threw; never its message.</summary>
        public const string ErrorType = "error.type";

        /// <summary><c>miti.reconnect.reason</c>: why the connection loop dialled again (see <see cref="Instruments.Reconnects"/>).</summary>
        public const string ReconnectReason = "miti.reconnect.reason";

        /// <summary><c>miti.drop.reason</c>: why an event ran no handler (see <see cref="Instruments.EventsDropped"/>).</summary>
        public const string DropReason = "miti.drop.reason";

        /// <summary><c>miti.queue</c>: <c>handlers</c>, <c>overload</c> or <c>cancel</c> (see <see cref="Instruments.QueueDepth"/>).</summary>
        public const string Queue = "miti.queue";

        /// <summary><c>miti.operation</c>: <c>send</c>, <c>history</c>, <c>token</c> or <c>gateway</c>.</summary>
        public const string Operation = "miti.operation";

        /// <summary><c>miti.token.trigger</c>: <c>initial</c>, <c>scheduled</c> or <c>on_demand</c>.</summary>
        public const string TokenTrigger = "miti.token.trigger";

        /// <summary><c>miti.token.outcome</c>: <c>success</c> or <c>failure</c>.</summary>
        public const string TokenOutcome = "miti.token.outcome";
    }
}
