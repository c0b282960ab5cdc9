using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class FaultInjectionTests
{
    [Fact]
    public async Task Dropped_connection_ends_without_a_close_frame()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.DropConnection(gw.ConnId);

        Assert.Null(await gw.WaitClosedAsync());
        var closed = await h.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == gw.ConnId);
        Assert.Null(closed.CloseCode);
    }

    [Fact]
    public async Task Drop_connections_drops_every_connection_of_the_app()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var a = await h.ConnectAsync(token);
        var b = await h.ConnectAsync(token);

        Assert.Equal(2, h.Emulator.Faults.DropConnections(EmulatorHarness.AppId));

        Assert.Null(await a.WaitClosedAsync());
        Assert.Null(await b.WaitClosedAsync());
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(1001)]
    [InlineData(4001)]
    [InlineData(4003)]
    [InlineData(4429)]
    public async Task Close_connection_sends_the_given_close_code(int code)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.CloseConnection(gw.ConnId, code, "test");

        Assert.Equal((WebSocketCloseStatus)code, await gw.WaitClosedAsync());
        var closed = await h.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == gw.ConnId);
        Assert.Equal(code, closed.CloseCode);
    }

    [Fact]
    public async Task Silent_connection_keeps_tcp_open_but_answers_nothing_and_its_events_are_redelivered_elsewhere()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var zombie = await h.ConnectAsync(token);
        var healthy = await h.ConnectAsync(token);
        h.Emulator.Faults.SetSilent(zombie.ConnId);

        await zombie.SendAsync("""{"type":"ping","ts":1}""");
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "are you there?"); // round robin: zombie first
        Assert.Equal(zombie.ConnId, h.Emulator.Deliveries.Single().ConnId);
        Assert.True(await zombie.ReceivesNothingAsync());
        Assert.False(zombie.Closed.IsCompleted);
        Assert.True(Assert.Single(h.Emulator.GetConnections(), c => c.ConnId == zombie.ConnId).Silent);

        h.Time.Advance(EmulatorHarness.AckTimeout);
        var redelivered = await healthy.ReceiveAsync("event");
        Assert.Equal(injected.EventId, redelivered.GetProperty("header").GetProperty("event_id").GetString());

        h.Emulator.Faults.SetSilent(zombie.ConnId, silent: false);
        await zombie.SendAsync("""{"type":"ping","ts":2}""");
        Assert.Equal(2, (await zombie.ReceiveAsync("pong")).GetProperty("ts").GetInt64());
    }

    [Fact]
    public async Task Dropped_acks_make_the_agent_resend_and_the_user_sees_one_answer()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var run = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "q");
        await gw.ReceiveAsync("event");
        h.Emulator.Faults.DropAcks(2);
        string frame = $$"""{"type":"stream","event_id":"aevt-1","run_id":"{{run.RunId}}","seq":1,"state":"completed","answer":"A"}""";

        await gw.SendAsync(frame);
        Assert.True(await gw.ReceivesNothingAsync());
        await gw.SendAsync(frame);
        Assert.True(await gw.ReceivesNothingAsync());
        await gw.SendAsync(frame);

        Assert.Equal("aevt-1", (await gw.ReceiveAsync("ack")).GetProperty("event_id").GetString());
        Assert.Equal(3, h.Emulator.StreamFrames.Count);
        Assert.Single(h.Emulator.FinalAnswers);
    }

    [Fact]
    public async Task Delayed_acks_arrive_after_the_delay_on_the_emulator_clock()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var run = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "q");
        await gw.ReceiveAsync("event");
        h.Emulator.Faults.DelayAcks(TimeSpan.FromSeconds(3));

        await gw.SendAsync($$"""{"type":"stream","event_id":"aevt-1","run_id":"{{run.RunId}}","seq":1,"state":"completed","answer":"A"}""");
        await h.Emulator.WaitForFinalAnswerAsync(run.RunId!);
        Assert.True(await gw.ReceivesNothingAsync());

        h.Time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("aevt-1", (await gw.ReceiveAsync("ack")).GetProperty("event_id").GetString());
    }

    [Fact]
    public async Task Ignored_event_ack_causes_redelivery()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        h.Emulator.Faults.IgnoreEventAcks(1);
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");
        await gw.ReceiveAsync("event");
        await gw.AckAsync(injected.EventId);
        Assert.True((await h.Emulator.WaitForEventAckAsync(injected.EventId)).Ignored);

        h.Time.Advance(EmulatorHarness.AckTimeout);

        Assert.Equal(injected.EventId, (await gw.ReceiveAsync("event")).GetProperty("header").GetProperty("event_id").GetString());
        await gw.AckAsync(injected.EventId);
        await WaitUntil(() => h.Emulator.GetPendingDeliveryCount(EmulatorHarness.AppId) == 0);
    }

    [Fact]
    public async Task Event_delivered_twice_arrives_twice_with_the_same_id()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        h.Emulator.Faults.DeliverNextEventsTwice();

        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");

        var first = await gw.ReceiveAsync("event");
        var second = await gw.ReceiveAsync("event");
        Assert.Equal(injected.EventId, first.GetProperty("header").GetProperty("event_id").GetString());
        Assert.Equal(injected.EventId, second.GetProperty("header").GetProperty("event_id").GetString());

        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "once");
        await gw.ReceiveAsync("event");
        Assert.True(await gw.ReceivesNothingAsync());
    }

    [Fact]
    public async Task Failed_requests_answer_429_with_retry_after_then_recover()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");
        h.Emulator.Faults.FailNextRequests(2, 429, TimeSpan.FromSeconds(2), WireNames.Paths.SendMessage);
        const string body = """{"to_user_id":"u_1","msg_type":"text","content":{"text":"x"}}""";

        for (int i = 0; i < 2; i++)
        {
            using var response = await h.PostAsync(WireNames.Paths.SendMessage, body, token);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
            var envelope = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(WireNames.Codes.RateLimited, envelope.GetProperty("code").GetInt32());
        }

        // Other paths are unaffected by the path filter, and the third send goes through.
        Assert.Equal(HttpStatusCode.OK, (await h.HistoryAsync(token, "conv-u_1")).Status);
        Assert.Equal(0, (await h.SendAsync(token, body)).Body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Failed_requests_answer_5xx_on_any_path_including_the_gateway_handshake()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.Faults.FailNextRequests(2, 503);

        var (tokenStatus, tokenBody) = await h.RequestTokenAsync(EmulatorHarness.AppId, EmulatorHarness.AppSecret);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, tokenStatus);
        Assert.Equal(WireNames.Codes.InternalError, tokenBody.GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await h.FailedHandshakeAsync(token)).Status);

        await h.ConnectAsync(token);
    }

    [Fact]
    public async Task Revoked_token_closes_its_connections_with_4001_and_is_refused_by_rest()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string revoked = await h.GetTokenAsync();
        string other = await h.GetTokenAsync();
        var gw = await h.ConnectAsync(revoked);
        var survivor = await h.ConnectAsync(other);

        Assert.Equal(1, h.Emulator.Faults.RevokeToken(revoked));

        Assert.Equal((WebSocketCloseStatus)WireNames.CloseCodes.TokenRevoked, await gw.WaitClosedAsync());
        var (status, body) = await h.HistoryAsync(revoked, "conv-u_1");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(WireNames.Codes.InvalidToken, body.GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.FailedHandshakeAsync(revoked)).Status);
        Assert.False(survivor.Closed.IsCompleted);

        Assert.Equal(1, h.Emulator.Faults.RevokeTokens(EmulatorHarness.AppId));
        Assert.Equal((WebSocketCloseStatus)WireNames.CloseCodes.TokenRevoked, await survivor.WaitClosedAsync());
    }

    [Fact]
    public async Task Malformed_frame_reaches_the_agent_and_the_connection_stays_open()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.SendMalformedFrame(gw.ConnId);
        await gw.SendAsync("""{"type":"ping","ts":9}""");

        Assert.Equal(9, (await gw.ReceiveAsync("pong")).GetProperty("ts").GetInt64());
        lock (gw.RawFrames)
        {
            Assert.Contains("{not json", gw.RawFrames);
        }
    }

    [Fact]
    public async Task Binary_and_large_frames_arrive_with_their_exact_sizes_and_the_connection_stays_open()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.SendBinaryFrame(gw.ConnId, 70_000);
        h.Emulator.Faults.SendBinaryFrame(gw.ConnId, Encoding.UTF8.GetBytes("""{"type":"event"}"""));
        h.Emulator.Faults.SendLargeFrame(gw.ConnId, 2_000_000);
        h.Emulator.Faults.SendLargeFrame(gw.ConnId, 40);
        await gw.SendAsync("""{"type":"ping","ts":7}""");

        // Frames go out in order: once the pong is here, so is everything sent before it.
        Assert.Equal(7, (await gw.ReceiveAsync("pong")).GetProperty("ts").GetInt64());
        lock (gw.RawFrames)
        {
            Assert.Equal(2, gw.BinaryFrames.Count);
            Assert.Equal(70_000, gw.BinaryFrames[0].Length);
            Assert.All(Enumerable.Range(0, 70_000), i => Assert.Equal((byte)i, gw.BinaryFrames[0][i]));
            Assert.Equal("""{"type":"event"}""", Encoding.UTF8.GetString(gw.BinaryFrames[1]));
            string[] padding = gw.RawFrames.Where(f => f.Contains("emulator.padding", StringComparison.Ordinal)).ToArray();
            Assert.Equal([2_000_000, 40], padding.Select(f => Encoding.UTF8.GetByteCount(f)));
            Assert.All(padding, f => Assert.Equal("emulator.padding", JsonDocument.Parse(f).RootElement.GetProperty("type").GetString()));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => h.Emulator.Faults.SendLargeFrame(gw.ConnId, 39));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Emulator.Faults.SendBinaryFrame(gw.ConnId, -1));
        Assert.Throws<ArgumentException>(() => h.Emulator.Faults.SendBinaryFrame("conn-none", 1));
        Assert.False(gw.Closed.IsCompleted);
    }

    [Fact]
    public async Task Reconnect_frame_is_followed_by_a_normal_close_after_the_grace_period()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.SendReconnect(gw.ConnId, "deploy", TimeSpan.FromSeconds(10));

        Assert.Equal("deploy", (await gw.ReceiveAsync("reconnect")).GetProperty("reason").GetString());
        h.Time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(gw.Closed.IsCompleted);
        var gw2 = await h.ConnectAsync();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await gw.WaitClosedAsync());

        // Events keep flowing on the new connection.
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "after hand-over");
        await gw2.ReceiveAsync("event");
    }

    [Fact]
    public async Task Reconnect_frame_with_infinite_grace_leaves_the_connection_open()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.Faults.SendReconnect(gw.ConnId, "rebalancing", Timeout.InfiniteTimeSpan);
        await gw.ReceiveAsync("reconnect");
        h.Time.Advance(TimeSpan.FromHours(1));

        Assert.True(await gw.ReceivesNothingAsync());
        Assert.False(gw.Closed.IsCompleted);
    }

    [Fact]
    public async Task Faults_on_unknown_connections_throw()
    {
        await using var h = await EmulatorHarness.StartAsync();
        Assert.Throws<ArgumentException>(() => h.Emulator.Faults.DropConnection("conn-nope"));
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Emulator.Faults.FailNextRequests(1, 200));
    }

    private static Task WaitUntil(Func<bool> condition) => Waiting.WaitUntilAsync(condition, "the condition", RawGateway.Wait);
}
