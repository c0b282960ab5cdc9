using MitiAgent.Emulator;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientGatewayTests
{
    private static readonly TimeSpan Ping = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Pings_every_ping_interval_from_hello()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.PingInterval = TimeSpan.FromSeconds(10));
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());

        for (int i = 1; i <= 3; i++)
        {
            host.Time.Advance(TimeSpan.FromSeconds(10));
            await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.GetConnections().Single().PingsReceived == i, $"ping {i}");
            await Task.Delay(50); // let the pong reach the client before the fake clock jumps again
        }

        Assert.Equal(1, host.OpenConnections());
    }

    [Fact]
    public async Task Silent_connection_is_declared_dead_after_two_ping_intervals_and_replaced()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());
        string zombie = host.Emulator.GetConnections().Single().ConnId;
        host.Emulator.Faults.SetSilent(zombie);

        host.Time.Advance(Ping * 2 - TimeSpan.FromMilliseconds(10));
        await Task.Delay(100);
        Assert.Equal(MitiClientState.Connected, client.State);

        host.Time.Advance(TimeSpan.FromMilliseconds(10));
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("gateway connection lost") || host.Logged("no frame"), "liveness timeout");
        await host.AdvanceUntilAsync(() => host.Emulator.GetConnections().Any(c => c.ConnId != zombie) && client.State == MitiClientState.Connected, TimeSpan.FromMilliseconds(250), "reconnected");
        Assert.True(host.Logged("reconnecting in"));
    }

    [Fact]
    public async Task Dropped_connection_reconnects_after_jittered_backoff_with_one_socket_at_a_time()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());

        for (int round = 0; round < 3; round++)
        {
            string before = host.Emulator.GetConnections().Single().ConnId;
            host.Emulator.Faults.DropConnections();
            await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Reconnecting, "reconnecting");
            await EmulatorTestHost.WaitUntilAsync(() => host.Logged("reconnecting in"), "backoff log");

            // Attempt n waits within [d/2, d], d = 1 s · 2^n: nothing before d/2.
            double half = Math.Pow(2, round) / 2;
            host.Time.Advance(TimeSpan.FromSeconds(half) - TimeSpan.FromMilliseconds(1));
            await Task.Delay(100);
            Assert.Equal(0, host.OpenConnections());

            await host.AdvanceUntilAsync(() => host.OpenConnections() == 1 && client.State == MitiClientState.Connected, TimeSpan.FromMilliseconds(100), "reconnected");
            Assert.NotEqual(before, host.Emulator.GetConnections().Single().ConnId);
        }

        Assert.True(host.Emulator.GetPeakConnectionCount(EmulatorTestHost.AppId) <= 1);
    }

    [Theory]
    [InlineData(WireNames.CloseCodes.Normal)]
    [InlineData(WireNames.CloseCodes.GoingAway)]
    [InlineData(WireNames.CloseCodes.MalformedFrame)]
    [InlineData(WireNames.CloseCodes.TooManyConnections)]
    public async Task Server_close_codes_lead_to_a_reconnect(int code)
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());
        string first = host.Emulator.GetConnections().Single().ConnId;

        host.Emulator.Faults.CloseConnection(first, code);

        await host.AdvanceUntilAsync(() => host.Emulator.GetConnections().Any(c => c.ConnId != first) && client.State == MitiClientState.Connected, TimeSpan.FromMilliseconds(250), "reconnected");
        if (code == WireNames.CloseCodes.MalformedFrame)
        {
            Assert.Contains(host.LogLines, l => l.Contains("Error", StringComparison.Ordinal) && l.Contains("4400", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Revoked_token_refreshes_and_reconnects_at_once()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());
        string first = host.Emulator.GetConnections().Single().ConnId;

        host.Emulator.Faults.RevokeTokens(EmulatorTestHost.AppId);

        // No clock advance: 4001 means refresh and redial immediately.
        await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.GetConnections().Any(c => c.ConnId != first), "reconnected with a new token");
        Assert.Equal(2, host.TokenRequests);
        Assert.True(host.Logged("access token rejected by the server (gateway close 4001), fetching a new one"));
    }

    [Fact]
    public async Task A_handshake_401_drops_the_token_and_says_where_it_was_rejected()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());

        // The connection drops; while the client backs off, its cached token is revoked: the redial meets a 401.
        host.Emulator.Faults.DropConnections();
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("reconnecting in"), "backoff");
        host.Emulator.Faults.RevokeTokens(EmulatorTestHost.AppId);
        await host.AdvanceUntilAsync(() => client.State == MitiClientState.Connected && host.OpenConnections() == 1, TimeSpan.FromMilliseconds(250), "reconnected with a new token");

        Assert.True(host.Logged("gateway handshake rejected: http_status=401"));
        Assert.True(host.Logged("access token rejected by the server (gateway handshake 401), fetching a new one"));
        Assert.Equal(2, host.TokenRequests);
    }

    [Fact]
    public async Task A_lost_connection_is_one_warning_line_with_its_cause_at_debug()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler());
        string zombie = host.Emulator.GetConnections().Single().ConnId;
        host.Emulator.Faults.SetSilent(zombie);

        host.Time.Advance(Ping * 2);
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("gateway connection lost because: liveness timeout"), "debug cause");
        var warnings = host.Logs.Entries.Where(e => e.Category == MitiLogCategories.Gateway && e.Level == Microsoft.Extensions.Logging.LogLevel.Warning).ToArray();
        var warning = Assert.Single(warnings);
        Assert.Equal("no frame received for 60000ms, aborting the connection", warning.Message);
        Assert.Null(warning.Exception);
        Assert.DoesNotContain(host.Logs.Entries, e => e.Category.StartsWith("MitiAgent", StringComparison.Ordinal) && e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && e.Exception is not null);
    }

    [Fact]
    public async Task Handshake_429_waits_for_retry_after()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(7), WireNames.Paths.Gateway);
        await using var client = host.CreateClient();

        var start = client.StartAsync(new TestHandler());
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("reconnecting in 7s"), "retry-after honoured");
        host.Time.Advance(TimeSpan.FromSeconds(6));
        await Task.Delay(100);
        Assert.False(start.IsCompleted);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        await start.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MitiClientState.Connected, client.State);
    }

    [Fact]
    public async Task Transient_handshake_failures_are_retried_until_connected()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(3, 503, pathPrefix: WireNames.Paths.Gateway);
        await using var client = host.CreateClient();

        var start = client.StartAsync(new TestHandler());
        await host.AdvanceUntilAsync(() => start.IsCompleted, TimeSpan.FromMilliseconds(500), "connected after retries");

        await start;
        Assert.Equal(4, host.Emulator.Requests.Count(r => r.Path == WireNames.Paths.Gateway));
    }

    [Fact]
    public async Task Handshake_403_is_fatal()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(1, 403, pathPrefix: WireNames.Paths.Gateway);
        await using var client = host.CreateClient();

        var ex = await Assert.ThrowsAsync<MitiAuthException>(() => client.StartAsync(new TestHandler()));

        Assert.Equal(WireNames.Codes.AppDisabled, ex.Code);
        Assert.Equal(MitiClientState.Faulted, client.State);
    }

    [Fact]
    public async Task Reconnect_frame_hands_over_to_a_new_connection_before_closing_the_old_one()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var handled = new System.Collections.Concurrent.ConcurrentBag<string>();
        await client.StartAsync(new TestHandler { OnMessage = (e, _) => { handled.Add(e.Text!); return Task.CompletedTask; } });
        string old = host.Emulator.GetConnections().Single().ConnId;

        host.Emulator.Faults.SendReconnect(old, "deploy", Timeout.InfiniteTimeSpan);

        var closed = await host.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == old);
        Assert.Equal(WireNames.CloseCodes.Normal, closed.CloseCode);
        var now = host.Emulator.GetConnections().Single();
        Assert.NotEqual(old, now.ConnId);
        Assert.True(host.Emulator.GetPeakConnectionCount(EmulatorTestHost.AppId) <= 2);
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "after hand-over");
        await EmulatorTestHost.WaitUntilAsync(() => handled.Contains("after hand-over"), "event on the new connection");
        Assert.Equal(MitiClientState.Connected, client.State);
    }

    [Fact]
    public async Task Malformed_frames_from_the_server_are_skipped_and_the_connection_stays_up()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var handled = new TaskCompletionSource<string>();
        await client.StartAsync(new TestHandler { OnMessage = (e, _) => { handled.TrySetResult(e.Text!); return Task.CompletedTask; } });
        string conn = host.Emulator.GetConnections().Single().ConnId;

        host.Emulator.Faults.SendMalformedFrame(conn, "{not json");
        host.Emulator.Faults.SendMalformedFrame(conn, """{"type":"event","header":{"event_id":"evt-bad","event_type":"im.message.receive"},"event":{"message":"not an object"}}""");
        host.Emulator.Faults.SendMalformedFrame(conn, """{"type":"event","header":{"event_id":"evt-x","event_type":"im.future.thing"},"event":{}}""");
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "still fine");

        Assert.Equal("still fine", await handled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(conn, host.Emulator.GetConnections().Single().ConnId);
        await host.Emulator.WaitForEventAckAsync("evt-bad"); // acked although malformed, so it is not redelivered forever
        await host.Emulator.WaitForEventAckAsync("evt-x");
        Assert.True(host.Logged("no handler for event_type im.future.thing"));
    }
}
