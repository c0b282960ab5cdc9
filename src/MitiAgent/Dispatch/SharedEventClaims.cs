using Microsoft.Extensions.Logging;
using MitiAgent.Diagnostics;
using MitiAgent.Events;
using MitiAgent.Logging;

namespace MitiAgent.Dispatch;

/// <summary>
/// Puts an <see cref="IEventDeduplicationStore"/> in front of the <see cref="EventDispatcher"/>: an event is claimed in
/// the store once its ack reached the socket, and only a claimed event goes on to the dispatcher (whose local dedupe
/// still applies). A store that fails or hangs never costs an event: the event is handled (local dedupe only) and the
/// outage is logged once.
/// </summary>
internal sealed class SharedEventClaims
{
    /// <summary>How long one claim may take before the event is handled without it.</summary>
    internal static readonly TimeSpan ClaimTimeout = TimeSpan.FromSeconds(2);

    private readonly IEventDeduplicationStore _store;
    private readonly string _appId;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly MitiMetrics _metrics;
    private long _failures;
    private int _failing; // 1 from a failed claim until the next successful one

    public SharedEventClaims(IEventDeduplicationStore store, string appId, TimeSpan window, TimeProvider time, ILogger gatewayLogger, MitiMetrics metrics)
    {
        _store = store;
        _appId = appId;
        _window = window;
        _time = time;
        _log = gatewayLogger;
        _metrics = metrics;
    }

    /// <summary>The shared claims of a run, or <see langword="null"/> when no store is configured.</summary>
    public static SharedEventClaims? Create(MitiAgentOptions options, TimeProvider time, ILogger gatewayLogger, MitiMetrics metrics) =>
        options.EventDeduplicationStore is { } store
            ? new SharedEventClaims(store, options.ResolveCredentials().AppId, options.SeenEventTtl, time, gatewayLogger, metrics)
            : null;

    /// <summary>Failed claims since the client started (each one handled the event with local dedupe only).</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>
    /// Waits for the event's ack to settle, claims the event, and hands a claimed event to <paramref name="dispatcher"/>.
    /// An event whose ack did not leave is not claimed (its redelivery must find the id free) and goes to the
    /// dispatcher as not acked, which drops it for that redelivery. The wait has no deadline of its own: the socket
    /// settles every ack at the latest when it ends, and an ack given up on but sent later would leave the server with
    /// an acked event that nobody handles.
    /// </summary>
    public async ValueTask ClaimThenDispatchAsync(EventDispatcher dispatcher, EventDelivery delivery)
    {
        AgentEvent agentEvent = delivery.Event;
        if (!await delivery.WaitAsync().ConfigureAwait(false))
        {
            await dispatcher.DispatchAsync(delivery).ConfigureAwait(false); // settled as not sent
            return;
        }

        if (!await TryClaimAsync(agentEvent.EventId).ConfigureAwait(false))
        {
            _metrics.EventDeduplicated(agentEvent.EventType);
            DeduplicationLog.ClaimedElsewhere(_log, agentEvent.EventType, agentEvent.EventId);
            return;
        }

        if (!dispatcher.Accepting)
        {
            // Stopping while the claim was made: the dispatcher would drop the event, so let its redelivery (the
            // platform may not have the ack yet) be claimed elsewhere.
            await ReleaseAsync(agentEvent.EventId).ConfigureAwait(false);
            return;
        }

        await dispatcher.DispatchAsync(delivery).ConfigureAwait(false);
    }

    private async ValueTask ReleaseAsync(string eventId)
    {
        try
        {
            await _store.ReleaseAsync(_appId, eventId).AsTask().WaitAsync(ClaimTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The claim expires after its window; nothing else to do at shutdown.
            DeduplicationLog.ReleaseFailed(_log, eventId, ex.GetType().Name);
        }
    }

    /// <summary>Claims <paramref name="eventId"/>; <see langword="true"/> also when the store fails (fall back, never drop).</summary>
    internal async ValueTask<bool> TryClaimAsync(string eventId)
    {
        bool claimed;
        try
        {
            claimed = await _store.TryClaimAsync(_appId, eventId, _window).AsTask().WaitAsync(ClaimTimeout, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failures);
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                DeduplicationLog.StoreUnavailable(_log, ex is TimeoutException ? "claim timed out" : ex.GetType().Name, ex);
            }

            return true;
        }

        if (Interlocked.Exchange(ref _failing, 0) == 1)
        {
            DeduplicationLog.StoreRecovered(_log, Interlocked.Read(ref _failures));
        }

        return claimed;
    }
}
