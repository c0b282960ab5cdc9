using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MitiAgent.Diagnostics;
using MitiAgent.Gateway;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Spec §4.2: an event is acked on receipt, <b>before</b> its handler runs. Proven with a seam that holds the
/// gateway writer, not with timing luck.
/// </summary>
public sealed class ClientAckOrderTests
{
    private static bool IsAck(ReadOnlyMemory<byte> frame) =>
        Encoding.UTF8.GetString(frame.Span).Contains("\"type\":\"ack\"", StringComparison.Ordinal);

    [Fact]
    public async Task The_handler_does_not_start_until_its_ack_was_handed_to_the_socket()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ackHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.GatewaySendHook = async frame =>
        {
            if (IsAck(frame))
            {
                ackHeld.TrySetResult();
                await release.Task;
            }
        };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                started.TrySetResult();
                await e.ReplyAsync("answer", useMarkdown: false, ct);
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        await ackHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // The writer holds the ack: the handler must not have started, whatever the scheduler does meanwhile.
        await Task.Delay(200);
        Assert.False(started.Task.IsCompleted, "the handler started before its ack reached the socket");
        Assert.DoesNotContain(host.Emulator.EventAcks, a => a.EventId == injected.EventId);

        release.SetResult();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var sent = await host.Emulator.WaitForSentMessageAsync();
        var ack = host.Emulator.EventAcks.Single(a => a.EventId == injected.EventId);
        Assert.True(ack.Arrival < sent.Arrival, $"ack arrived #{ack.Arrival}, reply #{sent.Arrival}");
    }

    [Fact]
    public async Task An_ack_the_socket_never_sent_leaves_the_event_unhandled_for_its_redelivery()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var holdAcks = 1;
        var ackHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var never = new TaskCompletionSource();
        client.GatewaySendHook = async frame =>
        {
            if (IsAck(frame) && Interlocked.Exchange(ref holdAcks, 0) == 1)
            {
                ackHeld.TrySetResult();
                await never.Task.WaitAsync(TimeSpan.FromSeconds(30)); // until the socket is gone
            }
        };
        var handled = new ConcurrentQueue<string>();
        await client.StartAsync(new TestHandler { OnMessage = (e, _) => { handled.Enqueue(e.EventId); return Task.CompletedTask; } });
        string first = host.Emulator.GetConnections().Single().ConnId;

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        await ackHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Emulator.Faults.DropConnection(first);
        never.SetResult(); // the writer's SendAsync now fails on the dead socket: the ack is "not sent"

        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("ack not sent, event left for redelivery"), "ack-not-sent log");
        Assert.Empty(handled);

        // Reconnect, then the emulator redelivers the un-acked event after its ack timeout: handled exactly once.
        await host.AdvanceUntilAsync(() => host.Emulator.GetConnections().Any(c => c.ConnId != first), TimeSpan.FromMilliseconds(250), "reconnected");
        await host.AdvanceUntilAsync(() => handled.Count == 1, TimeSpan.FromSeconds(1), "redelivered and handled");
        Assert.Equal([injected.EventId], handled);
        Assert.True(host.Emulator.Deliveries.Count(d => d.EventId == injected.EventId) >= 2);
    }

    [Fact]
    public async Task Acks_jump_ahead_of_frames_already_waiting_for_the_writer()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        using var http = new HttpClient();
        var tokenResponse = await http.PostAsJsonAsync(
            host.Emulator.BaseUrl + WireNames.Paths.Token,
            new TokenRequest { AppId = EmulatorTestHost.AppId, AppSecret = EmulatorTestHost.AppSecret },
            MitiJsonContext.Default.TokenRequest);
        var token = (await tokenResponse.Content.ReadFromJsonAsync(MitiJsonContext.Default.ApiResponseTokenData))!.Data!.AccessToken!;

        var order = new ConcurrentQueue<string>();
        var holdFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int sends = 0;
        await using var socket = await GatewaySocket.ConnectAsync(
            MitiEndpoints.Resolve(host.Emulator.BaseUrl).GatewayUri, token, TimeSpan.FromSeconds(10), host.Time, NullLogger.Instance, new IgnoreFrames(), MitiMetrics.Shared, CancellationToken.None,
            async frame =>
            {
                order.Enqueue(IsAck(frame) ? "ack" : "frame");
                if (Interlocked.Increment(ref sends) == 1)
                {
                    firstHeld.TrySetResult();
                    await holdFirst.Task;
                }
            });

        // A large frame is on the wire (held), three more wait behind it; then an ack is queued.
        byte[] big = JsonPing(new string('x', 256 * 1024));
        Assert.True(socket.TrySend(big));
        await firstHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(socket.TrySend(big));
        }

        EventAck acked = socket.SendAck("evt-priority");
        holdFirst.SetResult();

        Assert.True(await acked.WaitAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        await EmulatorTestHost.WaitUntilAsync(() => order.Count == 5, "all frames written");
        Assert.Equal(["frame", "ack", "frame", "frame", "frame"], order);
    }

    [Fact]
    public async Task Two_hundred_immediate_replies_all_reach_the_server_after_their_acks()
    {
        // One event at a time. The emulator stamps the ack on its gateway reader and the reply on its HTTP handler,
        // two threads: a reply that left strictly after its ack can be stamped a hair earlier by the emulator's own
        // scheduling. A reply that left first (the bug: 4–30 ms ahead) shows as a gap beyond that noise. The writer
        // seam test above proves the ordering itself.
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler { OnMessage = (e, ct) => e.ReplyAsync("re:" + e.Text, useMarkdown: false, ct) });

        const int Count = 200;
        const int WarmUp = 5; // the emulator's first frames on a connection pay its JIT
        var gaps = new List<double>();
        for (int i = 0; i < WarmUp + Count; i++)
        {
            var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_" + (i % 7), "m" + i);
            var sent = await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId);
            var ack = await host.Emulator.WaitForEventAckAsync(injected.EventId);
            if (i >= WarmUp)
            {
                gaps.Add(Stopwatch.GetElapsedTime(sent.Arrival, ack.Arrival).TotalMilliseconds); // > 0: the reply was stamped first
            }
        }

        Assert.Equal(WarmUp + Count, host.Emulator.SentMessages.Count);
        AckOrder.AssertNoReplyAheadOfItsAck(gaps);
    }

    private static byte[] JsonPing(string padding) =>
        Encoding.UTF8.GetBytes("{\"type\":\"ping\",\"ts\":1,\"padding\":\"" + padding + "\"}");

    private sealed class IgnoreFrames : IGatewayFrameHandler
    {
        public ValueTask OnEvent(GatewaySocket socket, ReadOnlySpan<byte> utf8Frame) => default;

        public void OnAck(AckFrame ack)
        {
        }
    }
}

/// <summary>Judges the emulator's ack/reply arrival stamps.</summary>
internal static class AckOrder
{
    /// <summary>Beyond this a reply stamped before its ack is the agent's fault, not the emulator's two threads.</summary>
    public const double SchedulingNoiseMs = 2;

    /// <param name="gaps">Per event, how many ms the reply was stamped before its ack (negative: after it).</param>
    public static void AssertNoReplyAheadOfItsAck(IReadOnlyList<double> gaps)
    {
        int stampedFirst = gaps.Count(g => g > 0);
        double worst = gaps.Max();
        string summary = $"{gaps.Count} replies; {stampedFirst} stamped before their ack, worst by {worst:F3} ms";
        Assert.True(worst <= SchedulingNoiseMs, summary);
        Assert.True(stampedFirst <= gaps.Count / 10, summary);
    }
}
