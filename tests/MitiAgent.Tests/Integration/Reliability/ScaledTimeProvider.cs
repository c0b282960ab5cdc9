using System.Diagnostics;

namespace MitiAgent.Tests.Integration.Reliability;

/// <summary>
/// Real time, running <see cref="Factor"/> times faster: timestamps and the wall clock advance that much faster and
/// every timer fires after its due time divided by the factor. The chaos run shares one between the emulator and the
/// SDK so the protocol's own timings (5–10 s ack timeouts, 60 s backoff cap, 60 s "stable connection") stay in their
/// real proportions while a run of thousands of events takes seconds. Unlike a <c>FakeTimeProvider</c>, nothing
/// waits for a test to advance the clock and no timer callback runs on the test's thread: time passes on its own
/// while sockets, handlers and timers run concurrently, as in production.
/// </summary>
internal sealed class ScaledTimeProvider : TimeProvider
{
    private readonly long _origin = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _originUtc;

    public ScaledTimeProvider(double factor, DateTimeOffset? start = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        Factor = factor;
        _originUtc = start ?? new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
    }

    /// <summary>How many times faster than real time this clock runs.</summary>
    public double Factor { get; }

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override long GetTimestamp() => _origin + (long)((Stopwatch.GetTimestamp() - _origin) * Factor);

    public override DateTimeOffset GetUtcNow() => _originUtc + Stopwatch.GetElapsedTime(_origin) * Factor;

    /// <summary>Real milliseconds since the clock started at the moment this clock showed <paramref name="unixMs"/>.</summary>
    public double RealMillisecondsAt(long unixMs) => (unixMs - _originUtc.ToUnixTimeMilliseconds()) / Factor;

    /// <summary>Real milliseconds since the clock started at the <see cref="Stopwatch"/> timestamp <paramref name="stopwatchTimestamp"/>.</summary>
    public double RealMillisecondsAtStopwatch(long stopwatchTimestamp) => Stopwatch.GetElapsedTime(_origin, stopwatchTimestamp).TotalMilliseconds;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : span / Factor;

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider clock) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(clock.Scale(dueTime), clock.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
