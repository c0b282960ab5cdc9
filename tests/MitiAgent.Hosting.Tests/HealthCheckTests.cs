using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MitiAgent.Hosting.Tests.TestSupport;

namespace MitiAgent.Hosting.Tests;

/// <summary>The health check follows the connection state, through the real <see cref="HealthCheckService"/>.</summary>
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Reports_unhealthy_before_start_healthy_when_connected_degraded_while_reconnecting_and_unhealthy_after_stop()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        builder.Services.AddHealthChecks().AddMitiAgent(tags: ["ready"]);
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();

        var idle = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, idle.Status);
        Assert.Equal("Idle", idle.Data["state"]);
        Assert.Contains("ready", idle.Tags);

        await host.StartAsync().Within();
        var connected = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Healthy, connected.Status);
        Assert.Equal("Connected", connected.Data["state"]);

        // The emulator drops the connection; the redial waits for its backoff on the fake clock.
        Assert.Equal(1, kit.Emulator.Faults.DropConnections(HostingTestKit.AppId));
        await HostingTestKit.WaitUntilAsync(() => client.State == MitiClientState.Reconnecting, "the client to notice the drop");
        var reconnecting = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Degraded, reconnecting.Status);
        Assert.Equal("Reconnecting", reconnecting.Data["state"]);

        await kit.AdvanceUntilAsync(() => client.State == MitiClientState.Connected, TimeSpan.FromSeconds(1), "the reconnect");
        Assert.Equal(HealthStatus.Healthy, (await HostingTestKit.CheckHealthAsync(host)).Status);

        await host.StopAsync().Within();
        var stopped = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, stopped.Status);
        Assert.Equal("Stopped", stopped.Data["state"]);
        Assert.Single(stopped.Data);
        Assert.Null(stopped.Exception);
    }

    [Fact]
    public async Task Without_WaitForConnection_a_failing_token_endpoint_leaves_the_host_running_and_Degraded_until_it_recovers()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        kit.Emulator.Faults.FailNextRequests(3, 503, pathPrefix: MitiAgent.Protocol.WireNames.Paths.Token);
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton, WaitForConnection = false });
        builder.Services.AddHealthChecks().AddMitiAgent();
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();

        await host.StartAsync().Within();
        await HostingTestKit.WaitUntilAsync(() => kit.LogLines.Any(l => l.Contains("could not get an access token (HTTP 503), will retry", StringComparison.Ordinal)), "a retried token request");
        var retrying = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Degraded, retrying.Status);
        Assert.Equal("Connecting", retrying.Data["state"]);

        await kit.AdvanceUntilAsync(() => client.State == MitiClientState.Connected, TimeSpan.FromMilliseconds(500), "connected after the 503s");
        Assert.Equal(HealthStatus.Healthy, (await HostingTestKit.CheckHealthAsync(host)).Status);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task With_WaitForConnection_the_host_start_waits_through_transient_failures_and_honours_its_token()
    {
        await using var kit = await HostingTestKit.StartAsync(fakeTime: true);
        kit.Emulator.Faults.FailNextRequests(1000, 503, pathPrefix: MitiAgent.Protocol.WireNames.Paths.Token);
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);
        var client = host.Services.GetRequiredService<MitiAgentClient>();

        using var cts = new CancellationTokenSource();
        var start = host.StartAsync(cts.Token);
        await HostingTestKit.WaitUntilAsync(() => kit.LogLines.Count(l => l.Contains("could not get an access token", StringComparison.Ordinal)) >= 1, "a retried token request");
        await kit.AdvanceUntilAsync(() => kit.LogLines.Count(l => l.Contains("could not get an access token", StringComparison.Ordinal)) >= 3, TimeSpan.FromMilliseconds(500), "three attempts");
        Assert.False(start.IsCompleted);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.Within());
        Assert.NotEqual(MitiClientState.Connected, client.State);
    }

    [Fact]
    public async Task Name_and_failure_status_are_configurable()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        builder.Services.AddHealthChecks().AddMitiAgent("agent-link", failureStatus: HealthStatus.Degraded);
        var host = kit.Build(builder);

        var entry = await HostingTestKit.CheckHealthAsync(host, "agent-link");

        Assert.Equal(HealthStatus.Degraded, entry.Status); // not started: the configured failure status
        Assert.Equal("Idle", entry.Data["state"]);
    }

    [Fact]
    public async Task Without_AddMitiAgent_the_check_fails_with_a_clear_description()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production, Args = [] });
        builder.Logging.ClearProviders();
        builder.Services.AddHealthChecks().AddMitiAgent();
        using var host = builder.Build();

        var entry = await HostingTestKit.CheckHealthAsync(host);

        Assert.Equal(HealthStatus.Unhealthy, entry.Status);
        Assert.Contains("AddMitiAgent<TAgent>()", entry.Description, StringComparison.Ordinal);
    }
}
