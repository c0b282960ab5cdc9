using Microsoft.Extensions.Time.Testing;
using MitiAgent.Internal;

namespace MitiAgent.Tests;

public class BackoffTests
{
    /// <summary>A random source that returns fixed values, for exact bounds.</summary>
    private sealed class FixedRandom(double value) : Random
    {
        public override double NextDouble() => value;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(5, 32)]
    [InlineData(6, 60)]
    [InlineData(7, 60)]
    [InlineData(1000, 60)]
    [InlineData(int.MaxValue, 60)]
    public void Ceiling_is_min_60s_and_2_to_the_n(int attempt, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), Backoff.Ceiling(attempt));
    }

    [Fact]
    public void Negative_attempts_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Ceiling(-1));
    }

    [Fact]
    public void Reconnect_delay_spans_half_to_full_ceiling()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), Backoff.ReconnectDelay(2, new FixedRandom(0)));
        Assert.Equal(TimeSpan.FromSeconds(3), Backoff.ReconnectDelay(2, new FixedRandom(0.5)));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.ReconnectDelay(10, new FixedRandom(0)));
        TimeSpan nearTop = Backoff.ReconnectDelay(10, new FixedRandom(0.9999999999));
        Assert.True(nearTop <= TimeSpan.FromSeconds(60) && nearTop > TimeSpan.FromSeconds(59.99));
    }

    [Fact]
    public void Reconnect_delays_stay_in_bounds_over_many_attempts()
    {
        var random = new Random(1234);
        for (int i = 0; i < 10_000; i++)
        {
            int attempt = i % 12;
            TimeSpan d = Backoff.Ceiling(attempt);
            TimeSpan delay = Backoff.ReconnectDelay(attempt, random);
            Assert.InRange(delay, d / 2, d);
            Assert.True(delay <= TimeSpan.FromSeconds(60));
        }
    }

    [Fact]
    public void Refresh_retry_delays_stay_in_bounds_and_grow()
    {
        var random = new Random(99);
        for (int i = 0; i < 10_000; i++)
        {
            int attempt = i % 10;
            TimeSpan d = Backoff.Ceiling(attempt);
            Assert.InRange(Backoff.RefreshRetryDelay(attempt, random), d * 0.8, d);
        }

        Assert.Equal(TimeSpan.FromSeconds(4), Backoff.RefreshRetryDelay(2, new FixedRandom(0)));
        Assert.Equal(TimeSpan.FromSeconds(3.2), Backoff.RefreshRetryDelay(2, new FixedRandom(1)));
    }

    [Fact]
    public void Seeded_sources_are_deterministic()
    {
        TimeSpan[] a = [.. Enumerable.Range(0, 20).Select(n => Backoff.ReconnectDelay(n, new Random(7)))];
        TimeSpan[] b = [.. Enumerable.Range(0, 20).Select(n => Backoff.ReconnectDelay(n, new Random(7)))];
        Assert.Equal(a, b);
    }

    [Fact]
    public void Fifty_instances_are_not_in_lockstep()
    {
        // 50 clients failing together, each with its own default (unseeded) source.
        var time = new FakeTimeProvider();
        ReconnectBackoff[] clients = [.. Enumerable.Range(0, 50).Select(_ => new ReconnectBackoff(time))];
        for (int attempt = 0; attempt < 8; attempt++)
        {
            TimeSpan[] delays = [.. clients.Select(c => c.NextDelay())];
            Assert.All(delays, d => Assert.InRange(d, Backoff.Ceiling(attempt) / 2, Backoff.Ceiling(attempt)));
            Assert.True(delays.Distinct().Count() >= 45, $"attempt {attempt}: only {delays.Distinct().Count()} distinct delays");
            TimeSpan spread = delays.Max() - delays.Min();
            Assert.True(spread >= Backoff.Ceiling(attempt) / 8, $"attempt {attempt}: spread {spread}");
        }
    }

    [Fact]
    public void Attempt_counter_grows_and_resets_after_a_stable_connection()
    {
        var time = new FakeTimeProvider();
        var backoff = new ReconnectBackoff(time, new FixedRandom(0.999999));
        Assert.InRange(backoff.NextDelay(), TimeSpan.FromSeconds(0.99), TimeSpan.FromSeconds(1));
        Assert.InRange(backoff.NextDelay(), TimeSpan.FromSeconds(1.99), TimeSpan.FromSeconds(2));
        Assert.InRange(backoff.NextDelay(), TimeSpan.FromSeconds(3.99), TimeSpan.FromSeconds(4));
        Assert.Equal(3, backoff.Attempt);

        // Up for less than 60 s: the counter keeps growing.
        backoff.OnConnected();
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.InRange(backoff.NextDelay(), TimeSpan.FromSeconds(7.99), TimeSpan.FromSeconds(8));

        // Up for 60 s: back to attempt 0.
        backoff.OnConnected();
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.InRange(backoff.NextDelay(), TimeSpan.FromSeconds(0.99), TimeSpan.FromSeconds(1));
        Assert.Equal(1, backoff.Attempt);
    }

    [Fact]
    public void Log_seconds_are_rounded_to_a_tenth()
    {
        Assert.Equal(1.5, Backoff.ToLogSeconds(TimeSpan.FromMilliseconds(1549)));
        Assert.Equal(60, Backoff.ToLogSeconds(TimeSpan.FromSeconds(60)));
    }
}
