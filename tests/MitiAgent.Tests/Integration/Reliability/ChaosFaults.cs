using MitiAgent.Emulator;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Reliability;

/// <summary>The faults of the chaos run (issue 14 §1).</summary>
internal enum ChaosFault
{
    /// <summary>Close frame 1000/1001 from the server.</summary>
    Close,

    /// <summary>TCP reset, no close frame.</summary>
    Abort,

    /// <summary>The connection stays open but the server writes nothing: no pongs, events or acks.</summary>
    Silence,

    /// <summary>Every token of the app revoked: REST 401, connections closed with 4001.</summary>
    RevokeToken,

    /// <summary>The next 1–3 events are written twice.</summary>
    DuplicateDelivery,

    /// <summary>The next 1–3 event acks are ignored (lost): the events are redelivered.</summary>
    LoseEventAcks,

    /// <summary>The next 1–2 acks of final stream frames are not sent: the frames are resent.</summary>
    LoseFinalFrameAcks,

    /// <summary>Acks of final stream frames arrive 0.2–1.5 ack timeouts late, for a while.</summary>
    DelayFinalFrameAcks,

    /// <summary>The next 1–3 sends answered HTTP 429 with <c>Retry-After: 1</c>.</summary>
    Send429,

    /// <summary>The next 1–3 sends answered HTTP 500/502/503.</summary>
    Send5xx,

    /// <summary>A <c>reconnect</c> frame, the connection closed 2–20 s (protocol time) later.</summary>
    ReconnectFrame,
}

/// <summary>
/// A seeded random fault scheduler over the emulator's fault injection, in two loops. Connection-breaking faults
/// (close, abort, silence, revocation) come in a shuffled cycle, one per <c>hardSpacing</c>–<c>hardSpacing</c>+1 s
/// (real time): the spacing is just over the SDK's 60 s (protocol time) "stable connection" that resets its reconnect
/// backoff, so the run measures recovery rather than a client parked in a 60 s backoff. Every other fault comes every
/// 60–240 ms. Each loop has its own <see cref="Random"/> from the seed (replay: the same seed gives the same fault
/// sequence; where a fault lands depends on timing).
/// </summary>
internal sealed class ChaosFaults(MitiEmulator emulator, string appId, int seed, TimeSpan ackTimeout, TimeSpan hardSpacing)
{
    private static readonly ChaosFault[] Hard = [ChaosFault.Close, ChaosFault.Abort, ChaosFault.Silence, ChaosFault.RevokeToken];

    private static readonly ChaosFault[] Soft =
    [
        ChaosFault.DuplicateDelivery, ChaosFault.LoseEventAcks, ChaosFault.LoseFinalFrameAcks, ChaosFault.DelayFinalFrameAcks,
        ChaosFault.Send429, ChaosFault.Send5xx, ChaosFault.ReconnectFrame,
    ];

    private static readonly int[] ServerErrors = [500, 502, 503];

    private readonly int[] _counts = new int[Enum.GetValues<ChaosFault>().Length];

    /// <summary>Faults applied so far, by kind.</summary>
    public IReadOnlyDictionary<ChaosFault, int> Counts =>
        Enum.GetValues<ChaosFault>().ToDictionary(k => k, k => Volatile.Read(ref _counts[(int)k]));

    /// <summary>Applies faults until <paramref name="stop"/> is cancelled, then clears the lasting ones (ack delay).</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        try
        {
            await Task.WhenAll(HardLoopAsync(new Random(seed), stop), SoftLoopAsync(new Random(unchecked(seed * 31 + 7)), stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Done.
        }
        finally
        {
            emulator.Faults.DelayAcks(TimeSpan.Zero);
        }
    }

    private async Task HardLoopAsync(Random random, CancellationToken stop)
    {
        var cycle = new Queue<ChaosFault>();
        while (true)
        {
            await Task.Delay(hardSpacing + TimeSpan.FromMilliseconds(random.Next(0, 1000)), stop);
            if (cycle.Count == 0)
            {
                foreach (ChaosFault kind in Hard.OrderBy(_ => random.Next()))
                {
                    cycle.Enqueue(kind);
                }
            }

            if (Apply(cycle.Peek(), random))
            {
                cycle.Dequeue();
            }
        }
    }

    private async Task SoftLoopAsync(Random random, CancellationToken stop)
    {
        long delayedUntil = 0;
        while (true)
        {
            await Task.Delay(random.Next(60, 240), stop);
            if (delayedUntil != 0 && Environment.TickCount64 > delayedUntil)
            {
                emulator.Faults.DelayAcks(TimeSpan.Zero);
                delayedUntil = 0;
            }

            ChaosFault kind = Soft[random.Next(Soft.Length)];
            if (kind == ChaosFault.DelayFinalFrameAcks)
            {
                if (delayedUntil != 0)
                {
                    continue;
                }

                delayedUntil = Environment.TickCount64 + random.Next(300, 800);
            }

            Apply(kind, random);
        }
    }

    /// <summary>Applies one fault; <see langword="false"/> when it found no connection to apply it to.</summary>
    private bool Apply(ChaosFault kind, Random random)
    {
        IReadOnlyList<ConnectionInfo> open = emulator.GetConnections(appId);
        ConnectionInfo? target = open.Count == 0 ? null : open[random.Next(open.Count)];
        try
        {
            switch (kind)
            {
                case ChaosFault.Close when target is not null:
                    emulator.Faults.CloseConnection(target.ConnId, random.Next(2) == 0 ? 1000 : 1001, "chaos");
                    break;
                case ChaosFault.Abort when target is not null:
                    emulator.Faults.DropConnection(target.ConnId);
                    break;
                case ChaosFault.Silence when target is not null && !target.Silent:
                    emulator.Faults.SetSilent(target.ConnId);
                    break;
                case ChaosFault.RevokeToken when target is not null:
                    emulator.Faults.RevokeTokens(appId);
                    break;
                case ChaosFault.DuplicateDelivery:
                    emulator.Faults.DeliverNextEventsTwice(random.Next(1, 4));
                    break;
                case ChaosFault.LoseEventAcks:
                    emulator.Faults.IgnoreEventAcks(random.Next(1, 4));
                    break;
                case ChaosFault.LoseFinalFrameAcks:
                    emulator.Faults.DropAcks(random.Next(1, 3));
                    break;
                case ChaosFault.DelayFinalFrameAcks:
                    emulator.Faults.DelayAcks(ackTimeout * (0.2 + random.NextDouble() * 1.3));
                    break;
                case ChaosFault.Send429:
                    emulator.Faults.FailNextRequests(random.Next(1, 4), 429, TimeSpan.FromSeconds(1), WireNames.Paths.SendMessage);
                    break;
                case ChaosFault.Send5xx:
                    emulator.Faults.FailNextRequests(random.Next(1, 4), ServerErrors[random.Next(ServerErrors.Length)], null, WireNames.Paths.SendMessage);
                    break;
                case ChaosFault.ReconnectFrame when open.Count == 1 && !target!.Silent:
                    emulator.Faults.SendReconnect(target.ConnId, "chaos rebalancing", TimeSpan.FromSeconds(random.Next(2, 20)));
                    break;
                default:
                    return false; // no (suitable) connection right now
            }
        }
        catch (ArgumentException)
        {
            return false; // the connection closed meanwhile
        }

        Interlocked.Increment(ref _counts[(int)kind]);
        return true;
    }
}
