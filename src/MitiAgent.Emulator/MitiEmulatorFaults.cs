namespace MitiAgent.Emulator;

/// <summary>
/// Fault injection for a <see cref="MitiEmulator"/>: the failures a real network and a real platform produce,
/// on demand, so an agent's resilience can be tested (also reachable over HTTP under <c>/_emulator/faults</c>).
/// </summary>
public sealed class MitiEmulatorFaults
{
    private readonly EmulatorCore _core;

    internal MitiEmulatorFaults(EmulatorCore core) => _core = core;

    /// <summary>Drops a connection abruptly (no close frame, TCP reset), as a network failure would.</summary>
    public void DropConnection(string connId) => _core.DropConnection(connId);

    /// <summary>Drops every connection (of one app, or all); returns how many.</summary>
    public int DropConnections(string? appId = null) => _core.DropConnections(appId);

    /// <summary>Closes a connection with a close code (1000, 1001, 4001, 4003, 4400, 4429, ...).</summary>
    public void CloseConnection(string connId, int closeCode, string reason = "closed by emulator") => _core.CloseConnection(connId, closeCode, reason);

    /// <summary>
    /// Makes a connection silent: it keeps TCP open but writes nothing (no pongs, no events, no acks), like a
    /// half-open "zombie" connection. Events routed to it are lost and redelivered after the ack timeout.
    /// </summary>
    public void SetSilent(string connId, bool silent = true) => _core.SetSilent(connId, silent);

    /// <summary>Writes a raw text frame (by default not JSON) to a connection, even a silent one.</summary>
    public void SendMalformedFrame(string connId, string text = "{not json") => _core.SendRawFrame(connId, text);

    /// <summary>
    /// Writes a binary WebSocket message of <paramref name="sizeBytes"/> bytes (a repeating 0–255 pattern) to a
    /// connection, even a silent one. The protocol has text frames only: a client should skip it and keep reading.
    /// </summary>
    public void SendBinaryFrame(string connId, int sizeBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeBytes);
        byte[] data = new byte[sizeBytes];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)i;
        }

        _core.SendBinaryFrame(connId, data);
    }

    /// <summary>Writes <paramref name="data"/> as one binary WebSocket message to a connection, even a silent one.</summary>
    public void SendBinaryFrame(string connId, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _core.SendBinaryFrame(connId, data);
    }

    /// <summary>
    /// Writes a text frame of exactly <paramref name="sizeBytes"/> bytes (at least 40) to a connection, even a silent
    /// one: valid JSON of a frame type no client knows, <c>{"type":"emulator.padding","padding":"xxx…"}</c>, to test a
    /// client's inbound frame-size limit (above it the frame should be skipped; below it, ignored as an unknown type).
    /// </summary>
    public void SendLargeFrame(string connId, int sizeBytes) => _core.SendLargeFrame(connId, sizeBytes);

    /// <summary>Sends a <c>reconnect</c> frame, then closes the connection with 1000 after <paramref name="closeAfter"/>
    /// (default <see cref="MitiEmulatorOptions.ReconnectGracePeriod"/>; <see cref="Timeout.InfiniteTimeSpan"/> never).</summary>
    public void SendReconnect(string connId, string reason = "rebalancing", TimeSpan? closeAfter = null) => _core.SendReconnect(connId, reason, closeAfter);

    /// <summary>The next <paramref name="count"/> acks of terminal stream frames are not sent (the frame is still applied).</summary>
    public void DropAcks(int count = 1) => _core.DropServerAcks(count);

    /// <summary>Acks of terminal stream frames are sent this much later (<see cref="TimeSpan.Zero"/> to stop).</summary>
    public void DelayAcks(TimeSpan delay) => _core.DelayServerAcks(delay);

    /// <summary>The next <paramref name="count"/> event acks from agents are ignored, so those events are redelivered.</summary>
    public void IgnoreEventAcks(int count = 1) => _core.IgnoreEventAcks(count);

    /// <summary>Each of the next <paramref name="count"/> events is delivered twice at once (round robin picks the connections).</summary>
    public void DeliverNextEventsTwice(int count = 1) => _core.DuplicateNextEvents(count);

    /// <summary>
    /// The next <paramref name="count"/> Miti API requests (whose path relative to the base URL starts with
    /// <paramref name="pathPrefix"/>, or any) are answered with <paramref name="statusCode"/> (429 → code 10029,
    /// otherwise 50000) and, when given, a <c>Retry-After</c> header. Applies to gateway handshakes too.
    /// </summary>
    public void FailNextRequests(int count, int statusCode, TimeSpan? retryAfter = null, string? pathPrefix = null) =>
        _core.FailNextRequests(count, statusCode, retryAfter, pathPrefix);

    /// <summary>Revokes one token: REST answers 401/10002 and its connections close with 4001.</summary>
    public int RevokeToken(string token) => _core.RevokeTokens(null, token);

    /// <summary>Revokes every token of an app.</summary>
    public int RevokeTokens(string appId) => _core.RevokeTokens(appId, null);
}
