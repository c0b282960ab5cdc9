using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Events;
using MitiAgent.Gateway;
using MitiAgent.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Streaming;

/// <summary>
/// Sends terminal (<c>completed</c>/<c>failed</c>) stream frames and waits for their acks (spec §6.2): one pending
/// frame per <c>event_id</c>, resent unchanged after each ack timeout (also on the next connection after a reconnect)
/// up to <see cref="WireNames.Defaults.TerminalFrameAttempts"/> attempts. Counts what is pending so a stop can wait for it.
/// </summary>
internal sealed class TerminalFrameSender
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<AckFrame>> _pendingAcks = new(StringComparer.Ordinal);
    private readonly Func<GatewaySession?> _session;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly MitiMetrics _metrics;
    private int _pending;

    /// <param name="session">The client's running session, or <see langword="null"/> when it is not running.</param>
    /// <param name="time">The clock of the ack timeouts.</param>
    /// <param name="messageLogger">The <c>MitiAgent.Message</c> logger.</param>
    /// <param name="metrics">Counts resends.</param>
    public TerminalFrameSender(Func<GatewaySession?> session, TimeProvider time, ILogger messageLogger, MitiMetrics metrics)
    {
        _session = session;
        _time = time;
        _log = messageLogger;
        _metrics = metrics;
    }

    /// <summary>How many terminal frames still wait for their ack.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Completes the pending frame this <c>ack</c> answers (unknown event ids are ignored).</summary>
    public void OnAck(AckFrame ack)
    {
        if (_pendingAcks.TryGetValue(ack.EventId!, out var pending))
        {
            pending.TrySetResult(ack);
        }
    }

    /// <summary>Sends <paramref name="frame"/> until acked; see <see cref="IEventReplySink.SendTerminalStreamFrameAsync"/>.</summary>
    public async Task SendAsync(StreamFrame frame, CancellationToken cancellationToken)
    {
        string eventId = frame.EventId ?? throw new ArgumentException("A terminal frame needs an event_id.", nameof(frame));
        byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(frame, MitiJsonContext.Default.StreamFrame);
        var ack = new TaskCompletionSource<AckFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pendingAcks.TryAdd(eventId, ack))
        {
            throw new InvalidOperationException($"A terminal frame with event_id {eventId} is already being sent.");
        }

        Interlocked.Increment(ref _pending);
        try
        {
            for (int attempt = 1; attempt <= WireNames.Defaults.TerminalFrameAttempts; attempt++)
            {
                // Across reconnects: wait for an open connection, then (re)send the same frame, same event_id.
                var socket = await WaitForSocketAsync(cancellationToken).ConfigureAwait(false);
                if (attempt > 1)
                {
                    _metrics.StreamFrameResent();
                    MessageLog.StreamFrameRetry(_log, eventId, frame.RunId, attempt);
                }

                socket.TrySend(bytes);
                AckFrame answer;
                try
                {
                    answer = await ack.Task.WaitAsync(socket.AckTimeout, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    continue;
                }

                if (answer.Code is null or WireNames.Codes.Ok)
                {
                    return;
                }

                MessageLog.StreamFrameRejected(_log, eventId, frame.RunId, answer.Code.Value, answer.Msg);
                throw new MitiApiException(answer.Code.Value, answer.Msg);
            }

            MessageLog.StreamFrameTimedOut(_log, WireNames.Defaults.TerminalFrameAttempts, eventId, frame.RunId);
            throw new MitiTimeoutException(eventId, WireNames.Defaults.TerminalFrameAttempts);
        }
        finally
        {
            _pendingAcks.TryRemove(eventId, out _);
            Interlocked.Decrement(ref _pending);
        }
    }

    private async Task<GatewaySocket> WaitForSocketAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var session = _session() ?? throw new InvalidOperationException("The client is not running.");
            if (session.Current is { } socket)
            {
                return socket;
            }

            await session.WaitForConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
