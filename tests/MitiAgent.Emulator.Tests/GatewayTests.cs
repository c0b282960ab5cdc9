using System.Net;
using System.Net.WebSockets;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class GatewayTests
{
    [Fact]
    public async Task Hello_is_the_first_frame_with_the_configured_intervals()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PingInterval = TimeSpan.FromSeconds(12));
        var gw = await h.ConnectAsync();

        Assert.StartsWith("conn-", gw.Hello.ConnId);
        Assert.Equal(12_000, gw.Hello.PingIntervalMs);
        Assert.Equal(5_000, gw.Hello.AckTimeoutMs);
        var info = Assert.Single(h.Emulator.GetConnections(EmulatorHarness.AppId));
        Assert.Equal(gw.ConnId, info.ConnId);
    }

    [Fact]
    public async Task Handshake_without_token_or_with_a_bad_token_is_401()
    {
        await using var h = await EmulatorHarness.StartAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.FailedHandshakeAsync(null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.FailedHandshakeAsync("t-nope")).Status);
        Assert.Empty(h.Emulator.GetConnections());
    }

    [Fact]
    public async Task Handshake_of_a_disabled_app_is_403()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.SetAppDisabled(EmulatorHarness.AppId);
        Assert.Equal(HttpStatusCode.Forbidden, (await h.FailedHandshakeAsync(token)).Status);
    }

    [Fact]
    public async Task Handshake_beyond_the_connection_limit_is_429_with_retry_after()
    {
        await using var h = await EmulatorHarness.StartAsync(o =>
        {
            o.MaxConnectionsPerApp = 2;
            o.ConnectionLimitRetryAfter = TimeSpan.FromSeconds(7);
        });
        string token = await h.GetTokenAsync();
        var first = await h.ConnectAsync(token);
        await h.ConnectAsync(token);

        var (status, retryAfter) = await h.FailedHandshakeAsync(token);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("7", retryAfter);

        // A slot frees up when a connection ends.
        await first.CloseAsync();
        await first.WaitClosedAsync();
        await h.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == first.ConnId);
        var third = await h.ConnectAsync(token);
        Assert.NotEqual(first.ConnId, third.ConnId);
    }

    [Fact]
    public async Task Plain_http_request_to_the_gateway_is_400()
    {
        await using var h = await EmulatorHarness.StartAsync();
        using var response = await h.GetAsync(WireNames.Paths.Gateway, await h.GetTokenAsync());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Ping_is_answered_with_a_pong_echoing_ts()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await gw.SendAsync("""{"type":"ping","ts":1750240805123}""");

        var pong = await gw.ReceiveAsync("pong");
        Assert.Equal(1750240805123, pong.GetProperty("ts").GetInt64());
        Assert.Equal(1, Assert.Single(h.Emulator.GetConnections()).PingsReceived);
    }

    [Fact]
    public async Task Unknown_frame_types_and_members_are_ignored()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await gw.SendAsync("""{"type":"telemetry","x":1}""");
        await gw.SendAsync("""{"type":"ping","ts":5,"future_member":{"a":[1,2]}}""");

        Assert.Equal(5, (await gw.ReceiveAsync("pong")).GetProperty("ts").GetInt64());
        Assert.False(gw.Closed.IsCompleted);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"no_type":true}""")]
    [InlineData("""{"type":"ack"}""")]
    [InlineData("""{"type":"ping","ts":"soon"}""")]
    [InlineData("""{"type":"stream","event_id":"a","run_id":"r","seq":1,"state":"sideways"}""")]
    public async Task Malformed_agent_frame_closes_with_4400(string frame)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await gw.SendAsync(frame);

        Assert.Equal((WebSocketCloseStatus)WireNames.CloseCodes.MalformedFrame, await gw.WaitClosedAsync());
        var closed = await h.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == gw.ConnId);
        Assert.Equal(WireNames.CloseCodes.MalformedFrame, closed.CloseCode);
    }

    [Fact]
    public async Task Agent_close_is_answered_and_recorded()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await gw.CloseAsync();

        Assert.Equal(WebSocketCloseStatus.NormalClosure, await gw.WaitClosedAsync());
        await h.Emulator.WaitForConnectionClosedAsync(c => c.ConnId == gw.ConnId);
        Assert.Empty(h.Emulator.GetConnections());
    }

    [Fact]
    public async Task Disabling_the_app_closes_its_connections_with_4003()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Emulator.SetAppDisabled(EmulatorHarness.AppId);

        Assert.Equal((WebSocketCloseStatus)WireNames.CloseCodes.AppDisabled, await gw.WaitClosedAsync());
    }

    [Fact]
    public async Task Stopping_the_emulator_closes_connections_with_1001()
    {
        var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        await h.Emulator.StopAsync();

        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await gw.WaitClosedAsync());
        await h.DisposeAsync();
        await h.Emulator.DisposeAsync(); // idempotent
    }
}
