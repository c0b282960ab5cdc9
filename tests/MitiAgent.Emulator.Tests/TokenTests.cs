using System.Net;
using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class TokenTests
{
    [Fact]
    public async Task Issues_a_token_with_the_configured_lifetime()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var (status, body) = await h.RequestTokenAsync(EmulatorHarness.AppId, EmulatorHarness.AppSecret);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(0, body.GetProperty("code").GetInt32());
        Assert.Equal("ok", body.GetProperty("msg").GetString());
        var data = body.GetProperty("data");
        Assert.StartsWith("t-", data.GetProperty("access_token").GetString());
        Assert.Equal(60, data.GetProperty("expires_in").GetInt32());
        Assert.Single(h.Emulator.GetIssuedTokens(EmulatorHarness.AppId));
    }

    [Fact]
    public async Task Every_request_gets_a_distinct_token()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string a = await h.GetTokenAsync();
        string b = await h.GetTokenAsync();
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData(EmulatorHarness.AppId, "wrong-secret")]
    [InlineData("cli_unknown", EmulatorHarness.AppSecret)]
    public async Task Bad_credentials_answer_10001(string appId, string secret)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var (status, body) = await h.RequestTokenAsync(appId, secret);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(WireNames.Codes.InvalidCredentials, body.GetProperty("code").GetInt32());
        Assert.False(body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task Disabled_app_answers_10004()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.SetAppDisabled(EmulatorHarness.AppId);
        var (_, body) = await h.RequestTokenAsync(EmulatorHarness.AppId, EmulatorHarness.AppSecret);
        Assert.Equal(WireNames.Codes.AppDisabled, body.GetProperty("code").GetInt32());

        h.Emulator.SetAppDisabled(EmulatorHarness.AppId, disabled: false);
        Assert.NotEmpty(await h.GetTokenAsync());
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"app_id":"cli_test"}""")]
    [InlineData("""{"app_secret":"x"}""")]
    public async Task Malformed_request_answers_10003(string json)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var (_, body) = await EmulatorHarness.ReadAsync(await h.PostAsync(WireNames.Paths.Token, json));
        Assert.Equal(WireNames.Codes.InvalidParameter, body.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Token_expires_on_the_emulator_clock()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");

        h.Time.Advance(TimeSpan.FromSeconds(59));
        var (okStatus, ok) = await h.HistoryAsync(token, "conv-u_1");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(0, ok.GetProperty("code").GetInt32());

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var (status, body) = await h.HistoryAsync(token, "conv-u_1");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal(WireNames.Codes.InvalidToken, body.GetProperty("code").GetInt32());

        var (wsStatus, _) = await h.FailedHandshakeAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, wsStatus);
    }

    [Fact]
    public async Task Open_connection_survives_token_expiry()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        h.Time.Advance(TimeSpan.FromMinutes(5));
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "still there?");

        var evt = await gw.ReceiveAsync("event");
        Assert.Equal(injected.EventId, evt.GetProperty("header").GetProperty("event_id").GetString());
        Assert.False(gw.Closed.IsCompleted);
    }

    [Fact]
    public async Task Rest_calls_without_or_with_an_unknown_token_answer_401_10002()
    {
        await using var h = await EmulatorHarness.StartAsync();
        foreach (string? token in new[] { null, "t-unknown" })
        {
            var (status, body) = await h.SendAsync(token!, """{"to_user_id":"u_1","msg_type":"text","content":{"text":"x"}}""");
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal(WireNames.Codes.InvalidToken, body.GetProperty("code").GetInt32());
        }
    }

    [Fact]
    public async Task Rest_call_of_a_disabled_app_answers_10004()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        h.Emulator.RegisterUser("u_1");
        h.Emulator.SetAppDisabled(EmulatorHarness.AppId);
        var (_, body) = await h.SendAsync(token, """{"to_user_id":"u_1","msg_type":"text","content":{"text":"x"}}""");
        Assert.Equal(WireNames.Codes.AppDisabled, body.GetProperty("code").GetInt32());
    }
}
