using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MitiAgent.Hosting.Tests.TestSupport;
using MitiAgent.Protocol;

namespace MitiAgent.Hosting.Tests;

/// <summary>The hosted client starts with the host (fatal errors fail the start) and drains on the host's stop.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task Bad_credentials_fail_the_host_start_with_MitiAuthException()
    {
        const string wrongSecret = "wrong-secret-never-logged-77e3";
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:AppSecret"] = wrongSecret;
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => host.StartAsync()).Within();

        Assert.Equal(WireNames.Codes.InvalidCredentials, error.Code);
        Assert.DoesNotContain(wrongSecret, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(MitiClientState.Faulted, host.Services.GetRequiredService<MitiAgentClient>().State);
        Assert.Empty(kit.Emulator.GetConnections(HostingTestKit.AppId));
        kit.AssertNoSecretsLogged(wrongSecret);
    }

    [Fact]
    public async Task Stopping_the_host_waits_for_a_running_handler_and_its_reply()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        var gate = kit.NewGate();
        var builder = kit.CreateBuilder();
        builder.Services.AddSingleton(gate);
        builder.Services.AddMitiAgent<GateAgent>();
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();
        await host.StartAsync().Within();

        var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_erin", "slow one");
        await gate.Started.Task.Within();
        var stop = host.StopAsync();
        await HostingTestKit.WaitUntilAsync(() => client.State == MitiClientState.Stopping, "the client to start draining");
        Assert.False(stop.IsCompleted);

        gate.Release.SetResult();
        await stop.Within();

        // The reply went out before the host's stop returned, and the handler was never cancelled.
        Assert.Contains(kit.Emulator.SentMessages, m => m.ReplyToMessageId == run.MessageId && m.Text == "done");
        Assert.False(gate.Cancelled.Task.IsCompleted);
        Assert.Equal(MitiClientState.Stopped, client.State);
        Assert.Contains(kit.Emulator.ClosedConnections, c => c.AppId == HostingTestKit.AppId && c.CloseCode == 1000);
    }

    [Fact]
    public async Task Stopping_the_host_cancels_a_handler_still_running_at_the_shutdown_timeout()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        var gate = kit.NewGate();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:ShutdownTimeout"] = "00:10:00"; // on the fake clock from DI: never reached in real time
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddSingleton(gate);
        builder.Services.AddMitiAgent<GateAgent>();
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();
        await host.StartAsync().Within();

        var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_frank", "never finishes");
        await gate.Started.Task.Within();
        var stop = host.StopAsync();
        await HostingTestKit.WaitUntilAsync(() => client.State == MitiClientState.Stopping, "the client to start draining");
        var stoppingAt = kit.Time!.GetUtcNow();

        await kit.AdvanceUntilAsync(() => gate.Cancelled.Task.IsCompleted, TimeSpan.FromSeconds(5), "the handler to be cancelled", maxSteps: 200);
        await stop.Within();

        Assert.True(kit.Time.GetUtcNow() - stoppingAt >= TimeSpan.FromMinutes(10), "cancelled before the shutdown timeout");
        Assert.DoesNotContain(kit.Emulator.SentMessages, m => m.ReplyToMessageId == run.MessageId);
        Assert.Contains(kit.LogLines, l => l.Contains("shutdown timeout elapsed, cancelling 1 running handlers", StringComparison.Ordinal));
        Assert.Equal(MitiClientState.Stopped, client.State);
    }

    [Fact]
    public async Task A_shorter_host_shutdown_timeout_cancels_running_handlers_when_it_elapses()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        var gate = kit.NewGate();
        var builder = kit.CreateBuilder();
        builder.Services.AddSingleton(gate);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(300));
        builder.Services.AddMitiAgent<GateAgent>(); // Miti ShutdownTimeout: 30 s (never reached: the fake clock stands still)
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();
        await host.StartAsync().Within();

        var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_gina", "slow");
        await gate.Started.Task.Within();
        await host.StopAsync().Within(); // the host's own (real-time) timeout ends the graceful part

        await gate.Cancelled.Task.Within();
        Assert.Equal(MitiClientState.Stopped, client.State);
        Assert.DoesNotContain(kit.Emulator.SentMessages, m => m.ReplyToMessageId == run.MessageId);
        Assert.Contains(kit.LogLines, l => l.Contains("stop cancelled by the caller, cancelling 1 running handlers", StringComparison.Ordinal));
        await ((IAsyncDisposable)host).DisposeAsync().AsTask().Within();
    }

    [Fact]
    public async Task Without_WaitForConnection_the_host_starts_while_the_agent_is_still_connecting()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        kit.Emulator.Faults.FailNextRequests(1, 503, pathPrefix: WireNames.Paths.Gateway);
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton, WaitForConnection = false });
        builder.Services.AddHealthChecks().AddMitiAgent();
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();

        await host.StartAsync().Within();

        // The first gateway dial failed and the retry waits on the (standing) fake clock: started, not connected.
        await HostingTestKit.WaitUntilAsync(() => kit.Emulator.Requests.Any(r => r.Path == WireNames.Paths.Gateway && r.StatusCode == 503), "the failed dial");
        Assert.Equal(MitiClientState.Connecting, client.State);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, (await HostingTestKit.CheckHealthAsync(host)).Status);

        await kit.AdvanceUntilAsync(() => client.State == MitiClientState.Connected, TimeSpan.FromSeconds(1), "the agent to connect");
        var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_hana", "late");
        var reply = await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == run.MessageId, TestTimeouts.Signal);
        Assert.Equal("single:late", reply.Text);
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, (await HostingTestKit.CheckHealthAsync(host)).Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Without_WaitForConnection_stopping_before_the_first_connection_is_clean()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        kit.Emulator.Faults.FailNextRequests(1, 503, pathPrefix: WireNames.Paths.Gateway);
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton, WaitForConnection = false });
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();
        await host.StartAsync().Within();
        await HostingTestKit.WaitUntilAsync(() => kit.Emulator.Requests.Any(r => r.Path == WireNames.Paths.Gateway && r.StatusCode == 503), "the failed dial");

        await host.StopAsync().Within();

        Assert.NotEqual(MitiClientState.Connected, client.State);
        Assert.Empty(kit.Emulator.GetConnections(HostingTestKit.AppId));
        Assert.DoesNotContain(kit.Logs.Entries, e => e.Level >= LogLevel.Error);
    }
}
