using System.Globalization;

namespace MitiAgent;

/// <summary>
/// A terminal stream frame (<c>completed</c>/<c>failed</c>) was not acknowledged after all its attempts
/// (spec §6.2: 5 attempts with the same <c>event_id</c>).
/// </summary>
public sealed class MitiTimeoutException : MitiException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="eventId">The agent-made <c>event_id</c> of the frame.</param>
    /// <param name="attempts">How many times the frame was sent.</param>
    public MitiTimeoutException(string eventId, int attempts)
        : base(string.Create(CultureInfo.InvariantCulture, $"Miti did not acknowledge stream frame {eventId} after {attempts} attempts"))
    {
        EventId = eventId;
        Attempts = attempts;
    }

    /// <summary>The agent-made <c>event_id</c> of the unacknowledged frame.</summary>
    public string EventId { get; }

    /// <summary>How many times the frame was sent.</summary>
    public int Attempts { get; }
}
