using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator;

internal sealed partial class EmulatorCore
{
    // ---------------------------------------------------------------- handshake and connections

    /// <summary>
    /// Checks a gateway handshake (spec §4): 401 for a bad token, 403 for a disabled app, 429 when the app has
    /// too many connections. On success a connection slot is reserved for <see cref="OpenConnection"/>.
    /// </summary>
    public (int Status, string? AppId, TimeSpan? RetryAfter) CheckHandshake(string? token)
    {
        lock (_gate)
        {
            var state = FindLiveToken(token);
            if (state is null)
            {
                Log.HandshakeRefused(_logger, 401, null);
                return (401, null, null);
            }

            var app = _apps[state.AppId];
            if (app.App.Disabled)
            {
                Log.HandshakeRefused(_logger, 403, state.AppId);
                return (403, state.AppId, null);
            }

            if (app.Connections.Count(c => !c.Closing) + app.ReservedHandshakes >= _options.MaxConnectionsPerApp)
            {
                Log.HandshakeRefused(_logger, 429, state.AppId);
                return (429, state.AppId, _options.ConnectionLimitRetryAfter);
            }

            app.ReservedHandshakes++;
            return (101, state.AppId, null);
        }
    }

    public void ReleaseHandshake(string appId)
    {
        lock (_gate)
        {
            _apps[appId].ReservedHandshakes--;
        }
    }

    /// <summary>Registers an accepted socket and queues its <c>hello</c> before any event can reach it.</summary>
    public GatewayConnection OpenConnection(string appId, string token, WebSocket socket)
    {
        lock (_gate)
        {
            var app = _apps[appId];
            app.ReservedHandshakes--;
            var conn = new GatewayConnection(NextId("conn"), appId, token, socket, Now);
            conn.Send(Serialize(new HelloFrame
            {
                ConnId = conn.ConnId,
                PingIntervalMs = (int)_options.PingInterval.TotalMilliseconds,
                AckTimeoutMs = (int)_options.AckTimeout.TotalMilliseconds,
            }, Json.HelloFrame));
            app.Connections.Add(conn);
            app.PeakConnections = Math.Max(app.PeakConnections, app.Connections.Count);
            Log.ConnectionOpened(_logger, conn.ConnId, appId);
            OpenedConnections.Add(Describe(conn));
            return conn;
        }
    }

    public void RemoveConnection(GatewayConnection conn, WebSocketCloseStatus? agentCloseStatus)
    {
        lock (_gate)
        {
            if (_apps.TryGetValue(conn.AppId, out var app))
            {
                app.Connections.Remove(conn);
            }
        }

        int? code = conn.SentCloseCode ?? (int?)agentCloseStatus;
        Log.ConnectionClosed(_logger, conn.ConnId, conn.AppId, code);
        ClosedConnections.Add(new ClosedConnection(conn.ConnId, conn.AppId, code, conn.SentCloseReason, Now));
    }

    private GatewayConnection GetConnection(string connId)
    {
        foreach (var app in _apps.Values)
        {
            foreach (var conn in app.Connections)
            {
                if (conn.ConnId == connId)
                {
                    return conn;
                }
            }
        }

        throw new ArgumentException($"No open connection '{connId}'.", nameof(connId));
    }

    // ---------------------------------------------------------------- connection faults

    public void DropConnection(string connId) =>
        Fault($"dropped {connId}", () => GetConnection(connId).Abort());

    public int DropConnections(string? appId)
    {
        int dropped = 0;
        Fault("dropped connection(s) of " + (appId ?? "every app"), () =>
        {
            foreach (var conn in _apps.Values.Where(a => appId is null || a.App.AppId == appId).SelectMany(a => a.Connections).ToArray())
            {
                conn.Abort();
                dropped++;
            }
        });
        return dropped;
    }

    public void CloseConnection(string connId, int code, string reason) =>
        Fault($"closed {connId} with {code}", () => GetConnection(connId).Close(code, reason));

    public void SetSilent(string connId, bool silent) =>
        Fault($"{connId} silent={silent}", () => GetConnection(connId).Silent = silent);

    public void SendRawFrame(string connId, string text) =>
        Fault($"raw frame to {connId}", () => GetConnection(connId).SendRaw(System.Text.Encoding.UTF8.GetBytes(text)));

    public void SendBinaryFrame(string connId, byte[] data) =>
        Fault($"binary frame of {data.Length} bytes to {connId}", () => GetConnection(connId).SendRaw(data, binary: true));

    public void SendLargeFrame(string connId, int sizeBytes)
    {
        byte[] frame = PaddedFrame(sizeBytes); // built outside the lock: it may be megabytes
        Fault($"text frame of {sizeBytes} bytes to {connId}", () => GetConnection(connId).SendRaw(frame));
    }

    /// <summary>Prefix and suffix of <see cref="PaddedFrame"/>: a JSON object of a frame type no client knows.</summary>
    internal static readonly byte[] PaddingPrefix = "{\"type\":\"emulator.padding\",\"padding\":\""u8.ToArray();

    /// <summary>A valid JSON text frame of exactly <paramref name="sizeBytes"/> bytes (at least 40, the empty padding frame).</summary>
    internal static byte[] PaddedFrame(int sizeBytes)
    {
        int minimum = PaddingPrefix.Length + 2;
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeBytes, minimum);
        byte[] frame = new byte[sizeBytes];
        PaddingPrefix.CopyTo(frame, 0);
        frame.AsSpan(PaddingPrefix.Length, sizeBytes - minimum).Fill((byte)'x');
        frame[^2] = (byte)'"';
        frame[^1] = (byte)'}';
        return frame;
    }

    public void SendReconnect(string connId, string reason, TimeSpan? closeAfter) =>
        Fault($"reconnect frame to {connId}", () =>
        {
            var conn = GetConnection(connId);
            conn.Send(Serialize(new ReconnectFrame { Reason = reason }, Json.ReconnectFrame));
            var grace = closeAfter ?? _options.ReconnectGracePeriod;
            if (grace != Timeout.InfiniteTimeSpan)
            {
                RunLater(grace, () => conn.Close(WireNames.CloseCodes.Normal, "reconnect"));
            }
        });

    public void DropServerAcks(int count) =>
        Fault($"drop next {count} ack(s) of terminal stream frames", () => _dropServerAcks += count);

    public void DelayServerAcks(TimeSpan delay) =>
        Fault($"delay acks of terminal stream frames by {delay}", () => _serverAckDelay = delay);

    public void IgnoreEventAcks(int count) =>
        Fault($"ignore next {count} event ack(s)", () => _ignoreEventAcks += count);

    public void DuplicateNextEvents(int count) =>
        Fault($"deliver next {count} event(s) twice", () => _duplicateEvents += count);

    /// <summary>Applies a fault under the lock, then logs it.</summary>
    private void Fault(string description, Action apply)
    {
        lock (_gate)
        {
            apply();
        }

        Log.FaultInjected(_logger, description);
        Changes.Signal();
    }

    /// <summary>Runs <paramref name="action"/> under the lock once <paramref name="delay"/> has passed on the emulator clock.</summary>
    private void RunLater(TimeSpan delay, Action action)
    {
        ITimer? timer = null;
        timer = _time.CreateTimer(
            _ =>
            {
                lock (_gate)
                {
                    action();
                }

                timer?.Dispose();
            },
            null,
            delay,
            Timeout.InfiniteTimeSpan);
    }

    // ---------------------------------------------------------------- inbound frames

    public void OnProtocolError(GatewayConnection conn, string reason)
    {
        Log.MalformedFrame(_logger, conn.ConnId, reason);
        lock (_gate)
        {
            conn.Close(WireNames.CloseCodes.MalformedFrame, "malformed frame");
        }
    }

    public void OnFrame(GatewayConnection conn, ReadOnlyMemory<byte> utf8)
    {
        var span = utf8.Span;
        if (!GatewayFrameReader.TryReadType(span, out string? type) || type is null)
        {
            OnProtocolError(conn, "not a JSON object with a type");
            return;
        }

        switch (type)
        {
            case WireNames.FrameTypes.Ping:
                var ping = GatewayFrameReader.TryDeserialize(span, Json.PingFrame);
                if (ping is null)
                {
                    OnProtocolError(conn, "bad ping");
                    return;
                }

                lock (_gate)
                {
                    conn.PingsReceived++;
                    conn.Send(Serialize(new PongFrame { Ts = ping.Ts }, Json.PongFrame));
                }

                break;

            case WireNames.FrameTypes.Ack:
                var ack = GatewayFrameReader.TryDeserialize(span, Json.AckFrame);
                if (ack is null || string.IsNullOrEmpty(ack.EventId))
                {
                    OnProtocolError(conn, "bad ack");
                    return;
                }

                OnEventAck(conn, ack.EventId);
                break;

            case WireNames.FrameTypes.Stream:
                var frame = GatewayFrameReader.TryDeserialize(span, Json.StreamFrame);
                if (frame is null || string.IsNullOrEmpty(frame.EventId) || string.IsNullOrEmpty(frame.RunId)
                    || frame.State is not (WireNames.StreamStates.Delta or WireNames.StreamStates.Completed or WireNames.StreamStates.Failed))
                {
                    OnProtocolError(conn, "bad stream frame");
                    return;
                }

                OnStreamFrame(conn, frame);
                break;

            default:
                Log.UnknownFrameType(_logger, conn.ConnId, type);
                break;
        }
    }

    private void OnEventAck(GatewayConnection conn, string eventId)
    {
        long arrival = conn.LastReceivedAt;
        bool ignored;
        lock (_gate)
        {
            ignored = _ignoreEventAcks > 0;
            if (ignored)
            {
                _ignoreEventAcks--;
            }
            else if (_apps[conn.AppId].Pending.Remove(eventId, out var pending))
            {
                pending.Timer?.Dispose();
                Log.EventAcked(_logger, eventId, conn.ConnId);
            }
        }

        EventAcks.Add(new EventAck(eventId, conn.ConnId, ignored, Now) { Arrival = arrival });
    }

    // ---------------------------------------------------------------- event delivery (at least once, round robin)

    /// <summary>Delivers a new event; returns whether a connection was open. Caller holds the lock.</summary>
    private bool DeliverNew(AppState app, string eventId, string eventType, EventFrame frame)
    {
        var pending = new PendingDelivery(eventId, eventType, Serialize(frame, Json.EventFrame));
        if (!app.Connections.Any(c => !c.Closing))
        {
            // Spec §4.3: events that occur while no connection is open are not replayed later.
            Log.EventNotDelivered(_logger, eventType, eventId, app.App.AppId);
            return false;
        }

        app.Pending[eventId] = pending;
        Deliver(app, pending);
        if (_duplicateEvents > 0)
        {
            _duplicateEvents--;
            WriteEvent(app, pending, pending.Attempts);
        }

        return true;
    }

    private void Deliver(AppState app, PendingDelivery pending)
    {
        pending.Attempts++;
        WriteEvent(app, pending, pending.Attempts);
        pending.Timer?.Dispose();
        pending.Timer = _time.CreateTimer(OnAckTimeout, (app, pending), _options.AckTimeout, Timeout.InfiniteTimeSpan);
    }

    private void WriteEvent(AppState app, PendingDelivery pending, int attempt)
    {
        var open = app.Connections.Where(c => !c.Closing).ToArray();
        if (open.Length == 0)
        {
            return;
        }

        var conn = open[(int)(app.RoundRobin++ % (uint)open.Length)];
        conn.Send(pending.Frame);
        conn.EventsDelivered++;
        Log.EventDelivered(_logger, pending.EventType, pending.EventId, conn.ConnId, attempt);
        Deliveries.Add(new EventDelivery(pending.EventId, conn.ConnId, attempt, Now));
    }

    private void OnAckTimeout(object? state)
    {
        var (app, pending) = ((AppState, PendingDelivery))state!;
        lock (_gate)
        {
            if (!app.Pending.TryGetValue(pending.EventId, out var current) || !ReferenceEquals(current, pending))
            {
                return;
            }

            if (pending.Attempts >= _options.MaxDeliveryAttempts)
            {
                app.Pending.Remove(pending.EventId);
                pending.Timer?.Dispose();
                Log.EventGivenUp(_logger, pending.EventId, pending.Attempts);
                return;
            }

            Log.EventRedelivering(_logger, pending.EventId, pending.Attempts + 1);
            Deliver(app, pending);
        }
    }

    // ---------------------------------------------------------------- streaming (spec §6.2)

    private void OnStreamFrame(GatewayConnection conn, StreamFrame frame)
    {
        string eventId = frame.EventId!;
        string runId = frame.RunId!;
        StreamFrames.Add(new ReceivedStreamFrame(conn.ConnId, conn.AppId, frame, Now));
        bool terminal = WireNames.StreamStates.IsTerminal(frame.State);
        try
        {
            ApplyStreamFrame(conn, frame, eventId, runId, terminal);
        }
        finally
        {
            Changes.Signal();
        }
    }

    private void ApplyStreamFrame(GatewayConnection conn, StreamFrame frame, string eventId, string runId, bool terminal)
    {
        lock (_gate)
        {
            var app = _apps[conn.AppId];
            if (terminal && app.TerminalAcks.TryGetValue(eventId, out var earlier))
            {
                // A resend of a frame we already handled (its ack was lost or late): same answer, no second message.
                Log.DuplicateTerminalFrame(_logger, eventId);
                SendServerAck(conn, earlier);
                return;
            }

            if (!app.Runs.TryGetValue(runId, out var run))
            {
                Reject(WireNames.Codes.NotFound, "unknown run_id");
                return;
            }

            if (frame.AssistantMsgId is not null && frame.AssistantMsgId != run.AssistantMsgId)
            {
                Reject(WireNames.Codes.InvalidParameter, "assistant_msg_id does not belong to this run");
                return;
            }

            if (run.Cancelled)
            {
                Reject(WireNames.Codes.InvalidParameter, "run was cancelled");
                return;
            }

            if (run.Final is not null)
            {
                Reject(WireNames.Codes.InvalidParameter, "run already finished");
                return;
            }

            var message = EnsureAssistantMessage(app, run);
            if (!terminal)
            {
                message.StreamText!.Append(frame.Delta);
                message.StreamReasoning!.Append(frame.ReasoningDelta);
                return;
            }

            string streamed = message.StreamText!.ToString();
            bool completed = frame.State == WireNames.StreamStates.Completed;
            message.StreamText.Clear();
            message.StreamText.Append(completed ? frame.Answer : streamed.Length > 0 ? streamed : "[error] " + frame.Error?.Msg);
            if (completed)
            {
                message.StreamReasoning!.Clear().Append(frame.Reasoning);
            }
            run.Final = new FinalAnswer(
                app.App.AppId, run.RunId, run.AssistantMsgId, run.ConversationId, eventId, frame.State!,
                frame.Answer, frame.Reasoning, frame.Error, streamed, Now);
            Log.RunFinished(_logger, run.RunId, frame.State!, eventId);
            var ok = new AckFrame { EventId = eventId, Code = WireNames.Codes.Ok, Msg = "ok" };
            app.TerminalAcks[eventId] = ok;
            SendServerAck(conn, ok);
            FinalAnswers.Add(run.Final);

            void Reject(int code, string msg)
            {
                if (!terminal)
                {
                    Log.DeltaIgnored(_logger, runId, msg);
                    return;
                }

                Log.TerminalFrameRejected(_logger, eventId, runId, code);
                var ack = new AckFrame { EventId = eventId, Code = code, Msg = msg };
                app.TerminalAcks[eventId] = ack;
                SendServerAck(conn, ack);
            }
        }
    }

    private StoredMessage EnsureAssistantMessage(AppState app, Run run)
    {
        if (run.Assistant is null)
        {
            // Spec §5: the assistant message enters the conversation with the first stream frame.
            run.Assistant = new StoredMessage(run.AssistantMsgId, WireNames.Roles.Assistant, app.App.AppId, WireNames.MsgTypes.StreamFull, null, Now)
            {
                StreamText = new(),
                StreamReasoning = new(),
            };
            app.Conversations[run.ConversationId].Messages.Add(run.Assistant);
        }

        return run.Assistant;
    }

    private void SendServerAck(GatewayConnection conn, AckFrame ack)
    {
        if (_dropServerAcks > 0)
        {
            _dropServerAcks--;
            return;
        }

        byte[] bytes = Serialize(ack, Json.AckFrame);
        if (_serverAckDelay <= TimeSpan.Zero)
        {
            conn.Send(bytes);
            return;
        }

        RunLater(_serverAckDelay, () => conn.Send(bytes));
    }
}
