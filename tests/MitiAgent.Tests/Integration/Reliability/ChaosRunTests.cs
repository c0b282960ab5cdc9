using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using MitiAgent.Emulator;
using MitiAgent.Protocol;
using Xunit.Abstractions;

namespace MitiAgent.Tests.Integration.Reliability;

/// <summary>Runs alone: it loads both cores, and timing-sensitive tests elsewhere must not share them with it.</summary>
[CollectionDefinition(nameof(ChaosRunTests), DisableParallelization = true)]
public sealed class ChaosRunCollection;

/// <summary>
/// Issue 14 §1, the chaos run: thousands of user messages to one agent over real loopback sockets while a seeded
/// scheduler applies every fault the emulator has. Every event delivered while a connection was open is handled
/// exactly once and answered exactly once (one reply, or one final stream frame). Environment:
/// <c>MITI_CHAOS_EVENTS</c> (default 2 000), <c>MITI_CHAOS_SEED</c> (default random; printed).
/// </summary>
[Collection(nameof(ChaosRunTests))]
public sealed class ChaosRunTests(ITestOutputHelper output)
{
    /// <summary>Protocol seconds per real second (see <see cref="ScaledTimeProvider"/>).</summary>
    private const double TimeScale = 50;

    /// <summary>Injection rate in real time.</summary>
    private const int EventsPerSecond = 100;

    /// <summary>Share of messages answered with a stream (the rest with one <c>messages/send</c> reply).</summary>
    private const double StreamedShare = 0.3;

    private const string AppId = EmulatorTestHost.AppId;

    // Protocol time: ack timeout 10 s (200 ms real), ping every 10 s so a silent connection is dead after 20 s (400 ms).
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PingInterval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Every_delivered_event_is_handled_once_and_answered_once_under_every_fault()
    {
        int events = EnvironmentInt("MITI_CHAOS_EVENTS", 2_000);
        int seed = EnvironmentInt("MITI_CHAOS_SEED", Random.Shared.Next());
        output.WriteLine($"chaos run: {events} events, seed {seed} (replay: MITI_CHAOS_SEED={seed} MITI_CHAOS_EVENTS={events})");

        var clock = new ScaledTimeProvider(TimeScale);
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.TimeProvider = clock;
            o.AckTimeout = AckTimeout;
            o.PingInterval = PingInterval;
            o.MaxDeliveryAttempts = 1_000; // the emulator never gives up an event while the SDK reconnects
        });
        var sdkLogs = new CapturingLoggerProvider();
        var ledger = new ChaosLedger();

        // MaxSendRetries: the run arms 429/5xx answers ~10 times a second, so one send can meet several armings in a
        // row; the default budget of 3 retries is for a real platform's rate of failures.
        await using var client = new MitiAgentClient(
            host.Options(o => o.MaxSendRetries = 10),
            new MinimumLevelLoggerFactory(new TestLoggerFactory(sdkLogs), LogLevel.Warning),
            clock);
        await client.StartAsync(new ChaosAgent(ledger));

        // The connection-breaking faults are spaced just over the SDK's 60 s "stable connection" (protocol time).
        var hardSpacing = TimeSpan.FromSeconds(60 / TimeScale * 1.3);
        var faults = new ChaosFaults(host.Emulator, AppId, seed, AckTimeout, hardSpacing);
        using var stopFaults = new CancellationTokenSource();
        Task faultLoop = faults.RunAsync(stopFaults.Token);

        // Inject at a steady rate while a connection is open (spec §4.3: an event with no open connection is not
        // delivered and not replayed; such events are counted but are not the agent's to handle).
        var random = new Random(seed);
        var delivered = new List<Injection>(events);
        int notDelivered = 0;
        var run = Stopwatch.StartNew();
        TimeSpan injectLimit = TimeSpan.FromSeconds(events / (double)EventsPerSecond * 2 + 30);
        TimeSpan interval = TimeSpan.FromSeconds(1.0 / EventsPerSecond);
        TimeSpan next = TimeSpan.Zero;
        while (delivered.Count < events && run.Elapsed < injectLimit)
        {
            if (run.Elapsed < next)
            {
                await Task.Delay(next - run.Elapsed);
            }

            next = Max(next + interval, run.Elapsed);
            if (host.Emulator.GetConnections(AppId).Count == 0)
            {
                await Task.Delay(2);
                continue;
            }

            bool streamed = random.NextDouble() < StreamedShare;
            string user = "u_chaos_" + random.Next(16).ToString(CultureInfo.InvariantCulture);
            long injectedAt = Stopwatch.GetTimestamp();
            InjectedEvent injected = host.Emulator.InjectMessage(AppId, user, (streamed ? "s:" : "r:") + delivered.Count.ToString(CultureInfo.InvariantCulture));
            if (injected.Delivered)
            {
                delivered.Add(new Injection(injected, injectedAt));
            }
            else
            {
                notDelivered++;
            }
        }

        TimeSpan injecting = run.Elapsed;
        await stopFaults.CancelAsync();
        await faultLoop;

        // Settle (bounded): every delivered event answered, nothing pending at the emulator.
        var settleLimit = Stopwatch.StartNew();
        while (settleLimit.Elapsed < TimeSpan.FromSeconds(60)
            && !(host.Emulator.GetPendingDeliveryCount(AppId) == 0 && Tally(host.Emulator, delivered, ledger, clock).Lost == 0))
        {
            await Task.Delay(100);
        }

        await client.StopAsync();
        await Task.Delay(200); // a late duplicate would land now
        TimeSpan total = run.Elapsed;

        Tallies t = Tally(host.Emulator, delivered, ledger, clock);
        string report = Report(events, seed, host.Emulator, faults, t, delivered.Count, notDelivered, ledger, sdkLogs, injecting, total);
        output.WriteLine(report);

        Assert.True(delivered.Count == events, "injection did not finish in time\n" + report);
        Assert.True(t.Lost == 0 && t.Duplicates == 0 && t.Strays == 0, report);
        Assert.Equal(0, host.Emulator.GetPendingDeliveryCount(AppId));
        Assert.All(faults.Counts, kv => Assert.True(kv.Value > 0, $"fault {kv.Key} never applied\n" + report));
    }

    private static Tallies Tally(MitiEmulator emulator, List<Injection> delivered, ChaosLedger ledger, ScaledTimeProvider clock)
    {
        var replies = emulator.SentMessages.Where(m => m.ReplyToMessageId is not null).ToLookup(m => m.ReplyToMessageId!, StringComparer.Ordinal);
        var finals = emulator.FinalAnswers.ToLookup(f => f.RunId, StringComparer.Ordinal);
        var terminalFrames = emulator.StreamFrames
            .Where(f => WireNames.StreamStates.IsTerminal(f.Frame.State))
            .ToLookup(f => f.Frame.RunId!, StringComparer.Ordinal);
        var ids = new HashSet<string>(delivered.Select(d => d.Event.EventId), StringComparer.Ordinal);

        int lost = 0, duplicates = 0;
        var latencies = new List<double>(delivered.Count);
        var examples = new List<string>();
        foreach (Injection d in delivered)
        {
            InjectedEvent e = d.Event;
            int handled = ledger.Handled.GetValueOrDefault(e.EventId);
            int sends = replies[e.MessageId!].Count();
            int finalCount = finals[e.RunId!].Count();
            int distinctTerminalFrames = terminalFrames[e.RunId!].Select(f => f.Frame.EventId).Distinct(StringComparer.Ordinal).Count();
            int answers = sends + finalCount;
            if (handled == 0 || answers == 0)
            {
                lost++;
                if (examples.Count < 10)
                {
                    examples.Add($"lost {e.EventId}: handled {handled}, replies {sends}, final answers {finalCount}, deliveries {emulator.Deliveries.Count(x => x.EventId == e.EventId)}, acks {emulator.EventAcks.Count(x => x.EventId == e.EventId)}");
                }
            }
            else if (handled > 1 || answers > 1 || distinctTerminalFrames > 1)
            {
                duplicates++;
                AddExample(examples, $"duplicate {e.EventId}: handled {handled}, replies {sends}, final answers {finalCount}, distinct final frames {distinctTerminalFrames}");
            }

            if (sends > 0)
            {
                latencies.Add(Stopwatch.GetElapsedTime(d.InjectedAt, replies[e.MessageId!].Min(m => m.Arrival)).TotalMilliseconds);
            }
            else if (finalCount > 0)
            {
                // The final answer's time is on the emulator's (scaled) clock: back to real milliseconds.
                latencies.Add(clock.RealMillisecondsAt(finals[e.RunId!].Min(f => f.CreateTime)) - clock.RealMillisecondsAtStopwatch(d.InjectedAt));
            }
        }

        int strays = ledger.Handled.Keys.Count(id => !ids.Contains(id));
        return new Tallies(lost, duplicates, strays, examples, latencies);
    }

    private static void AddExample(List<string> examples, string line)
    {
        if (examples.Count < 10)
        {
            examples.Add(line);
        }
    }

    private static string Report(
        int events, int seed, MitiEmulator emulator, ChaosFaults faults, Tallies t, int delivered, int notDelivered, ChaosLedger ledger,
        CapturingLoggerProvider sdkLogs, TimeSpan injecting, TimeSpan total)
    {
        var closed = emulator.ClosedConnections.Where(c => c.AppId == AppId).ToArray();
        var deliveries = emulator.Deliveries;
        int distinctDelivered = deliveries.Select(d => d.EventId).Distinct(StringComparer.Ordinal).Count();
        double[] lat = [.. t.Latencies.Order()];
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"chaos run figures (seed {seed}; replay: MITI_CHAOS_SEED={seed} MITI_CHAOS_EVENTS={events})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  events delivered: {delivered} of {events} asked ({notDelivered} injected with no open connection, not counted); injecting took {injecting.TotalSeconds:F1} s, whole run {total.TotalSeconds:F1} s real ({TimeScale}x protocol time)");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  faults: {string.Join(", ", faults.Counts.Select(kv => $"{kv.Key} {kv.Value}"))} (total {faults.Counts.Values.Sum()})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  reconnects: {closed.Length} connections ended ({string.Join(", ", closed.GroupBy(c => c.CloseCode?.ToString(CultureInfo.InvariantCulture) ?? "reset").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Count()}"))})");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  deliveries: {deliveries.Count} frames for {distinctDelivered} events ({deliveries.Count - distinctDelivered} redeliveries and duplicate writes); final frames received {emulator.StreamFrames.Count(f => WireNames.StreamStates.IsTerminal(f.Frame.State))} for {emulator.FinalAnswers.Count} final answers");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  handled: {ledger.Handled.Count} events ({ledger.Overloaded} by [OnOverload]); replies {emulator.SentMessages.Count}, final answers {emulator.FinalAnswers.Count}; handler failures {ledger.Failures.Count}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"  lost = {t.Lost}, duplicates = {t.Duplicates}, handled but never delivered = {t.Strays}");
        if (lat.Length > 0)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  event -> answer latency (injection to the reply or final answer at the emulator, real time): p50 {Percentile(lat, 0.50):F1} ms, p99 {Percentile(lat, 0.99):F1} ms, max {lat[^1]:F1} ms");
        }

        var warnings = sdkLogs.Entries.Where(e => e.Level >= LogLevel.Warning).GroupBy(e => e.EventId.Id).Select(g => $"{g.Key} x{g.Count()}: {g.First().Message}");
        sb.AppendLine("  SDK warnings by id: " + string.Join(" | ", warnings.Take(20)));
        foreach (string line in t.Examples.Concat(ledger.Failures.Take(10)))
        {
            sb.AppendLine("  " + line);
        }

        return sb.ToString();
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static int EnvironmentInt(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    private sealed record Injection(InjectedEvent Event, long InjectedAt);

    private sealed record Tallies(int Lost, int Duplicates, int Strays, List<string> Examples, List<double> Latencies);

    /// <summary>Passes only entries at or above a level (the SDK checks <c>IsEnabled</c> first, so Trace payloads are never built).</summary>
    private sealed class MinimumLevelLoggerFactory(ILoggerFactory inner, LogLevel minimum) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public ILogger CreateLogger(string categoryName) => new Filtered(inner.CreateLogger(categoryName), minimum);

        public void Dispose()
        {
        }

        private sealed class Filtered(ILogger logger, LogLevel minimum) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    logger.Log(logLevel, eventId, state, exception, formatter);
                }
            }
        }
    }
}
