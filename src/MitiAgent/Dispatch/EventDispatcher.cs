using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;
using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Gateway;
using MitiAgent.Internal;
using MitiAgent.Logging;

namespace MitiAgent.Dispatch;

/// <summary>
/// Runs handlers off the gateway's reader loop (spec §8) with these semantics:
/// <list type="bullet">
/// <item>A fixed set of <see cref="MitiAgentOptions.MaxConcurrency"/> workers runs message handlers; a slot is a
/// handler that is running.</item>
/// <item>A message event goes to an idle worker, else into a small queue of
/// <see cref="MitiAgentOptions.HandlerQueueCapacity"/> events. Only when every worker is running a handler
/// <b>and</b> the queue is full does it go to the overload handler's own pool
/// (<see cref="MitiAgentOptions.OverloadConcurrency"/>), and beyond that it is dropped with a warning. While the
/// queue is full but a worker is about to take the next event, the reader waits for it instead of dropping.</item>
/// <item>No handler starts before its event's ack frame was handed to the socket (spec §4.2); when the socket dies
/// first, the event is not handled here and will be redelivered. The wait has no deadline of its own (the socket
/// settles every ack, sent or not, at the latest when it ends): giving up on an ack that is sent later would leave
/// the server with an acked event that nobody handles. While a delivery waits for its ack, further deliveries of the
/// same id are not handled, but their acks count: if the first ack fails (its socket died) and another delivery's ack
/// was sent, the event is handled.</item>
/// <item>Cancels go through their own bounded queue; each event id runs at most once (<see cref="EventDeduplicator"/>).</item>
/// </list>
/// A handler that throws is logged, reported to <c>[OnError]</c> when the agent has one, and a stream it left
/// unfinished is failed. Every handler run is timed and traced (<see cref="MitiTelemetry"/>); while the dispatcher
/// lives it reports its queue depth.
/// </summary>
internal sealed class EventDispatcher : IDisposable, IQueueDepthSource, IStreamFailureReporter
{
    /// <summary>The <c>code</c> of the <c>failed</c> frame sent for a stream left unfinished by a failed handler.</summary>
    internal const string HandlerErrorCode = "handler_error";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long cancelled handlers get to return before the stop goes on without them (on the SDK's clock): half a
    /// second keeps <c>StopAsync</c> within <see cref="MitiAgentOptions.ShutdownTimeout"/> + 1 s whatever a handler does.
    /// </summary>
    internal static readonly TimeSpan CancelGrace = TimeSpan.FromMilliseconds(500);
    private readonly IMitiAgentHandler _handler;
    private readonly MitiAgentClient? _client;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly MitiMetrics _metrics;
    private readonly EventDeduplicator _seen;
    private readonly int _maxConcurrency;
    private readonly int _queueCapacity;
    private readonly int _overloadConcurrency;
    private readonly int _cancelCapacity;
    private readonly Channel<EventDelivery> _cancels;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _reportedMissing = new(StringComparer.Ordinal);

    // Runs cancelled before their handler started (the event queued or waiting for its ack): their handler never
    // starts. Bounded: the oldest marks are forgotten (a run id is unique, so a stale mark matches nothing).
    private const int CancelledBeforeStartCapacity = 1024;
    private readonly ConcurrentDictionary<string, byte> _cancelledBeforeStart = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cancelledBeforeStartOrder = new();

    // Accepted events whose ack has not settled yet, by id; with _seen's claim, guarded by _ackGate (taken before
    // _seen's own lock), so a delivery either joins the waiting one or, once that gave up, claims the id afresh.
    private readonly object _ackGate = new();
    private readonly Dictionary<string, EventDelivery> _awaitingAck = new(StringComparer.Ordinal);
    private readonly Task _cancelLoop;
    private readonly Task[] _workers;

    // The worker pool's state, all guarded by _gate.
    private readonly object _gate = new();
    private readonly Queue<EventDelivery> _queue = new();
    private readonly Stack<IdleWorker> _idle = new();
    private TaskCompletionSource? _workerMoved;
    private int _starting;
    private int _running;
    private bool _closed;

    private int _overloadRunning;
    private int _pendingCancels;
    private volatile bool _accepting = true;

    public EventDispatcher(IMitiAgentHandler handler, MitiAgentClient? client, MitiAgentOptions options, ILogger gatewayLogger, TimeProvider time, MitiMetrics? metrics = null)
    {
        _handler = handler;
        _client = client;
        _log = gatewayLogger;
        _time = time;
        _metrics = metrics ?? MitiMetrics.Shared;
        _seen = new EventDeduplicator(options.SeenEventCapacity, options.SeenEventTtl, time);
        _maxConcurrency = options.MaxConcurrency;
        _queueCapacity = options.HandlerQueueCapacity;
        _overloadConcurrency = options.OverloadConcurrency;
        _cancelCapacity = options.CancelQueueCapacity;
        _cancels = Channel.CreateBounded<EventDelivery>(new BoundedChannelOptions(options.CancelQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; nothing waits
        });
        _cancelLoop = Task.Run(CancelLoopAsync);
        _workers = new Task[_maxConcurrency];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(WorkerLoopAsync);
        }

        _metrics.Track(this);
    }

    private enum Admission
    {
        Admitted,
        Overflow,
        Closed,
        Wait,
    }

    /// <summary>Whether new events are taken (false once shutdown began: they are left un-acked for redelivery).</summary>
    public bool Accepting => _accepting;

    /// <summary>Handlers (message, overload, cancel) running, waiting for their ack, or queued right now.</summary>
    public int Busy => HandlerDepth() + Volatile.Read(ref _overloadRunning) + Volatile.Read(ref _pendingCancels);

    /// <inheritdoc />
    public (int Handlers, int Overload, int Cancel) ReadQueueDepth() =>
        (HandlerDepth(), Volatile.Read(ref _overloadRunning), Volatile.Read(ref _pendingCancels));

    /// <summary>Counts an event that no handler takes as dropped, and logs "no handler" once per event type.</summary>
    public void ReportNoHandler(string eventType)
    {
        _metrics.EventDropped(eventType, MitiMetrics.DropReasons.NoHandler);
        if (_reportedMissing.TryAdd(eventType, 0))
        {
            GatewayLog.NoHandler(_log, eventType);
        }
    }

    /// <summary>
    /// Hands an event to a handler. Called from the reader loop; never runs user code. Completes at once unless the
    /// handler queue is full while a worker is about to take the next event: then the reader waits for it.
    /// </summary>
    /// <param name="item">
    /// The parsed event and its ack, which settles as sent once the ack frame reached the socket, or as not sent when it
    /// never will (the socket ended first). The handler waits for it without a deadline of its own.
    /// </param>
    public ValueTask DispatchAsync(EventDelivery item)
    {
        AgentEvent agentEvent = item.Event;
        lock (_ackGate)
        {
            if (_awaitingAck.TryGetValue(agentEvent.EventId, out EventDelivery? waiting))
            {
                // An earlier delivery still waits for its ack: this one's ack counts for it should that one fail.
                (waiting.OtherAcks ??= []).Add(item);
                ReportDuplicate(agentEvent);
                return default;
            }

            if (!_seen.TryBegin(agentEvent.EventId))
            {
                ReportDuplicate(agentEvent);
                return default;
            }

            _awaitingAck.Add(agentEvent.EventId, item);
        }

        switch (agentEvent)
        {
            case CancelEvent:
                DispatchCancel(item);
                return default;
            case MessageEvent:
                return DispatchMessageAsync(item);
            default:
                CompleteUnhandled(agentEvent.EventId);
                return default;
        }
    }

    private void ReportDuplicate(AgentEvent agentEvent)
    {
        _metrics.EventDeduplicated(agentEvent.EventType);
        GatewayLog.DuplicateEvent(_log, agentEvent.EventType, agentEvent.EventId);
    }

    /// <summary>Remembers an id whose event is not handled (no handler, dropped): its redeliveries are duplicates.</summary>
    private void CompleteUnhandled(string eventId)
    {
        lock (_ackGate)
        {
            _awaitingAck.Remove(eventId);
            _seen.Complete(eventId);
        }
    }

    private ValueTask DispatchMessageAsync(EventDelivery item)
    {
        var kind = item.Event is GroupAtEvent ? MitiHandlerKinds.GroupAt : MitiHandlerKinds.Message;
        if ((_handler.HandledKinds & kind) == 0)
        {
            ReportNoHandler(item.Event.EventType);
            CompleteUnhandled(item.Event.EventId);
            return default;
        }

        Admission admission = TryAdmit(item, out Task? workerMoved);
        if (admission == Admission.Wait)
        {
            return WaitToAdmitAsync(item, workerMoved!);
        }

        HandleAdmission(item, admission);
        return default;
    }

    /// <summary>The queue is full but not every worker runs a handler yet: wait until one moves, then try again.</summary>
    private async ValueTask WaitToAdmitAsync(EventDelivery item, Task workerMoved)
    {
        Admission admission;
        do
        {
            await workerMoved.ConfigureAwait(false);
            admission = TryAdmit(item, out workerMoved!);
        }
        while (admission == Admission.Wait);

        HandleAdmission(item, admission);
    }

    private Admission TryAdmit(EventDelivery item, out Task? workerMoved)
    {
        workerMoved = null;
        IdleWorker? idle;
        lock (_gate)
        {
            if (_closed)
            {
                return Admission.Closed;
            }

            if (!_idle.TryPop(out idle))
            {
                if (_queue.Count < _queueCapacity)
                {
                    _queue.Enqueue(item);
                    return Admission.Admitted;
                }

                if (_running >= _maxConcurrency)
                {
                    return Admission.Overflow; // every worker runs a handler and the queue is full
                }

                _workerMoved ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                workerMoved = _workerMoved.Task;
                return Admission.Wait;
            }

            _starting++;
        }

        idle.Hand(item); // the worker continues on the thread pool, never on the reader's thread
        return Admission.Admitted;
    }

    /// <summary>Acts on a final admission: nothing when admitted, else the overload handler, a drop, or a shutdown drop.</summary>
    private void HandleAdmission(EventDelivery item, Admission admission)
    {
        MessageEvent message = (MessageEvent)item.Event;
        if (admission == Admission.Admitted)
        {
            return;
        }

        if (admission == Admission.Overflow
            && (_handler.HandledKinds & MitiHandlerKinds.Overload) != 0
            && TryTake(ref _overloadRunning, _overloadConcurrency))
        {
            _metrics.EventOverloaded(message.EventType);
            GatewayLog.Overloaded(_log, _maxConcurrency, message.EventType, message.EventId);
            _ = RunOverloadAsync(item);
            return;
        }

        if (admission == Admission.Closed)
        {
            DropAtShutdown(message);
            return;
        }

        _metrics.EventDropped(message.EventType, MitiMetrics.DropReasons.Overloaded);
        GatewayLog.OverloadDropped(_log, message.EventType, message.EventId);
        CompleteUnhandled(message.EventId);
    }

    private void DropAtShutdown(AgentEvent agentEvent)
    {
        _metrics.EventDropped(agentEvent.EventType, MitiMetrics.DropReasons.Shutdown);
        GatewayLog.StoppingEventDropped(_log, agentEvent.EventType, agentEvent.EventId);
        CompleteUnhandled(agentEvent.EventId);
    }

    /// <summary>Wakes a reader waiting in <see cref="WaitToAdmitAsync"/>. Call under <see cref="_gate"/>.</summary>
    private void WorkerMovedLocked()
    {
        if (_workerMoved is { } moved)
        {
            _workerMoved = null;
            moved.TrySetResult();
        }
    }

    private int HandlerDepth()
    {
        lock (_gate)
        {
            return _queue.Count + _starting + _running;
        }
    }

    private async Task WorkerLoopAsync()
    {
        var idle = new IdleWorker(); // one per worker, reused for every wait (not a TaskCompletionSource per event)
        while (true)
        {
            EventDelivery? item;
            IdleWorker? handoff = null;
            lock (_gate)
            {
                if (_queue.TryDequeue(out item))
                {
                    _starting++;
                }
                else if (_closed)
                {
                    return;
                }
                else
                {
                    handoff = idle;
                    _idle.Push(handoff);
                }

                WorkerMovedLocked();
            }

            if (handoff is not null)
            {
                item = await handoff.WaitAsync().ConfigureAwait(false);
                if (item is null)
                {
                    return; // closed
                }
            }

            // The ack wait inlined: awaited in this long-lived loop, the common case needs no state machine of its own.
            ValueTask<bool> ackWait = item!.WaitAsync();
            bool acked;
            if (ackWait.IsCompleted)
            {
                acked = ackWait.Result;
            }
            else
            {
                // Stopping settles the pending ack as not sent: the pool is closed, the event is left for its redelivery.
                using (SettleOnShutdown(item))
                {
                    acked = await ackWait.ConfigureAwait(false);
                }
            }

            acked = await SettleAckAsync(item!, acked).ConfigureAwait(false);
            lock (_gate)
            {
                _starting--;
                if (acked)
                {
                    _running++;
                }

                WorkerMovedLocked();
            }

            if (!acked)
            {
                continue;
            }

            try
            {
                await RunHandlerAsync((MessageEvent)item!.Event, overload: false).ConfigureAwait(false);
            }
            finally
            {
                lock (_gate)
                {
                    _running--;
                }
            }
        }
    }

    /// <summary>
    /// Waits until the event's ack settled (sent, or never to be sent because its socket ended; no deadline of its own,
    /// see the class remarks). When it was not sent, the event is left for its redelivery: its id is released so the
    /// next delivery is handled.
    /// </summary>
    private async Task<bool> WaitForAckAsync(EventDelivery item)
    {
        bool sent = await WaitSettledAsync(item).ConfigureAwait(false);
        return await SettleAckAsync(item, sent).ConfigureAwait(false);
    }

    /// <summary>Waits for <paramref name="ack"/> to settle; stopping settles it as not sent (see <see cref="SettleOnShutdown"/>).</summary>
    private async ValueTask<bool> WaitSettledAsync(EventAck ack)
    {
        ValueTask<bool> wait = ack.WaitAsync();
        if (wait.IsCompleted)
        {
            return wait.Result;
        }

        using (SettleOnShutdown(ack))
        {
            return await wait.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// While a pending ack is awaited: stopping settles it as not sent, which ends the wait. A registration on the
    /// shutdown token (its nodes are reused) instead of a cancellable wrapper task per ack wait.
    /// </summary>
    private CancellationTokenRegistration SettleOnShutdown(EventAck ack) =>
        _shutdown.Token.UnsafeRegister(static state => ((EventAck)state!).TrySettle(false), ack);

    /// <summary>
    /// Decides whether an event whose first ack settled as <paramref name="sent"/> is handled: it is when that ack or
    /// the ack of any later delivery of the same id (which came while this one waited) reached the socket. Otherwise
    /// logs it and releases the id, so the next delivery is handled. Completes synchronously when the first ack was sent.
    /// </summary>
    private async Task<bool> SettleAckAsync(EventDelivery item, bool sent)
    {
        string eventId = item.Event.EventId;
        while (true)
        {
            EventAck? other = null;
            lock (_ackGate)
            {
                if (!sent && item.OtherAcks is { Count: > 0 } others)
                {
                    other = others[^1];
                    others.RemoveAt(others.Count - 1);
                }
                else
                {
                    if (_awaitingAck.TryGetValue(eventId, out EventDelivery? current) && ReferenceEquals(current, item))
                    {
                        _awaitingAck.Remove(eventId);
                    }

                    if (!sent)
                    {
                        _seen.Abandon(eventId); // under _ackGate: the next delivery finds the id free, not this item
                    }
                }
            }

            if (other is null)
            {
                break;
            }

            sent = await WaitSettledAsync(other).ConfigureAwait(false);
        }

        if (!sent)
        {
            GatewayLog.AckNotSent(_log, item.Event.EventType, eventId);
        }

        return sent;
    }

    private void DispatchCancel(EventDelivery item)
    {
        var cancel = (CancelEvent)item.Event;

        // Stop the run's handler at once; the [OnCancel] handler itself runs from the bounded queue.
        if (!TryCancelRun(cancel.RunId))
        {
            // Its handler has not started (queued, or waiting for its ack): mark the run so it never starts. Checked
            // again after marking, since a handler registers its run before it looks for the mark (no gap between).
            MarkCancelledBeforeStart(cancel.RunId);
            TryCancelRun(cancel.RunId);
        }

        if ((_handler.HandledKinds & MitiHandlerKinds.Cancel) == 0)
        {
            CompleteUnhandled(cancel.EventId);
            return;
        }

        Interlocked.Increment(ref _pendingCancels);
        if (!_cancels.Writer.TryWrite(item))
        {
            Release(ref _pendingCancels);
            _metrics.EventDropped(cancel.EventType, MitiMetrics.DropReasons.CancelQueueFull);
            GatewayLog.CancelQueueFull(_log, _cancelCapacity, cancel.EventId, cancel.RunId);
            CompleteUnhandled(cancel.EventId);
        }
    }

    private bool TryCancelRun(string runId)
    {
        if (!_runs.TryGetValue(runId, out var run))
        {
            return false;
        }

        try
        {
            run.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The handler finished in the meantime.
        }

        return true;
    }

    private void MarkCancelledBeforeStart(string runId)
    {
        if (!_cancelledBeforeStart.TryAdd(runId, 0))
        {
            return;
        }

        _cancelledBeforeStartOrder.Enqueue(runId);
        while (_cancelledBeforeStartOrder.Count > CancelledBeforeStartCapacity && _cancelledBeforeStartOrder.TryDequeue(out string? oldest))
        {
            _cancelledBeforeStart.TryRemove(oldest, out _);
        }
    }

    private async Task RunOverloadAsync(EventDelivery item)
    {
        try
        {
            if (await WaitForAckAsync(item).ConfigureAwait(false))
            {
                await RunHandlerAsync((MessageEvent)item.Event, overload: true).ConfigureAwait(false);
            }
        }
        finally
        {
            Release(ref _overloadRunning);
        }
    }

    private async Task RunHandlerAsync(MessageEvent message, bool overload)
    {
        string? runId = message.RunId;

        // Only a run that assistant.cancel can stop gets a source of its own (DrainAsync cancels it with the rest of
        // _runs); any other handler uses the shutdown token: no linked source per event.
        CancellationTokenSource? cts = !overload && runId is not null ? new CancellationTokenSource() : null;
        bool registered = cts is not null && _runs.TryAdd(runId!, cts);
        if (!registered)
        {
            cts?.Dispose();
            cts = null;
        }
        else if (_shutdown.IsCancellationRequested)
        {
            cts!.Cancel(); // DrainAsync may have looked at _runs before this run was added
        }

        // Registered first, then the mark looked for: a cancel either finds the run in _runs or left its mark here.
        if (registered && _cancelledBeforeStart.TryRemove(runId!, out _))
        {
            GatewayLog.RunCancelledBeforeStart(_log, message.EventType, message.EventId, runId!);
            _runs.TryRemove(new KeyValuePair<string, CancellationTokenSource>(runId!, cts!));
            cts!.Dispose();
            _seen.Complete(message.EventId);
            return;
        }

        CancellationToken token = cts?.Token ?? _shutdown.Token;
        message.CancellationToken = token;
        message.StreamFailureReporter = this;
        string kind = overload ? MitiMetrics.HandlerKinds.Overload : MitiMetrics.HandlerKinds.Message;
        Activity? span = MitiActivities.StartHandler(message, kind);
        long started = _time.GetTimestamp();
        string outcome = MitiMetrics.HandlerOutcomes.Ok;
        Exception? failure = null;
        try
        {
            var context = new MitiEventContext(message, _client, token);
            if (overload)
            {
                await _handler.DispatchOverloadAsync(context).ConfigureAwait(false);
            }
            else
            {
                await _handler.DispatchAsync(context).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Cancelled by the user (assistant.cancel) or by shutdown: not a failure.
            outcome = MitiMetrics.HandlerOutcomes.Cancelled;
        }
        catch (MitiContentException ex)
        {
            // The typed handler never ran: one line naming where the content broke, then [OnError].
            outcome = MitiMetrics.HandlerOutcomes.Error;
            failure = ex;
            ContentLog.ContentRejected(_log, message.EventType, message.EventId, ex.MsgType, ex.ContentType, ex.Path, ex.Reason);
        }
        catch (Exception ex)
        {
            outcome = MitiMetrics.HandlerOutcomes.Error;
            failure = ex;
            GatewayLog.HandlerFailed(_log, message.EventType, message.EventId, ex);
        }
        finally
        {
            _metrics.HandlerRan(_time.GetElapsedTime(started).TotalSeconds, message.EventType, kind, outcome);
            MitiActivities.StopHandler(span, outcome, failure);
            if (registered)
            {
                _runs.TryRemove(new KeyValuePair<string, CancellationTokenSource>(runId!, cts!));
                cts!.Dispose();
            }
        }

        try
        {
            if (failure is not null)
            {
                await ReportFailureAsync(message, failure).ConfigureAwait(false);
            }
        }
        finally
        {
            _seen.Complete(message.EventId);
        }
    }

    /// <summary>
    /// After a handler threw: runs <c>[OnError]</c> (when the agent has one), then fails the run's stream if the
    /// handler left it unfinished, so the user sees a failed answer instead of a spinner. Never throws.
    /// </summary>
    private async Task ReportFailureAsync(AgentEvent agentEvent, Exception failure)
    {
        await RunErrorHandlerAsync(agentEvent, failure).ConfigureAwait(false);

        if (agentEvent is MessageEvent { UnfinishedStream: { } stream } message && !message.CancellationToken.IsCancellationRequested)
        {
            try
            {
                await stream.FailAsync(HandlerErrorCode, "The agent failed while answering.", _shutdown.Token).ConfigureAwait(false);
                GatewayLog.UnfinishedStreamFailed(_log, message.EventId, stream.RunId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Completed meanwhile, cancelled, or the frame was not acked: the user's run ends by its own timeout.
                GatewayLog.UnfinishedStreamNotFailed(_log, message.EventId, stream.RunId, ex.GetType().Name);
            }
        }
    }

    /// <summary>A streamed answer's source threw and its stream was failed: logs it and runs <c>[OnError]</c>. Never throws.</summary>
    Task IStreamFailureReporter.ReportStreamFailureAsync(MessageEvent message, string runId, string code, Exception exception)
    {
        StreamingLog.SourceFailed(_log, code, message.EventId, runId, exception.GetType().Name, exception);
        return RunErrorHandlerAsync(message, exception);
    }

    /// <summary>Runs <c>[OnError]</c> when the agent has one; its own failures are logged. Never throws.</summary>
    private async Task RunErrorHandlerAsync(AgentEvent agentEvent, Exception failure)
    {
        if ((_handler.HandledKinds & MitiHandlerKinds.Error) == 0)
        {
            return;
        }

        try
        {
            await _handler.DispatchErrorAsync(new MitiEventContext(agentEvent, _client, _shutdown.Token), failure).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_shutdown.IsCancellationRequested)
        {
            GatewayLog.ErrorHandlerFailed(_log, agentEvent.EventType, agentEvent.EventId, ex);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task CancelLoopAsync()
    {
        await foreach (var item in _cancels.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var cancel = (CancelEvent)item.Event;
            if (!await WaitForAckAsync(item).ConfigureAwait(false))
            {
                Release(ref _pendingCancels);
                continue;
            }

            cancel.CancellationToken = _shutdown.Token;
            Activity? span = MitiActivities.StartHandler(cancel, MitiMetrics.HandlerKinds.Cancel);
            long started = _time.GetTimestamp();
            string outcome = MitiMetrics.HandlerOutcomes.Ok;
            Exception? failure = null;
            try
            {
                await _handler.DispatchAsync(new MitiEventContext(cancel, _client, _shutdown.Token)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
            {
                // Shutting down.
                outcome = MitiMetrics.HandlerOutcomes.Cancelled;
            }
            catch (Exception ex)
            {
                outcome = MitiMetrics.HandlerOutcomes.Error;
                failure = ex;
                GatewayLog.HandlerFailed(_log, cancel.EventType, cancel.EventId, ex);
            }
            finally
            {
                _metrics.HandlerRan(_time.GetElapsedTime(started).TotalSeconds, cancel.EventType, MitiMetrics.HandlerKinds.Cancel, outcome);
                MitiActivities.StopHandler(span, outcome, failure);
            }

            try
            {
                if (failure is not null)
                {
                    await ReportFailureAsync(cancel, failure).ConfigureAwait(false);
                }
            }
            finally
            {
                _seen.Complete(cancel.EventId);
                Release(ref _pendingCancels);
            }
        }
    }

    /// <summary>
    /// Stops taking events, waits for running handlers and queued cancels until <paramref name="timeout"/> has passed
    /// on <paramref name="time"/> or <paramref name="abandon"/> is cancelled, then cancels what still runs and waits
    /// for it to return — at most <see cref="CancelGrace"/>: a handler that ignores its token is left running (logged)
    /// rather than holding the stop forever.
    /// </summary>
    /// <returns>The number of handlers that had to be cancelled.</returns>
    public async Task<int> DrainAsync(TimeSpan timeout, TimeProvider time, Func<int> extraBusy, CancellationToken abandon = default)
    {
        _accepting = false;
        _cancels.Writer.TryComplete();
        int busy = Busy + extraBusy();
        if (busy > 0 && !abandon.IsCancellationRequested)
        {
            GatewayLog.Draining(_log, timeout.TotalSeconds, busy);
            using var deadline = new CancellationTokenSource(timeout, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, abandon);
            try
            {
                while (Busy + extraBusy() > 0)
                {
                    // Poll (real time) for the work to finish; the deadline itself runs on the SDK's clock.
                    await Task.Delay(PollInterval, either.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Deadline passed, or the caller gave up waiting.
            }
        }

        int cancelled = Busy;
        if (cancelled > 0 && abandon.IsCancellationRequested)
        {
            GatewayLog.DrainAbandoned(_log, cancelled);
        }
        else if (cancelled > 0)
        {
            GatewayLog.DrainTimedOut(_log, cancelled);
        }

        // Close the pool first (queued events never start once handlers are being cancelled), then cancel what runs.
        foreach (var item in ClosePool())
        {
            DropAtShutdown(item.Event);
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        foreach (CancellationTokenSource run in _runs.Values)
        {
            try
            {
                await run.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The handler finished in the meantime.
            }
        }

        using (var grace = new CancellationTokenSource(CancelGrace, time))
        {
            try
            {
                while (Busy > 0)
                {
                    await Task.Delay(PollInterval, grace.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // Some handlers ignore their token: nothing can end them, so the stop goes on without them.
            }
        }

        int stuck = Busy;
        if (stuck > 0)
        {
            GatewayLog.HandlersAbandoned(_log, stuck, (long)CancelGrace.TotalMilliseconds);
            return cancelled; // their workers (or the cancel loop) end when the handlers return, if ever
        }

        await _cancelLoop.ConfigureAwait(false);
        await Task.WhenAll(_workers).ConfigureAwait(false);
        return cancelled;
    }

    /// <summary>Takes no more events, ends the idle workers and returns the events still queued.</summary>
    private List<EventDelivery> ClosePool()
    {
        List<EventDelivery> leftover;
        List<IdleWorker> idle;
        lock (_gate)
        {
            _closed = true;
            leftover = [.. _queue];
            _queue.Clear();
            idle = [.. _idle];
            _idle.Clear();
            WorkerMovedLocked();
        }

        foreach (var waiting in idle)
        {
            waiting.Hand(null);
        }

        return leftover;
    }

    private static void Release(ref int counter) => Interlocked.Decrement(ref counter);

    private static bool TryTake(ref int counter, int max)
    {
        while (true)
        {
            int current = Volatile.Read(ref counter);
            if (current >= max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Stops reporting the queue depth, ends idle workers and releases the shutdown token.</summary>
    public void Dispose()
    {
        _metrics.Untrack(this);
        ClosePool();
        _shutdown.Dispose();
    }

    /// <summary>
    /// An idle worker's wait for its next event: a reusable value-task source. Each wait is handed exactly one item
    /// (or <see langword="null"/> when the pool closes) by whoever popped the worker from <see cref="_idle"/>.
    /// </summary>
    private sealed class IdleWorker : IValueTaskSource<EventDelivery?>
    {
        private ManualResetValueTaskSourceCore<EventDelivery?> _core = new() { RunContinuationsAsynchronously = true };

        /// <summary>The wait; call before or after being pushed to <see cref="_idle"/>, await once.</summary>
        public ValueTask<EventDelivery?> WaitAsync() => new(this, _core.Version);

        /// <summary>Ends the current wait with <paramref name="item"/>.</summary>
        public void Hand(EventDelivery? item) => _core.SetResult(item);

        public EventDelivery? GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset(); // ready for the next wait
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
