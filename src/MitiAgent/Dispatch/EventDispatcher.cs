using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace MitiAgent;

/// <summary>
/// Runs handlers off the gateway's reader loop (spec §8). <see cref="Dispatch"/> never blocks and never runs user
/// code: message events take one of <see cref="MitiAgentOptions.MaxConcurrency"/> slots, overflow goes to the
/// overload handler's own small pool, and beyond that the event is dropped with a warning. Cancels go through their
/// own bounded queue. Each event id runs at most once (<see cref="EventDeduplicator"/>). Every handler run is timed
/// and traced (<see cref="MitiTelemetry"/>); while the dispatcher lives it reports its queue depth.
/// </summary>
internal sealed class EventDispatcher : IDisposable, IQueueDepthSource
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);
    private readonly IMitiAgentHandler _handler;
    private readonly IEventReplySink _sink;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly MitiMetrics _metrics;
    private readonly EventDeduplicator _seen;
    private readonly int _maxConcurrency;
    private readonly int _overloadConcurrency;
    private readonly int _cancelCapacity;
    private readonly Channel<CancelEvent> _cancels;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _reportedMissing = new(StringComparer.Ordinal);
    private readonly Task _cancelLoop;
    private int _running;
    private int _overloadRunning;
    private int _pendingCancels;
    private volatile bool _accepting = true;

    public EventDispatcher(IMitiAgentHandler handler, IEventReplySink sink, MitiAgentOptions options, ILogger gatewayLogger, TimeProvider time, MitiMetrics? metrics = null)
    {
        _handler = handler;
        _sink = sink;
        _log = gatewayLogger;
        _time = time;
        _metrics = metrics ?? MitiMetrics.Shared;
        _seen = new EventDeduplicator(options.SeenEventCapacity, options.SeenEventTtl, time);
        _maxConcurrency = options.MaxConcurrency;
        _overloadConcurrency = options.OverloadConcurrency;
        _cancelCapacity = options.CancelQueueCapacity;
        _cancels = Channel.CreateBounded<CancelEvent>(new BoundedChannelOptions(options.CancelQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full; nothing waits
        });
        _cancelLoop = Task.Run(CancelLoopAsync);
        _metrics.Track(this);
    }

    /// <summary>Whether new events are taken (false once shutdown began: they are left un-acked for redelivery).</summary>
    public bool Accepting => _accepting;

    /// <summary>Handlers (message, overload, cancel) running or queued right now.</summary>
    public int Busy => Volatile.Read(ref _running) + Volatile.Read(ref _overloadRunning) + Volatile.Read(ref _pendingCancels);

    /// <inheritdoc />
    public (int Handlers, int Overload, int Cancel) ReadQueueDepth() =>
        (Volatile.Read(ref _running), Volatile.Read(ref _overloadRunning), Volatile.Read(ref _pendingCancels));

    /// <summary>Counts an event that no handler takes as dropped, and logs "no handler" once per event type.</summary>
    public void ReportNoHandler(string eventType)
    {
        _metrics.EventDropped(eventType, MitiMetrics.DropReasons.NoHandler);
        if (_reportedMissing.TryAdd(eventType, 0))
        {
            GatewayLog.NoHandler(_log, eventType);
        }
    }

    /// <summary>Hands an acked event to a handler. Called from the reader loop; never blocks.</summary>
    public void Dispatch(AgentEvent agentEvent)
    {
        if (!_seen.TryBegin(agentEvent.EventId))
        {
            _metrics.EventDeduplicated(agentEvent.EventType);
            GatewayLog.DuplicateEvent(_log, agentEvent.EventType, agentEvent.EventId);
            return;
        }

        switch (agentEvent)
        {
            case CancelEvent cancel:
                DispatchCancel(cancel);
                break;
            case MessageEvent message:
                DispatchMessage(message);
                break;
            default:
                _seen.Complete(agentEvent.EventId);
                break;
        }
    }

    private void DispatchMessage(MessageEvent message)
    {
        var kind = message is GroupAtEvent ? MitiHandlerKinds.GroupAt : MitiHandlerKinds.Message;
        if ((_handler.HandledKinds & kind) == 0)
        {
            ReportNoHandler(message.EventType);
            _seen.Complete(message.EventId);
            return;
        }

        if (TryTake(ref _running, _maxConcurrency))
        {
            _ = RunAsync(message, overload: false);
            return;
        }

        if ((_handler.HandledKinds & MitiHandlerKinds.Overload) != 0 && TryTake(ref _overloadRunning, _overloadConcurrency))
        {
            _metrics.EventOverloaded(message.EventType);
            GatewayLog.Overloaded(_log, _maxConcurrency, message.EventType, message.EventId);
            _ = RunAsync(message, overload: true);
            return;
        }

        _metrics.EventDropped(message.EventType, MitiMetrics.DropReasons.Overloaded);
        GatewayLog.OverloadDropped(_log, message.EventType, message.EventId);
        _seen.Complete(message.EventId);
    }

    private void DispatchCancel(CancelEvent cancel)
    {
        // Stop the run's handler at once; the [OnCancel] handler itself runs from the bounded queue.
        if (_runs.TryGetValue(cancel.RunId, out var run))
        {
            try
            {
                run.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The handler finished in the meantime.
            }
        }

        if ((_handler.HandledKinds & MitiHandlerKinds.Cancel) == 0)
        {
            _seen.Complete(cancel.EventId);
            return;
        }

        Interlocked.Increment(ref _pendingCancels);
        if (!_cancels.Writer.TryWrite(cancel))
        {
            Release(ref _pendingCancels);
            _metrics.EventDropped(cancel.EventType, MitiMetrics.DropReasons.CancelQueueFull);
            GatewayLog.CancelQueueFull(_log, _cancelCapacity, cancel.EventId, cancel.RunId);
            _seen.Complete(cancel.EventId);
        }
    }

    private async Task RunAsync(MessageEvent message, bool overload)
    {
        // Leave the reader loop's thread before any user code runs.
        await Task.Yield();
        string? runId = message.RunId;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        bool registered = !overload && runId is not null && _runs.TryAdd(runId, cts);
        message.CancellationToken = cts.Token;
        string kind = overload ? MitiMetrics.HandlerKinds.Overload : MitiMetrics.HandlerKinds.Message;
        Activity? span = MitiActivities.StartHandler(message, kind);
        long started = _time.GetTimestamp();
        string outcome = MitiMetrics.HandlerOutcomes.Ok;
        Exception? failure = null;
        try
        {
            var context = new MitiEventContext(message, _sink, cts.Token);
            if (overload)
            {
                await _handler.DispatchOverloadAsync(context).ConfigureAwait(false);
            }
            else
            {
                await _handler.DispatchAsync(context).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            // Cancelled by the user (assistant.cancel) or by shutdown: not a failure.
            outcome = MitiMetrics.HandlerOutcomes.Cancelled;
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
                _runs.TryRemove(new KeyValuePair<string, CancellationTokenSource>(runId!, cts));
            }

            _seen.Complete(message.EventId);
            Release(ref overload ? ref _overloadRunning : ref _running);
        }
    }

    private async Task CancelLoopAsync()
    {
        await foreach (var cancel in _cancels.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            cancel.CancellationToken = _shutdown.Token;
            Activity? span = MitiActivities.StartHandler(cancel, MitiMetrics.HandlerKinds.Cancel);
            long started = _time.GetTimestamp();
            string outcome = MitiMetrics.HandlerOutcomes.Ok;
            Exception? failure = null;
            try
            {
                await _handler.DispatchAsync(new MitiEventContext(cancel, _sink, _shutdown.Token)).ConfigureAwait(false);
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
                _seen.Complete(cancel.EventId);
                Release(ref _pendingCancels);
            }
        }
    }

    /// <summary>
    /// Stops taking events, waits for running handlers and queued cancels until <paramref name="timeout"/> has passed
    /// on <paramref name="time"/> or <paramref name="abandon"/> is cancelled, then cancels what still runs and waits
    /// for it to return.
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

        await _shutdown.CancelAsync().ConfigureAwait(false);
        while (Busy > 0)
        {
            await Task.Delay(PollInterval).ConfigureAwait(false);
        }

        await _cancelLoop.ConfigureAwait(false);
        return cancelled;
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

    /// <summary>Stops reporting the queue depth and releases the shutdown token.</summary>
    public void Dispose()
    {
        _metrics.Untrack(this);
        _shutdown.Dispose();
    }
}
