using System.Text;
using MitiAgent.Events;
using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// Streams an answer into the assistant message of one run (spec §6.2). <see cref="AppendAsync(string?, string?, CancellationToken)"/>
/// appends to the answer; at most one <c>delta</c> frame leaves per stream interval (at least 50 ms), whatever the
/// producer does: text written in between is coalesced into the next frame, and the deltas joined always equal the
/// answer sent so far. <see cref="CompleteAsync(string?, string?, CancellationToken)"/> sends the terminal frame with the
/// <b>whole</b> answer and reasoning and waits for its ack. Once the run is cancelled (<c>assistant.cancel</c>) no further
/// frames leave: writes throw <see cref="OperationCanceledException"/>, while <see cref="CompleteAsync(string?, string?, CancellationToken)"/>
/// and <see cref="FailAsync(string, string, CancellationToken)"/> return at once without sending (so they can sit in
/// the <c>catch</c>/<c>finally</c> that ends a handler). Thread-safe.
/// </summary>
public sealed class MitiReplyStream
{
    private readonly object _gate = new();
    private readonly MessageEvent _owner;
    private readonly IEventReplySink _sink;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly StringBuilder _answer = new();
    private readonly StringBuilder _reasoning = new();
    private readonly StringBuilder _pendingDelta = new();
    private readonly StringBuilder _pendingReasoning = new();
    private ITimer? _timer;
    private bool _timerArmed;
    private bool _sentAny;
    private long _lastSentAt;
    private int _seq;
    private bool _terminal;

    internal MitiReplyStream(MessageEvent owner, IEventReplySink sink, string runId, string assistantMsgId)
    {
        _owner = owner;
        _sink = sink;
        _time = sink.TimeProvider;
        _interval = sink.StreamDeltaInterval < MitiAgentOptions.MinStreamDeltaInterval
            ? MitiAgentOptions.MinStreamDeltaInterval
            : sink.StreamDeltaInterval;
        RunId = runId;
        AssistantMsgId = assistantMsgId;
    }

    /// <summary>The run being answered.</summary>
    public string RunId { get; }

    /// <summary>The assistant message being filled.</summary>
    public string AssistantMsgId { get; }

    /// <summary>The <c>seq</c> of the last frame sent (0 before the first).</summary>
    public int Seq
    {
        get
        {
            lock (_gate)
            {
                return _seq;
            }
        }
    }

    /// <summary>Whether the terminal frame was sent (no more writes).</summary>
    public bool IsCompleted
    {
        get
        {
            lock (_gate)
            {
                return _terminal;
            }
        }
    }

    /// <summary>The answer written so far.</summary>
    public string Answer
    {
        get
        {
            lock (_gate)
            {
                return _answer.ToString();
            }
        }
    }

    /// <summary>
    /// Appends to the answer (and reasoning). A delta frame leaves at once when the last one left at least the interval
    /// ago; otherwise the text waits and leaves with the next frame, at the latest one interval after the last.
    /// </summary>
    /// <param name="delta">The next piece of the answer (may be <see langword="null"/> or empty).</param>
    /// <param name="cancellationToken">Checked before writing.</param>
    /// <returns>A completed task (delta frames are fire-and-forget).</returns>
    /// <exception cref="OperationCanceledException">The run or <paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    public ValueTask AppendAsync(string? delta, CancellationToken cancellationToken) =>
        AppendAsync(delta, null, cancellationToken);

    /// <summary>
    /// Appends to the answer (and reasoning). A delta frame leaves at once when the last one left at least the interval
    /// ago; otherwise the text waits and leaves with the next frame, at the latest one interval after the last.
    /// </summary>
    /// <param name="delta">The next piece of the answer (may be <see langword="null"/> or empty).</param>
    /// <param name="reasoningDelta">The next piece of the reasoning, if any.</param>
    /// <param name="cancellationToken">Checked before writing.</param>
    /// <returns>A completed task (delta frames are fire-and-forget).</returns>
    /// <exception cref="OperationCanceledException">The run or <paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    public ValueTask AppendAsync(string? delta, string? reasoningDelta = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(delta) && string.IsNullOrEmpty(reasoningDelta))
        {
            lock (_gate)
            {
                ThrowIfUnusableLocked();
            }

            return ValueTask.CompletedTask;
        }

        lock (_gate)
        {
            ThrowIfUnusableLocked();
            _answer.Append(delta);
            _reasoning.Append(reasoningDelta);
            _pendingDelta.Append(delta);
            _pendingReasoning.Append(reasoningDelta);
            FlushOrScheduleLocked();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends the text waiting for the interval as soon as the interval allows: at once when the last delta frame left
    /// at least the interval ago, otherwise at the end of the interval (never two delta frames within one interval).
    /// </summary>
    /// <param name="cancellationToken">Checked before flushing.</param>
    /// <returns>A completed task.</returns>
    /// <exception cref="OperationCanceledException">The run or <paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ThrowIfUnusableLocked();
            if (_pendingDelta.Length > 0 || _pendingReasoning.Length > 0)
            {
                FlushOrScheduleLocked();
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends the terminal <c>completed</c> frame with everything written so far, and waits for its ack (resent with the
    /// same <c>event_id</c>, up to 5 attempts). After the run was cancelled, returns at once without sending.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame (at once when the run was cancelled).</returns>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task CompleteAsync(CancellationToken cancellationToken) => CompleteAsync(null, null, cancellationToken);

    /// <summary>
    /// Sends the terminal <c>completed</c> frame with the whole answer and reasoning, and waits for its ack
    /// (resent with the same <c>event_id</c>, up to 5 attempts). After the run was cancelled (<c>assistant.cancel</c>),
    /// returns at once without sending: the server would refuse the frame (spec §6.2).
    /// </summary>
    /// <param name="answer">The whole answer; <see langword="null"/> sends everything written so far.</param>
    /// <param name="reasoning">The whole reasoning; <see langword="null"/> sends the reasoning written so far (if any).</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame (at once when the run was cancelled).</returns>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task CompleteAsync(string? answer = null, string? reasoning = null, CancellationToken cancellationToken = default)
    {
        StreamFrame frame;
        lock (_gate)
        {
            if (EndIfCancelledLocked())
            {
                return Task.CompletedTask;
            }

            ThrowIfUnusableLocked();
            frame = NextTerminalFrameLocked() with
            {
                State = WireNames.StreamStates.Completed,
                Answer = answer ?? _answer.ToString(),
                Reasoning = reasoning ?? (_reasoning.Length > 0 ? _reasoning.ToString() : null),
            };
        }

        return _sink.SendTerminalStreamFrameAsync(frame, cancellationToken);
    }

    /// <summary>
    /// Sends the terminal <c>failed</c> frame and waits for its ack. After the run was cancelled, returns at once without
    /// sending.
    /// </summary>
    /// <param name="code">A machine-readable code, e.g. <c>model_error</c>; not empty.</param>
    /// <param name="msg">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame (at once when the run was cancelled).</returns>
    /// <exception cref="ArgumentException"><paramref name="code"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task FailAsync(string code, string msg, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        StreamFrame frame;
        lock (_gate)
        {
            if (EndIfCancelledLocked())
            {
                return Task.CompletedTask;
            }

            ThrowIfUnusableLocked();
            frame = NextTerminalFrameLocked() with
            {
                State = WireNames.StreamStates.Failed,
                Error = new StreamError { Code = code, Msg = msg },
            };
        }

        return _sink.SendTerminalStreamFrameAsync(frame, cancellationToken);
    }

    /// <summary>The run id and state; never content.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() => "MitiReplyStream { RunId = " + RunId + ", AssistantMsgId = " + AssistantMsgId + " }";

    /// <summary>
    /// Sends the pending text when the last delta left at least the interval ago (disarming the timer, whose callback
    /// may already be on its way), else arms the timer for the rest of the interval.
    /// </summary>
    private void FlushOrScheduleLocked()
    {
        long now = _time.GetTimestamp();
        TimeSpan sinceLast = _sentAny ? _time.GetElapsedTime(_lastSentAt, now) : _interval;
        if (sinceLast >= _interval)
        {
            FlushLocked(now);
            DisarmTimerLocked();
        }
        else if (!_timerArmed)
        {
            _timer ??= _time.CreateTimer(static state => ((MitiReplyStream)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timer.Change(_interval - sinceLast, Timeout.InfiniteTimeSpan);
            _timerArmed = true;
        }
    }

    /// <summary>
    /// Runs on the timer, possibly late or after a direct flush already sent the text (a callback already queued
    /// cannot be recalled): re-checks the interval and either sends or re-arms for what is left of it.
    /// </summary>
    private void OnTimer()
    {
        lock (_gate)
        {
            if (_terminal || _owner.CancellationToken.IsCancellationRequested)
            {
                _timerArmed = false;
                return;
            }

            if (_pendingDelta.Length == 0 && _pendingReasoning.Length == 0)
            {
                // A direct flush sent the text already.
                DisarmTimerLocked();
                return;
            }

            _timerArmed = false;
            FlushOrScheduleLocked();
        }
    }

    private void DisarmTimerLocked()
    {
        if (_timerArmed)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _timerArmed = false;
        }
    }

    /// <summary>
    /// When the run was cancelled, ends the stream without a frame (nothing more may leave for it) and returns
    /// <see langword="true"/>; repeated terminal calls on a cancelled run stay no-ops.
    /// </summary>
    private bool EndIfCancelledLocked()
    {
        if (!_owner.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (!_terminal)
        {
            EndLocked();
        }

        return true;
    }

    /// <summary>No more writes: the timer is disarmed and waiting text is dropped (a terminal frame carries the whole answer).</summary>
    private void EndLocked()
    {
        _terminal = true;
        _timerArmed = false;
        _timer?.Dispose();
        _timer = null;
        _pendingDelta.Clear();
        _pendingReasoning.Clear();
    }

    private void ThrowIfUnusableLocked()
    {
        _owner.CancellationToken.ThrowIfCancellationRequested();
        if (_terminal)
        {
            throw new InvalidOperationException("The stream of run " + RunId + " is already completed.");
        }
    }

    private void FlushLocked(long now)
    {
        _seq++;
        var frame = new StreamFrame
        {
            EventId = FrameIds.New(),
            RunId = RunId,
            AssistantMsgId = AssistantMsgId,
            Seq = _seq,
            State = WireNames.StreamStates.Delta,
            Delta = _pendingDelta.Length > 0 ? _pendingDelta.ToString() : null,
            ReasoningDelta = _pendingReasoning.Length > 0 ? _pendingReasoning.ToString() : null,
        };
        _pendingDelta.Clear();
        _pendingReasoning.Clear();
        _sentAny = true;
        _lastSentAt = now;

        // Fire-and-forget (spec §6.2): a delta lost while no connection is open is made good by the terminal frame.
        _sink.TrySendStreamDelta(frame);
    }

    private StreamFrame NextTerminalFrameLocked()
    {
        EndLocked();
        _seq++;
        return new StreamFrame
        {
            EventId = FrameIds.New(),
            RunId = RunId,
            AssistantMsgId = AssistantMsgId,
            Seq = _seq,
        };
    }
}
