using System.Diagnostics;
using System.Runtime.CompilerServices;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Issue 14 §6, over loopback against the emulator: handlers that block their thread forever, throw, or ignore their
/// cancellation stall neither the keepalive nor other events; <see cref="MitiAgentClient.StopAsync"/> still returns
/// within <see cref="MitiAgentOptions.ShutdownTimeout"/> + 1 s; and 100 start/stop cycles leave no socket, timer or
/// run behind.
/// </summary>
public sealed class ClientMisbehavingHandlerTests
{
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Blocking_throwing_and_cancellation_ignoring_handlers_stall_neither_pings_nor_other_events()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.PingInterval = Ping);
        using var unblock = new ManualResetEventSlim();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int entered = 0;
        await using var client = host.CreateClient(o => o.MaxConcurrency = 8);
        try
        {
            await client.StartAsync(new TestHandler
            {
                OnMessage = async (e, ct) =>
                {
                    switch (e.Message.Text)
                    {
                        case "block":
                            Interlocked.Increment(ref entered);
                            unblock.Wait(CancellationToken.None); // holds a thread-pool thread, never looks at ct
                            break;
                        case "ignore":
                            Interlocked.Increment(ref entered);
                            await never.Task; // never completes, never looks at ct
                            break;
                        case "throw":
                            Interlocked.Increment(ref entered);
                            throw new InvalidOperationException("handler bug");
                        default:
                            await e.ReplyAsync("echo " + e.Message.Text, ct);
                            break;
                    }
                },
            });
            string connId = (await host.Emulator.WaitForConnectionAsync()).ConnId;
            foreach (string kind in new[] { "block", "ignore", "throw", "block", "ignore", "throw" })
            {
                host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_bad", kind);
            }

            await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref entered) == 6, "the six misbehaving handlers to start");

            // Five ping intervals (2.5 × the liveness deadline): every ping is answered, and an event sent in each
            // interval is answered while four handlers never return.
            for (int i = 1; i <= 5; i++)
            {
                var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_good", "good " + i);
                var reply = await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId, TimeSpan.FromSeconds(10));
                Assert.Equal("echo good " + i, reply.Text);

                host.Time.Advance(Ping);
                await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.GetConnections().Single().PingsReceived == i, $"ping {i}");
                await Task.Delay(50); // let the pong reach the client before the fake clock jumps again
            }

            Assert.Equal(MitiClientState.Connected, client.State);
            Assert.Equal(connId, Assert.Single(host.Emulator.GetConnections()).ConnId);
            Assert.Empty(host.Emulator.ClosedConnections);
            Assert.False(host.Logged("gateway connection lost"));
            Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId.Id == 2011 && e.Exception is InvalidOperationException));
        }
        finally
        {
            unblock.Set();
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task Stop_returns_half_a_second_after_the_shutdown_timeout_when_a_handler_ignores_cancellation()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = host.CreateClient(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        try
        {
            await client.StartAsync(new TestHandler
            {
                OnMessage = async (e, ct) =>
                {
                    entered.TrySetResult();
                    await never.Task;
                },
            });
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "stuck");
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

            DateTimeOffset stopAt = host.Time.GetUtcNow();
            var stop = client.StopAsync();
            await EmulatorTestHost.WaitUntilAsync(() => host.Logged("stopping: waiting up to 5s for 1 running handlers"), "drain log");
            host.Time.Advance(TimeSpan.FromSeconds(5));
            await EmulatorTestHost.WaitUntilAsync(() => host.Logged("shutdown timeout elapsed, cancelling 1 running handlers"), "cancel log");
            await Task.Delay(100);
            Assert.False(stop.IsCompleted); // the cancelled handler gets its grace on the SDK's clock

            host.Time.Advance(TimeSpan.FromMilliseconds(500));
            await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(5)));
            if (!stop.IsCompleted)
            {
                // The grace timer was armed late (a loaded machine): the bound below still holds up to +1 s.
                await host.AdvanceUntilAsync(() => stop.IsCompleted, TimeSpan.FromMilliseconds(100), "stop returned", maxSteps: 5);
            }

            await stop.WaitAsync(TimeSpan.FromSeconds(10));

            TimeSpan took = host.Time.GetUtcNow() - stopAt;
            Assert.InRange(took, TimeSpan.FromSeconds(5.5), TimeSpan.FromSeconds(6));
            Assert.Equal(MitiClientState.Stopped, client.State);
            Assert.True(host.Logged("1 handlers ignored cancellation for 500ms, stopping without them"));
            Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
            Assert.Equal(0, host.OpenConnections());
        }
        finally
        {
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task Stop_returns_within_the_shutdown_timeout_plus_one_second_on_the_real_clock()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        using var unblock = new ManualResetEventSlim();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int entered = 0;
        var shutdownTimeout = TimeSpan.FromMilliseconds(300);
        await using var client = new MitiAgentClient(host.Options(o => o.ShutdownTimeout = shutdownTimeout), host.LoggerFactory, TimeProvider.System);
        try
        {
            await client.StartAsync(new TestHandler
            {
                OnMessage = async (e, ct) =>
                {
                    Interlocked.Increment(ref entered);
                    if (e.Message.Text == "block")
                    {
                        unblock.Wait(CancellationToken.None);
                    }
                    else
                    {
                        await never.Task;
                    }
                },
            });
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "block");
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "ignore");
            await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref entered) == 2, "both handlers running");

            var clock = Stopwatch.StartNew();
            await client.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
            clock.Stop();

            Assert.InRange(clock.Elapsed, shutdownTimeout, shutdownTimeout + TimeSpan.FromSeconds(1));
            Assert.Equal(MitiClientState.Stopped, client.State);
            Assert.True(host.Logged("2 handlers ignored cancellation for 500ms, stopping without them"));
            Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
        }
        finally
        {
            unblock.Set();
            never.TrySetResult();
        }
    }

    [Fact]
    public async Task Hundred_start_stop_cycles_leave_no_socket_timer_or_run_behind()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var time = new CountingTimeProvider(host.Time);
        (MitiAgentClient? client, WeakReference clientRef) = CreateClient(host, time);
        var runs = new List<WeakReference>();
        int? timersBetweenRuns = null;

        for (int i = 0; i < 100; i++)
        {
            runs.Add(await RunOnceAsync(host, client!, i));
            await client!.StopAsync();

            // Sockets: the emulator sees none open after each stop.
            await EmulatorTestHost.WaitUntilAsync(() => host.OpenConnections() == 0, $"no open connection after stop {i}");

            // Timers: the same number alive after every stop (the token's refresh timer outlives runs).
            timersBetweenRuns ??= time.Live;
            Assert.True(time.Live == timersBetweenRuns, $"after stop {i}: {time.Live} live timers, {timersBetweenRuns} after the first ({time.Created} created)");
        }

        Assert.Equal(100, host.Emulator.ClosedConnections.Count);
        Assert.All(host.Emulator.ClosedConnections, c => Assert.Equal(WireNames.CloseCodes.Normal, c.CloseCode));
        Assert.True(time.Created > 300, $"only {time.Created} timers created: the counter is not in the client's path");

        // Tasks and runs: nothing keeps a finished run (its handler, dispatcher, workers, socket) reachable.
        int[] alive = await StillReachableAsync(runs);
        Assert.True(alive.Length == 0, $"finished runs still reachable: {string.Join(", ", alive)}; live timers: {time.Describe()}");

        await client!.DisposeAsync();
        client = null;
        Assert.Equal(0, time.Live);
        Assert.True((await StillReachableAsync([clientRef])).Length == 0, "the disposed client is still reachable");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (MitiAgentClient Client, WeakReference Ref) CreateClient(EmulatorTestHost host, TimeProvider time)
    {
        var client = new MitiAgentClient(host.Options(), host.LoggerFactory, time);
        return (client, new WeakReference(client));
    }

    /// <summary>Starts a run with a new handler, has it answer one event, and returns a weak reference to the handler.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> RunOnceAsync(EmulatorTestHost host, MitiAgentClient client, int i)
    {
        var handler = new TestHandler { OnMessage = (e, ct) => e.ReplyAsync("run " + i, ct) };
        await client.StartAsync(handler);
        Assert.Equal(1, host.OpenConnections());
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "cycle " + i);
        await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId, TimeSpan.FromSeconds(10));
        return new WeakReference(handler);
    }

    /// <summary>
    /// The indexes of <paramref name="refs"/> still alive after full collections, retried for up to a second: the
    /// caller may run inline in the continuation of the client's last <c>StopAsync</c>, whose state machine (holding
    /// the client and its run) is cleared only once that thread has unwound. A real leak stays alive.
    /// </summary>
    private static async Task<int[]> StillReachableAsync(IReadOnlyList<WeakReference> refs)
    {
        int[] alive = [];
        for (int attempt = 0; attempt < 50; attempt++)
        {
            await Task.Delay(20);
            for (int i = 0; i < 2; i++)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true);
                GC.WaitForPendingFinalizers();
            }

            alive = Enumerable.Range(0, refs.Count).Where(i => refs[i].IsAlive).ToArray();
            if (alive.Length == 0)
            {
                break;
            }
        }

        return alive;
    }

    /// <summary>A <see cref="TimeProvider"/> over another that counts the timers created and not yet disposed.</summary>
    private sealed class CountingTimeProvider(TimeProvider inner) : TimeProvider
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<CountedTimer, string> _timers = new();
        private int _live;
        private int _created;

        /// <summary>What the live timers call back (for failure messages).</summary>
        public string Describe() => string.Join("; ", _timers.Values);

        public int Live => Volatile.Read(ref _live);

        public int Created => Volatile.Read(ref _created);

        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

        public override long GetTimestamp() => inner.GetTimestamp();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _created);
            Interlocked.Increment(ref _live);
            var timer = new CountedTimer(inner.CreateTimer(callback, state, dueTime, period), this);
            _timers[timer] = $"{callback.Method.DeclaringType?.Name}.{callback.Method.Name}({state?.GetType().Name}) due {dueTime} period {period}";
            return timer;
        }

        private sealed class CountedTimer(ITimer timer, CountingTimeProvider owner) : ITimer
        {
            private int _disposed;

            public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref owner._live);
                    owner._timers.TryRemove(this, out _);
                }

                timer.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                Dispose();
                return ValueTask.CompletedTask;
            }
        }
    }
}
