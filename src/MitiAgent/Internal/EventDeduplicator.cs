namespace MitiAgent.Internal;

/// <summary>
/// Runs each handler once per <c>event_id</c> (spec §4.3): an in-flight set (a redelivery while the first delivery
/// is being handled is a duplicate) plus a bounded seen-set of finished ids that forgets an id after a TTL or when
/// the capacity is exceeded (oldest first). Every operation is O(1) amortised; thread-safe.
/// </summary>
internal sealed class EventDeduplicator
{
    private readonly object _gate = new();

    // Finished ids (with the number of their latest completion), and the completions in order. A ring buffer (Queue)
    // instead of a linked list: no node per event. An entry whose id was finished again later is stale and skipped.
    private readonly Dictionary<string, long> _seen;
    private readonly Queue<Entry> _order;
    private long _completions;
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public EventDeduplicator(int capacity, TimeSpan ttl, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), "The TTL must be positive.");
        }

        Capacity = capacity;
        Ttl = ttl;
        _time = timeProvider ?? TimeProvider.System;
        _seen = new Dictionary<string, long>(Math.Min(capacity, 1024), StringComparer.Ordinal);
        _order = new Queue<Entry>(Math.Min(capacity, 1024));
    }

    /// <summary>The most finished ids remembered.</summary>
    public int Capacity { get; }

    /// <summary>How long a finished id is remembered, counted from <see cref="Complete"/>.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>Finished ids currently remembered (expired ones may linger until the next operation).</summary>
    public int SeenCount
    {
        get
        {
            lock (_gate)
            {
                return _seen.Count;
            }
        }
    }

    /// <summary>Ids currently being handled.</summary>
    public int InFlightCount
    {
        get
        {
            lock (_gate)
            {
                return _inFlight.Count;
            }
        }
    }

    /// <summary>
    /// Claims <paramref name="eventId"/> for handling. <see langword="false"/> when it is in flight or was finished
    /// within the TTL (a duplicate: ack it, do not handle it).
    /// </summary>
    public bool TryBegin(string eventId)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            EvictExpired(now);
            if (_seen.ContainsKey(eventId))
            {
                return false;
            }

            return _inFlight.Add(eventId);
        }
    }

    /// <summary>Marks a claimed id finished: it leaves the in-flight set and is remembered for the TTL.</summary>
    public void Complete(string eventId)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        lock (_gate)
        {
            long now = _time.GetTimestamp();
            EvictExpired(now);
            _inFlight.Remove(eventId);
            long completion = ++_completions;
            _seen[eventId] = completion;
            _order.Enqueue(new Entry(eventId, now, completion));
            while (_seen.Count > Capacity)
            {
                RemoveOldest();
            }
        }
    }

    /// <summary>
    /// Releases a claimed id without remembering it (the event was dropped before its handler ran, so a later
    /// redelivery may be handled).
    /// </summary>
    public void Abandon(string eventId)
    {
        ArgumentNullException.ThrowIfNull(eventId);
        lock (_gate)
        {
            _inFlight.Remove(eventId);
        }
    }

    private void EvictExpired(long now)
    {
        // Entries are appended in completion order with the same TTL, so the oldest expire first.
        while (_order.TryPeek(out Entry oldest) && _time.GetElapsedTime(oldest.CompletedAt, now) >= Ttl)
        {
            RemoveOldest();
        }
    }

    /// <summary>Drops the oldest entry of <see cref="_order"/>, and its id unless that was finished again since.</summary>
    private void RemoveOldest()
    {
        Entry oldest = _order.Dequeue();
        if (_seen.TryGetValue(oldest.EventId, out long completion) && completion == oldest.Completion)
        {
            _seen.Remove(oldest.EventId);
        }
    }

    private readonly record struct Entry(string EventId, long CompletedAt, long Completion);
}
