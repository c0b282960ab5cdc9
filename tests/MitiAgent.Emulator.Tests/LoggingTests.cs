namespace MitiAgent.Emulator.Tests;

public sealed class LoggingTests
{
    [Fact]
    public async Task Secrets_tokens_and_message_content_never_reach_the_logs()
    {
        await using var h = await EmulatorHarness.StartAsync();
        const string content = "my very private question";
        string token = await h.GetTokenAsync();
        await h.RequestTokenAsync(EmulatorHarness.AppId, "wrong-" + EmulatorHarness.AppSecret);
        var gw = await h.ConnectAsync(token);
        var run = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", content);
        await gw.ReceiveAsync("event");
        await gw.SendAsync($$"""{"type":"stream","event_id":"aevt-1","run_id":"{{run.RunId}}","seq":1,"state":"completed","answer":"secret answer text"}""");
        await gw.ReceiveAsync("ack");
        await h.SendAsync(token, """{"to_user_id":"u_1","msg_type":"text","content":{"text":"another private reply"}}""");
        await h.HistoryAsync("t-bogus-token-value", "conv-u_1");
        h.Emulator.Faults.RevokeToken(token);
        await gw.WaitClosedAsync();

        var lines = h.Logs.Lines;
        Assert.Contains(lines, l => l.Contains("token issued", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("gateway connection opened", StringComparison.Ordinal));
        foreach (string forbidden in new[] { EmulatorHarness.AppSecret, token, "t-bogus-token-value", content, "secret answer text", "another private reply" })
        {
            Assert.DoesNotContain(lines, l => l.Contains(forbidden, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(EmulatorHarness.AppSecret, h.Emulator.Apps.Single().ToString(), StringComparison.Ordinal);
    }
}
