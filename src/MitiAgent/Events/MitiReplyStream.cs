using System.Text;
using MitiAgent.Protocol;

namespace MitiAgent;

/// <summary>
/// Streams an answer into the assistant message of one run (spec §6.2). <see cref="AppendAsync"/> appends to the
/// answer; deltas written faster than the stream interval (at least 50 ms) are coalesced into one <c>delta</c>
/// frame. <see cref="CompleteAsync"/> sends the terminal frame with the <b>whole</b> answer and reasoning and waits
/// for its ack. Once the run is cancelled (<c>assistant.cancel</c>) writes throw <see cref="OperationCanceledException"/>
/// and no further deltas leave. Thread-safe.
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
            long now = _time.GetTimestamp();
            TimeSpan sinceLast = _sentAny ? _time.GetElapsedTime(_lastSentAt, now) : _interval;
            if (sinceLast >= _interval)
            {
                FlushLocked(now);
            }
            else if (!_timerArmed)
            {
                _timer ??= _time.CreateTimer(static state => ((MitiReplyStream)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _timer.Change(_interval - sinceLast, Timeout.InfiniteTimeSpan);
                _timerArmed = true;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Sends the text waiting for the interval now (ignoring the interval).</summary>
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
                FlushLocked(_time.GetTimestamp());
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Sends the terminal <c>completed</c> frame with the whole answer and reasoning, and waits for its ack
    /// (resent with the same <c>event_id</c>, up to 5 attempts).
    /// </summary>
    /// <param name="answer">The whole answer; <see langword="null"/> sends everything written so far.</param>
    /// <param name="reasoning">The whole reasoning; <see langword="null"/> sends the reasoning written so far (if any).</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task CompleteAsync(string? answer = null, string? reasoning = null, CancellationToken cancellationToken = default)
    {
        StreamFrame frame;
        lock (_gate)
        {
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

    /// <summary>Sends the terminal <c>failed</c> frame and waits for its ack.</summary>
    /// <param name="code">A machine-readable code, e.g. <c>model_error</c>; not empty.</param>
    /// <param name="msg">A human-readable message.</param>
    /// <param name="cancellationToken">Cancels waiting for the ack.</param>
    /// <returns>Completes when the server acked the frame.</returns>
    /// <exception cref="ArgumentException"><paramref name="code"/> is empty.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    /// <exception cref="InvalidOperationException">The stream was already completed.</exception>
    /// <exception cref="MitiTimeoutException">The frame was never acked.</exception>
    public Task FailAsync(string code, string msg, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        StreamFrame frame;
        lock (_gate)
        {
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

    private void OnTimer()
    {
        lock (_gate)
        {
            _timerArmed = false;
            if (_terminal || _owner.CancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (_pendingDelta.Length > 0 || _pendingReasoning.Length > 0)
            {
                FlushLocked(_time.GetTimestamp());
            }
        }
    }

    private void ThrowIfUnusableLocked()
    {
        if (_terminal)
        {
            throw new InvalidOperationException("The stream of run " + RunId + " is already completed.");
        }

        _owner.CancellationToken.ThrowIfCancellationRequested();
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
        _terminal = true;
        _timerArmed = false;
        _timer?.Dispose();
        _timer = null;
        _pendingDelta.Clear();
        _pendingReasoning.Clear();
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
