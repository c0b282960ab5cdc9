using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientSecretTests
{
    [Fact]
    public async Task A_full_session_at_trace_never_shows_the_secret_or_any_token()
    {
        await using var host = await EmulatorTestHost.StartAsync(tokenLifetime: TimeSpan.FromSeconds(100));
        var errors = new List<string>();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                var stream = e.OpenStream();
                await stream.AppendAsync("thinking...", cancellationToken: ct);
                await stream.CompleteAsync("done", cancellationToken: ct);
            },
        });

        var run = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "go");
        await host.Emulator.WaitForFinalAnswerAsync(run.RunId!);
        await host.AdvanceUntilAsync(() => host.TokenRequests >= 2, TimeSpan.FromSeconds(1), "proactive refresh at 80 s");
        host.Emulator.Faults.RevokeTokens(EmulatorTestHost.AppId); // 4001 → refresh + reconnect
        await EmulatorTestHost.WaitUntilAsync(() => host.TokenRequests >= 3 && client.State == MitiClientState.Connected, "reconnected");
        host.Emulator.RegisterUser("u_blocked");
        host.Emulator.BlockAgent("u_blocked", EmulatorTestHost.AppId);
        try
        {
            await client.SendMessageAsync(MessageTarget.User("u_blocked"), OutgoingContent.Text("x"));
        }
        catch (MitiApiException ex)
        {
            errors.Add(ex.ToString());
        }

        await using (var bad = new MitiAgentClient(host.Options(o => o.AppSecret = "another-secret-value-9876"), host.LoggerFactory, host.Time))
        {
            var ex = await Assert.ThrowsAsync<MitiAuthException>(() => bad.StartAsync(new TestHandler()));
            errors.Add(ex.ToString());
            errors.Add(bad.ToString());
        }

        await client.StopAsync();
        errors.Add(client.ToString());
        errors.Add(host.Options().ToString());

        var tokens = host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId);
        Assert.True(tokens.Count >= 3);
        var everything = host.Logs.Entries.Select(e => e.TextWithScopes).Concat(errors).ToArray();
        Assert.Contains(everything, l => l.Contains("token acquired, expires_in=100s", StringComparison.Ordinal));
        foreach (string secret in tokens.Append(EmulatorTestHost.AppSecret).Append("another-secret-value-9876"))
        {
            Assert.DoesNotContain(everything, l => l.Contains(secret, StringComparison.Ordinal));
        }
    }
}
