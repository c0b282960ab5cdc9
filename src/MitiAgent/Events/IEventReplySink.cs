using MitiAgent.Protocol;

namespace MitiAgent.Events;

/// <summary>
/// What an event needs from the client to answer it. The client implements it: REST send with retries and
/// logging, delta frames queued on the open gateway connection, terminal frames resent until acked (spec §6).
/// Events build and validate the requests/frames; the sink only transports them.
/// </summary>
internal interface IEventReplySink
{
    /// <summary>The clock for delta coalescing.</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>The minimum time between two delta frames of a run (at least 50 ms).</summary>
    TimeSpan StreamDeltaInterval { get; }

    /// <summary>Sends a validated request through <c>POST /agent/v1/messages/send</c>.</summary>
    /// <exception cref="MitiApiException">The server answered with an error.</exception>
    Task<SendMessageData> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a <c>delta</c> stream frame on the open connection, fire-and-forget (spec §6.2). Must not block.
    /// </summary>
    /// <returns><see langword="false"/> when no connection is open and the frame was dropped.</returns>
    bool TrySendStreamDelta(StreamFrame frame);

    /// <summary>
    /// Sends a terminal (<c>completed</c>/<c>failed</c>) frame and waits for its ack, resending the same frame
    /// (same <c>event_id</c>) up to 5 attempts in all, also across a reconnect.
    /// </summary>
    /// <exception cref="MitiTimeoutException">No ack after all attempts.</exception>
    /// <exception cref="MitiApiException">The server rejected the frame (ack with a code ≠ 0).</exception>
    Task SendTerminalStreamFrameAsync(StreamFrame frame, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a page of a conversation's history through <c>GET /agent/v1/conversations/{id}/messages</c> (spec §7).
    /// <see cref="MitiAgentClient"/> implements it with its public <c>GetHistoryAsync</c>; sinks that cannot read history
    /// (test doubles that do not override it) throw <see cref="NotSupportedException"/>.
    /// </summary>
    /// <exception cref="MitiApiException">The server refused the request.</exception>
    /// <exception cref="NotSupportedException">This sink cannot read history.</exception>
    Task<HistoryPage> GetHistoryAsync(string conversationId, int limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This reply sink cannot read conversation history.");
}
