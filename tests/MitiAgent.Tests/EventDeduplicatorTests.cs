using Microsoft.Extensions.Time.Testing;
using MitiAgent.Internal;

namespace MitiAgent.Tests;

public class EventDeduplicatorTests
{
    [Fact]
    public void Duplicates_are_refused_while_in_flight_and_after_completion()
    {
        var dedup = new EventDeduplicator(100, TimeSpan.FromMinutes(10), new FakeTimeProvider());
        Assert.True(dedup.TryBegin("evt-1"));
        Assert.False(dedup.TryBegin("evt-1"));
        Assert.Equal(1, dedup.InFlightCount);
        dedup.Complete("evt-1");
        Assert.Equal(0, dedup.InFlightCount);
        Assert.Equal(1, dedup.SeenCount);
        Assert.False(dedup.TryBegin("evt-1"));
        Assert.True(dedup.TryBegin("evt-2"));
    }

    [Fact]
    public void Ids_expire_after_the_ttl()
    {
        var time = new FakeTimeProvider();
        var dedup = new EventDeduplicator(100, TimeSpan.FromMinutes(10), time);
        Assert.True(dedup.TryBegin("evt-1"));
        dedup.Complete("evt-1");
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(dedup.TryBegin("evt-2"));
        dedup.Complete("evt-2");

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.False(dedup.TryBegin("evt-1"));
        time.Advance(TimeSpan.FromTicks(1));
        Assert.True(dedup.TryBegin("evt-1"));
        Assert.False(dedup.TryBegin("evt-2"));
        Assert.Equal(1, dedup.SeenCount);

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(dedup.TryBegin("evt-2"));
        Assert.Equal(0, dedup.SeenCount);
    }

    [Fact]
    public void In_flight_ids_do_not_expire()
    {
        var time = new FakeTimeProvider();
        var dedup = new EventDeduplicator(10, TimeSpan.FromSeconds(1), time);
        Assert.True(dedup.TryBegin("slow"));
        time.Advance(TimeSpan.FromHours(1));
        Assert.False(dedup.TryBegin("slow"));
        dedup.Complete("slow");
        Assert.False(dedup.TryBegin("slow"));
    }

    [Fact]
    public void Capacity_evicts_the_oldest()
    {
        var time = new FakeTimeProvider();
        var dedup = new EventDeduplicator(3, TimeSpan.FromMinutes(10), time);
        foreach (string id in new[] { "a", "b", "c", "d" })
        {
            Assert.True(dedup.TryBegin(id));
            dedup.Complete(id);
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, dedup.SeenCount);
        Assert.True(dedup.TryBegin("a"));
        Assert.False(dedup.TryBegin("b"));
        Assert.False(dedup.TryBegin("c"));
        Assert.False(dedup.TryBegin("d"));
    }

    [Fact]
    public void Abandon_releases_without_remembering()
    {
        var dedup = new EventDeduplicator(10, TimeSpan.FromMinutes(1), new FakeTimeProvider());
        Assert.True(dedup.TryBegin("dropped"));
        dedup.Abandon("dropped");
        Assert.Equal(0, dedup.InFlightCount);
        Assert.Equal(0, dedup.SeenCount);
        Assert.True(dedup.TryBegin("dropped"));
    }

    [Fact]
    public void Memory_stays_bounded_over_many_ids()
    {
        var time = new FakeTimeProvider();
        var dedup = new EventDeduplicator(1000, TimeSpan.FromMinutes(10), time);
        for (int i = 0; i < 200_000; i++)
        {
            string id = "evt-" + i;
            Assert.True(dedup.TryBegin(id));
            dedup.Complete(id);
        }

        Assert.Equal(1000, dedup.SeenCount);
        Assert.Equal(0, dedup.InFlightCount);
        Assert.False(dedup.TryBegin("evt-199999"));
        Assert.True(dedup.TryBegin("evt-0"));
    }

    [Fact]
    public void Each_id_is_claimed_once_across_many_threads()
    {
        var dedup = new EventDeduplicator(100_000, TimeSpan.FromMinutes(10), new FakeTimeProvider());
        const int Ids = 2_000;
        const int Threads = 8;
        int[] wins = new int[Ids];
        using var start = new Barrier(Threads);
        Thread[] threads = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int round = 0; round < 3; round++)
            {
                for (int i = 0; i < Ids; i++)
                {
                    int index = (i + (t * 97)) % Ids;
                    string id = "evt-" + index;
                    if (dedup.TryBegin(id))
                    {
                        Interlocked.Increment(ref wins[index]);
                        if ((index & 1) == 0)
                        {
                            dedup.Complete(id);
                        }
                    }
                }
            }
        }))];
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.All(wins, count => Assert.Equal(1, count));
        Assert.Equal(Ids / 2, dedup.SeenCount);
        Assert.Equal(Ids / 2, dedup.InFlightCount);
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventDeduplicator(0, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventDeduplicator(1, TimeSpan.Zero));
        var dedup = new EventDeduplicator(1, TimeSpan.FromMinutes(1));
        Assert.Throws<ArgumentNullException>(() => dedup.TryBegin(null!));
    }
}
