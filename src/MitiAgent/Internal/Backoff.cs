namespace MitiAgent.Internal;

/// <summary>
/// The delays of spec §3 (failed token refresh) and §4.3 (gateway reconnect). The random source is injectable
/// so tests are deterministic; the default, <see cref="Random.Shared"/>, is thread-safe and differs per process,
/// so many instances never retry in lockstep.
/// </summary>
internal static class Backoff
{
    /// <summary>The cap of every delay (60 s).</summary>
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(60);

    /// <summary>The first delay's ceiling (1 s).</summary>
    public static readonly TimeSpan Base = TimeSpan.FromSeconds(1);

    /// <summary>Beyond this exponent 2ⁿ s already exceeds the cap.</summary>
    private const int MaxExponent = 6;

    /// <summary><c>d = min(60 s, 1 s·2ⁿ)</c>.</summary>
    public static TimeSpan Ceiling(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        TimeSpan d = Base * (1L << Math.Min(attempt, MaxExponent));
        return d < Cap ? d : Cap;
    }

    /// <summary>Reconnect attempt <paramref name="attempt"/> (from 0) waits a random time in <c>[d/2, d]</c> (spec §4.3).</summary>
    public static TimeSpan ReconnectDelay(int attempt, Random? random = null)
    {
        TimeSpan d = Ceiling(attempt);
        double r = (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromTicks(d.Ticks / 2 + (long)(r * (d.Ticks - d.Ticks / 2)));
    }

    /// <summary>
    /// Retry <paramref name="attempt"/> (from 0) of a failed proactive token refresh waits <c>min(60 s, 1 s·2ⁿ)</c>
    /// with jitter (spec §3): a random time in <c>[0.8·d, d]</c>, so instances spread out but the delay still grows.
    /// </summary>
    public static TimeSpan RefreshRetryDelay(int attempt, Random? random = null)
    {
        TimeSpan d = Ceiling(attempt);
        double r = (random ?? Random.Shared).NextDouble();
        return TimeSpan.FromTicks(d.Ticks - (long)(r * 0.2 * d.Ticks));
    }

    /// <summary>Seconds for the reference's log texts (<c>reconnecting in Xs</c>), rounded to a tenth.</summary>
    public static double ToLogSeconds(TimeSpan delay) => Math.Round(delay.TotalSeconds, 1, MidpointRounding.AwayFromZero);
}

/// <summary>
/// The reconnect attempt counter of spec §4.3: each failure takes the next delay, and the counter resets once a
/// connection has stayed up for <see cref="StableAfter"/> (60 s). Not thread-safe: one reconnect loop owns it.
/// </summary>
internal sealed class ReconnectBackoff
{
    /// <summary>How long a connection must stay up before the attempt counter resets.</summary>
    public static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time;
    private readonly Random? _random;
    private long? _connectedAt;

    public ReconnectBackoff(TimeProvider timeProvider, Random? random = null)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _random = random;
    }

    /// <summary>The attempt the next <see cref="NextDelay"/> will use (0 after a stable connection).</summary>
    public int Attempt { get; private set; }

    /// <summary>Records that a connection is up (the <c>hello</c> arrived).</summary>
    public void OnConnected() => _connectedAt = _time.GetTimestamp();

    /// <summary>The delay before the next dial; resets the counter first if the last connection was stable.</summary>
    public TimeSpan NextDelay()
    {
        if (_connectedAt is { } since && _time.GetElapsedTime(since) >= StableAfter)
        {
            Attempt = 0;
        }

        _connectedAt = null;
        TimeSpan delay = Backoff.ReconnectDelay(Attempt, _random);
        if (Attempt < int.MaxValue)
        {
            Attempt++;
        }

        return delay;
    }
}
