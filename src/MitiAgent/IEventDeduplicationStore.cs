namespace MitiAgent;

/// <summary>
/// Event ids claimed across every instance of an agent (spec §4.3: the platform redelivers an event whose ack it did
/// not get, possibly to another connection of the same app). Without a store (the default) each instance remembers
/// the ids it handled in a bounded in-memory set, so two instances can both answer an event whose ack was lost; with
/// a shared store (for example <c>MitiAgent.Redis</c>) the first instance to claim an id handles it and every other
/// delivery is acked and skipped.
/// </summary>
/// <remarks>
/// The client claims an event after its ack reached the socket and before its handler is queued, on the gateway's
/// reader, so a claim should be fast. When a claim throws or takes longer than two seconds, the client logs it once
/// and falls back to its local dedupe (the event is handled: at-least-once delivery is kept, nothing is dropped).
/// </remarks>
public interface IEventDeduplicationStore
{
    /// <summary>
    /// Claims <paramref name="eventId"/> of <paramref name="appId"/> for <paramref name="window"/>, atomically.
    /// </summary>
    /// <param name="appId">The app the event belongs to (several apps may share one store).</param>
    /// <param name="eventId">The event's <c>event_id</c>.</param>
    /// <param name="window">How long the claim is kept: <see cref="MitiAgentOptions.SeenEventTtl"/>, the redelivery window.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns><see langword="true"/> when this call claimed the id (handle the event); <see langword="false"/> when
    /// it was already claimed within the window, by this or another instance (a duplicate).</returns>
    ValueTask<bool> TryClaimAsync(string appId, string eventId, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives up a claim this instance made but will not handle (it is stopping), so the event's redelivery to
    /// another instance can claim it. A claim held by another instance is left alone.
    /// </summary>
    /// <param name="appId">The app the event belongs to.</param>
    /// <param name="eventId">The event's <c>event_id</c>.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes when the claim is released.</returns>
    ValueTask ReleaseAsync(string appId, string eventId, CancellationToken cancellationToken = default);
}
