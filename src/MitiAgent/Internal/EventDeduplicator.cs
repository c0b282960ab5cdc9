namespace MitiAgent.Internal;

/// <summary>
/// Runs each handler once per <c>event_id</c> (spec §4.3): an in-flight set (a redelivery while the first delivery
/// is being handled is a duplicate) plus a bounded seen-set of finished ids that forgets an id after a TTL or when
/// the capacity is exceeded (oldest first). Every operation is O(1) amortised; thread-safe.
/// </summary>
internal sealed class EventDeduplicator
{
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _seen;
    private readonly LinkedList<Entry> _order = new();
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
        _seen = new Dictionary<string, LinkedListNode<Entry>>(Math.Min(capacity, 1024), StringComparer.Ordinal);
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
            if (_seen.TryGetValue(eventId, out LinkedListNode<Entry>? existing))
            {
                _order.Remove(existing);
                existing.Value = new Entry(eventId, now);
                _order.AddLast(existing);
                return;
            }

            _seen.Add(eventId, _order.AddLast(new Entry(eventId, now)));
            while (_seen.Count > Capacity)
            {
                LinkedListNode<Entry> oldest = _order.First!;
                _order.RemoveFirst();
                _seen.Remove(oldest.Value.EventId);
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
        while (_order.First is { } oldest && _time.GetElapsedTime(oldest.Value.CompletedAt, now) >= Ttl)
        {
            _order.RemoveFirst();
            _seen.Remove(oldest.Value.EventId);
        }
    }

    private readonly record struct Entry(string EventId, long CompletedAt);
}
