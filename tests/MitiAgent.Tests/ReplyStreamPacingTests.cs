using Microsoft.Extensions.Time.Testing;
using MitiAgent.Protocol;

namespace MitiAgent.Tests;

/// <summary>
/// Spec §6.2: at most one <c>delta</c> frame per run per 50 ms, whatever the producer does, and the deltas joined equal
/// the answer written so far at every flush. The timers run like real ones: their callbacks are queued when due and run
/// a little later (as on a busy thread pool), so a write can race an already fired timer.
/// </summary>
public class ReplyStreamPacingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(20)]
    public async Task A_1000_tokens_per_second_producer_gets_at_most_20_frames_per_second_and_every_gap_is_the_interval(int timerLatenessMs)
    {
        var clock = new LatePoolClock(TimeSpan.FromMilliseconds(timerLatenessMs));
        var recorder = new DeltaRecorder(clock);
        MitiReplyStream stream = recorder.Event.OpenStream();

        // 2 s of one token per millisecond.
        for (int i = 0; i < 2000; i++)
        {
            await stream.AppendAsync("t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ");
            recorder.Observe(stream);
            clock.Advance(TimeSpan.FromMilliseconds(1));
            recorder.Observe(stream);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        recorder.Observe(stream);

        recorder.AssertPaced();
        Assert.InRange(recorder.Times.Count, 40, 41); // 2 s at ≤ 20 frames/s, plus the first frame and the tail
        Assert.Equal(stream.Answer, string.Concat(recorder.Sink.Deltas.Select(d => d.Delta)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(49)]
    public async Task Bursts_around_timer_boundaries_never_send_two_frames_within_an_interval(int timerLatenessMs)
    {
        var clock = new LatePoolClock(TimeSpan.FromMilliseconds(timerLatenessMs));
        var recorder = new DeltaRecorder(clock);
        MitiReplyStream stream = recorder.Event.OpenStream();
        int token = 0;

        async Task BurstAsync(int count)
        {
            for (int i = 0; i < count; i++)
            {
                await stream.AppendAsync("b" + (token++).ToString(System.Globalization.CultureInfo.InvariantCulture) + " ", i % 3 == 0 ? "r" : null);
                recorder.Observe(stream);
            }
        }

        await BurstAsync(5); // t = 0: the first frame leaves at once
        for (int round = 0; round < 20; round++)
        {
            // Just before the boundary, at it (before and after the timer callback got to run), and just after it.
            clock.Advance(TimeSpan.FromMilliseconds(49) + TimeSpan.FromTicks(9_999));
            recorder.Observe(stream);
            await BurstAsync(10);
            clock.Advance(TimeSpan.FromTicks(1));
            recorder.Observe(stream);
            await BurstAsync(10);
            clock.RunPool();
            recorder.Observe(stream);
            await BurstAsync(10);
            clock.Advance(TimeSpan.FromTicks(1));
            recorder.Observe(stream);
            await BurstAsync(3);
            await stream.FlushAsync();
            recorder.Observe(stream);
        }

        clock.Advance(TimeSpan.FromSeconds(1));
        recorder.Observe(stream);

        recorder.AssertPaced();
        Assert.Equal(stream.Answer, string.Concat(recorder.Sink.Deltas.Select(d => d.Delta)));
        Assert.DoesNotContain(recorder.Sink.Deltas, d => d.Delta is null && d.ReasoningDelta is null);
        Assert.InRange(recorder.Times.Count, 2, 22); // about 1 s of bursts: ≤ 20 frames plus the first and the tail
    }

    [Fact]
    public async Task A_direct_flush_disarms_the_armed_timer_so_a_late_callback_sends_nothing_early()
    {
        var clock = new LatePoolClock(TimeSpan.FromMilliseconds(5));
        var recorder = new DeltaRecorder(clock);
        MitiReplyStream stream = recorder.Event.OpenStream();

        await stream.AppendAsync("a");                     // t = 0: sent
        clock.Advance(TimeSpan.FromMilliseconds(10));
        await stream.AppendAsync("b");                     // t = 10: timer armed for t = 50
        clock.Advance(TimeSpan.FromMilliseconds(40));      // t = 50: the timer fired; its callback waits for the pool
        await stream.AppendAsync("c");                     // t = 50: the interval has passed: "bc" leaves at once
        Assert.Equal(["a", "bc"], recorder.Sink.Deltas.Select(d => d.Delta));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await stream.AppendAsync("d");                     // t = 51
        clock.Advance(TimeSpan.FromMilliseconds(4));       // t = 55: the late callback runs: too early for "d"
        Assert.Equal(["a", "bc"], recorder.Sink.Deltas.Select(d => d.Delta));

        clock.Advance(TimeSpan.FromMilliseconds(45));      // t = 100 (+ 5 ms lateness): "d" leaves
        clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(["a", "bc", "d"], recorder.Sink.Deltas.Select(d => d.Delta));
        Assert.Equal([1, 2, 3], recorder.Sink.Deltas.Select(d => d.Seq));
    }

    [Fact]
    public async Task Flush_within_the_interval_waits_for_its_end()
    {
        var time = new FakeTimeProvider();
        var sink = new FakeSink(time);
        MitiReplyStream stream = Frames.Event<MessageEvent>(Frames.DirectMessage, sink).OpenStream();
        await stream.AppendAsync("a");
        await stream.AppendAsync("b");
        await stream.FlushAsync();
        Assert.Equal(["a"], sink.Deltas.Select(d => d.Delta));

        time.Advance(Interval);
        Assert.Equal(["a", "b"], sink.Deltas.Select(d => d.Delta));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, sink.Deltas.Count);
    }

    /// <summary>Records when each delta frame left and checks the joined deltas against the answer at every flush.</summary>
    private sealed class DeltaRecorder
    {
        private readonly LatePoolClock _clock;

        public DeltaRecorder(LatePoolClock clock)
        {
            _clock = clock;
            Sink = new FakeSink(clock);
            Event = Frames.Event<MessageEvent>(Frames.DirectMessage, Sink);
        }

        public FakeSink Sink { get; }

        public MessageEvent Event { get; }

        public List<TimeSpan> Times { get; } = [];

        /// <summary>Call after every step that may send: records the time of new frames and checks the joined text.</summary>
        public void Observe(MitiReplyStream stream)
        {
            int count = Sink.Deltas.Count;
            if (count == Times.Count)
            {
                return;
            }

            Assert.Equal(Times.Count + 1, count); // one step never sends two frames
            Times.Add(_clock.Now);
            Assert.Equal(stream.Answer, string.Concat(Sink.Deltas.Select(d => d.Delta)));
        }

        public void AssertPaced()
        {
            Assert.Equal(Enumerable.Range(1, Sink.Deltas.Count), Sink.Deltas.Select(d => d.Seq));
            for (int i = 1; i < Times.Count; i++)
            {
                TimeSpan gap = Times[i] - Times[i - 1];
                Assert.True(gap >= Interval, "frames " + i + " and " + (i + 1) + " left " + gap.TotalMilliseconds + " ms apart");
            }
        }
    }

    /// <summary>
    /// A clock over <see cref="FakeTimeProvider"/> whose timer callbacks run like thread-pool work: queued when due,
    /// run <c>lateness</c> later (during <see cref="Advance"/> or <see cref="RunPool"/>), also after the timer was changed.
    /// </summary>
    private sealed class LatePoolClock(TimeSpan lateness) : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new();
        private readonly List<(TimeSpan RunAt, Action Callback)> _queued = [];

        public TimeSpan Now => _fake.GetUtcNow() - _fake.Start;

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            _fake.CreateTimer(_ => _queued.Add((Now + lateness, () => callback(state))), null, dueTime, period);

        /// <summary>Moves time in steps of at most 1 ms, running the queued callbacks that are due on the way.</summary>
        public void Advance(TimeSpan by)
        {
            TimeSpan end = Now + by;
            while (Now < end)
            {
                TimeSpan step = end - Now < TimeSpan.FromMilliseconds(1) ? end - Now : TimeSpan.FromMilliseconds(1);
                _fake.Advance(step);
                RunPool();
            }
        }

        /// <summary>Runs the queued callbacks that are due.</summary>
        public void RunPool()
        {
            while (_queued.FindIndex(q => q.RunAt <= Now) is var index and >= 0)
            {
                Action callback = _queued[index].Callback;
                _queued.RemoveAt(index);
                callback();
            }
        }
    }
}
