using MitiAgent.Protocol;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Tests.Telemetry;

public sealed class ConnectionTelemetryTests
{
    [Fact]
    public async Task Connections_count_up_at_hello_and_down_when_the_client_stops()
    {
        await using var t = await TelemetryHarness.CreateAsync();

        await t.Client.StartAsync(new TestHandler());

        Assert.Equal(1, t.Metrics.Sum(Instruments.Connections));
        Assert.Equal([1.0], t.Metrics.Of(Instruments.Connections).Select(m => m.Value));
        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "initial"), (Tags.TokenOutcome, "success")));
        Assert.Empty(t.Metrics.Of(Instruments.Reconnects));

        await t.Client.StopAsync();

        Assert.Equal(0, t.Metrics.Sum(Instruments.Connections));
        Assert.Equal([1.0, -1.0], t.Metrics.Of(Instruments.Connections).Select(m => m.Value));
        Assert.Empty(t.Metrics.Of(Instruments.Reconnects));
    }

    public static TheoryData<string> Faults => new()
    {
        "server_closed",
        "token_revoked",
        "malformed_frame",
        "ping_timeout",
        "connection_lost",
        "server_reconnect",
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task A_reconnect_is_counted_once_with_its_reason(string reason)
    {
        await using var t = await TelemetryHarness.CreateAsync();
        var host = t.Host;
        await t.Client.StartAsync(new TestHandler());
        string first = host.Emulator.GetConnections().Single().ConnId;

        switch (reason)
        {
            case "server_closed":
                host.Emulator.Faults.CloseConnection(first, WireNames.CloseCodes.GoingAway);
                break;
            case "token_revoked":
                host.Emulator.Faults.RevokeTokens(EmulatorTestHost.AppId);
                break;
            case "malformed_frame":
                host.Emulator.Faults.CloseConnection(first, WireNames.CloseCodes.MalformedFrame);
                break;
            case "ping_timeout":
                host.Emulator.Faults.SetSilent(first);
                host.Time.Advance(TimeSpan.FromSeconds(60));
                break;
            case "connection_lost":
                host.Emulator.Faults.DropConnection(first);
                break;
            case "server_reconnect":
                host.Emulator.Faults.SendReconnect(first, "deploy", Timeout.InfiniteTimeSpan);
                break;
        }

        await t.AdvanceUntilAsync(
            () => host.Emulator.GetConnections().Any(c => c.ConnId != first) && t.Client.State == MitiClientState.Connected,
            "reconnected");
        await t.WaitForAsync(m => m.Sum(Instruments.Connections) == 1 && m.Of(Instruments.Connections).Count == 3, "old connection counted down");

        var reconnect = Assert.Single(t.Metrics.Of(Instruments.Reconnects));
        Assert.Equal(1, reconnect.Value);
        Assert.Equal(reason, reconnect.Tags[Tags.ReconnectReason]);
        Assert.Single(reconnect.Tags);
        if (reason == "token_revoked")
        {
            Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "on_demand"), (Tags.TokenOutcome, "success")));
        }
    }

    [Fact]
    public async Task Handshake_429_counts_a_rate_limited_answer_and_a_rate_limited_redial()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        t.Host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(1), WireNames.Paths.Gateway);

        var start = t.Client.StartAsync(new TestHandler());
        await t.AdvanceUntilAsync(() => start.IsCompleted, "connected after the 429");
        await start;

        Assert.Equal(1, Assert.Single(t.Metrics.Of(Instruments.RateLimited, (Tags.Operation, "gateway"))).Value);
        Assert.Equal(1, Assert.Single(t.Metrics.Of(Instruments.Reconnects, (Tags.ReconnectReason, "rate_limited"))).Value);
        Assert.Single(t.Metrics.Of(Instruments.Reconnects));
        Assert.Equal(1, t.Metrics.Sum(Instruments.Connections));
    }

    [Fact]
    public async Task Handshake_401_counts_a_token_invalid_redial_and_an_on_demand_token_request()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        t.Host.Emulator.Faults.FailNextRequests(1, 401, pathPrefix: WireNames.Paths.Gateway);

        await t.Client.StartAsync(new TestHandler()).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(1, Assert.Single(t.Metrics.Of(Instruments.Reconnects, (Tags.ReconnectReason, "token_invalid"))).Value);
        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "initial"), (Tags.TokenOutcome, "success")));
        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "on_demand"), (Tags.TokenOutcome, "success")));
    }

    [Fact]
    public async Task Scheduled_token_refreshes_are_counted_with_their_outcome()
    {
        // A long ping interval keeps liveness out of the way while the fake clock jumps ahead.
        await using var t = await TelemetryHarness.CreateAsync(emulator: o => o.PingInterval = TimeSpan.FromHours(1), tokenLifetime: TimeSpan.FromSeconds(100));
        await t.Client.StartAsync(new TestHandler());
        t.Host.Emulator.Faults.FailNextRequests(1, 503, pathPrefix: WireNames.Paths.Token);

        t.Host.Time.Advance(TimeSpan.FromSeconds(80)); // 80 % of the lifetime: the proactive refresh fails once
        await t.WaitForAsync(m => m.Of(Instruments.TokenRefreshes, (Tags.TokenOutcome, "failure")).Count == 1, "failed refresh counted");
        await t.AdvanceUntilAsync(
            () => t.Metrics.Of(Instruments.TokenRefreshes, (Tags.TokenTrigger, "scheduled"), (Tags.TokenOutcome, "success")).Count == 1,
            "refresh retried");

        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "scheduled"), (Tags.TokenOutcome, "failure")));
        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "scheduled"), (Tags.TokenOutcome, "success")));
        Assert.Equal(1, t.Metrics.Sum(Instruments.TokenRefreshes, (Tags.TokenTrigger, "initial"), (Tags.TokenOutcome, "success")));
        Assert.Equal(3, t.Metrics.Of(Instruments.TokenRefreshes).Count);
        Assert.All(t.Metrics.Of(Instruments.TokenRefreshes), m => Assert.Equal(2, m.Tags.Count));
    }

    [Fact]
    public async Task A_429_on_send_is_counted_as_rate_limited_send()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        t.Host.Emulator.RegisterUser("u_429");
        await t.Client.StartAsync(new TestHandler());
        t.Host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(2), WireNames.Paths.SendMessage);

        var send = t.Client.SendMessageAsync(MessageTarget.User("u_429"), OutgoingContent.Text("after the pause"));
        await t.WaitForAsync(m => m.Of(Instruments.RateLimited).Count == 1, "429 counted");
        await t.AdvanceUntilAsync(() => send.IsCompleted, "sent after Retry-After");
        await send;

        Assert.Equal(1, Assert.Single(t.Metrics.Of(Instruments.RateLimited, (Tags.Operation, "send"))).Value);
    }

    [Fact]
    public async Task A_terminal_frame_resent_after_lost_acks_counts_stream_retries()
    {
        await using var t = await TelemetryHarness.CreateAsync();
        var got = new TaskCompletionSource<MessageEvent>();
        var release = new TaskCompletionSource();
        await t.Client.StartAsync(new TestHandler { OnMessage = async (e, _) => { got.TrySetResult(e); await release.Task; } });
        t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "stream please");
        var e = await got.Task.WaitAsync(TimeSpan.FromSeconds(20));
        t.Host.Emulator.Faults.DropAcks(2);

        var complete = e.ReplyCompletedAsync("once");
        await t.AdvanceUntilAsync(() => complete.IsCompleted, "acked final frame");
        await complete;

        Assert.Equal(2, t.Metrics.Sum(Instruments.StreamRetries));
        Assert.All(t.Metrics.Of(Instruments.StreamRetries), m => Assert.Empty(m.Tags));
        release.SetResult();
    }
}
