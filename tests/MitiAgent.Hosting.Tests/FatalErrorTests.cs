using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MitiAgent.Hosting.Tests.TestSupport;
using MitiAgent.Protocol;

namespace MitiAgent.Hosting.Tests;

/// <summary>These tests read and set the process-wide <see cref="Environment.ExitCode"/>: they never run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExitCodeCollection
{
    public const string Name = "Environment.ExitCode";
}

/// <summary>A fatal error after the host started stops the application with exit code 1 (or only reports it, if asked).</summary>
[Collection(ExitCodeCollection.Name)]
public sealed class FatalErrorTests : IDisposable
{
    private readonly int _exitCodeBefore = Environment.ExitCode;

    public FatalErrorTests() => Environment.ExitCode = 0;

    public void Dispose() => Environment.ExitCode = _exitCodeBefore;

    [Fact]
    public async Task App_disabled_after_start_stops_the_application_with_exit_code_1()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        builder.Services.AddHealthChecks().AddMitiAgent();
        var host = kit.Build(builder);
        var stopping = StoppingSignal(host);
        await host.StartAsync().Within();
        Assert.False(stopping.IsCompleted);

        kit.Emulator.SetAppDisabled(HostingTestKit.AppId); // closes the connection with 4003: fatal

        await stopping.Within();
        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(kit.Logs.Entries, e => e.Category == MitiHostingLogCategories.Hosting && e.Level == LogLevel.Critical && e.Exception is MitiAuthException);
        var health = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Equal("Faulted", health.Data["state"]);
        var error = Assert.IsType<MitiAuthException>(health.Exception);
        Assert.Equal(WireNames.Codes.AppDisabled, error.Code);

        await host.StopAsync().Within();
        kit.AssertNoSecretsLogged();
    }

    [Fact]
    public async Task With_StopApplicationOnFatalError_off_the_application_keeps_running_and_reports_unhealthy()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var builder = kit.CreateBuilder();
        builder.Services.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton, StopApplicationOnFatalError = false });
        builder.Services.AddHealthChecks().AddMitiAgent();
        var host = kit.Build(builder);
        var stopping = StoppingSignal(host);
        await host.StartAsync().Within();

        kit.Emulator.SetAppDisabled(HostingTestKit.AppId);

        await HostingTestKit.WaitUntilAsync(
            () => kit.Logs.Entries.Any(e => e.Category == MitiHostingLogCategories.Hosting && e.EventId.Id == 6004),
            "the fatal error to be reported");
        Assert.False(stopping.IsCompleted);
        Assert.Equal(0, Environment.ExitCode);
        var health = await HostingTestKit.CheckHealthAsync(host);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.IsType<MitiAuthException>(health.Exception);
        await host.StopAsync().Within();
    }

    [Fact]
    public async Task Bad_credentials_without_WaitForConnection_start_the_host_then_stop_it_with_exit_code_1()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:AppSecret"] = "not-the-secret";
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(new MitiAgentHostingOptions { Lifetime = MitiAgentLifetime.Singleton, WaitForConnection = false });
        var host = kit.Build(builder);
        var stopping = StoppingSignal(host);

        await host.StartAsync().Within();

        await stopping.Within();
        Assert.Equal(1, Environment.ExitCode);
        Assert.Contains(kit.Logs.Entries, e => e.EventId.Id == 6003 && e.Exception is MitiAuthException { Code: WireNames.Codes.InvalidCredentials });
        await host.StopAsync().Within();
        kit.AssertNoSecretsLogged("not-the-secret");
    }

    [Fact]
    public async Task A_failed_start_is_left_to_the_host_and_does_not_set_the_exit_code()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var configuration = kit.MitiConfiguration();
        configuration["Miti:AppSecret"] = "not-the-secret";
        var builder = kit.CreateBuilder(configuration);
        builder.Services.AddMitiAgent<SingletonAgent>(MitiAgentLifetime.Singleton);
        var host = kit.Build(builder);
        var stopping = StoppingSignal(host);

        await Assert.ThrowsAsync<MitiAuthException>(() => host.StartAsync()).Within();

        Assert.Equal(0, Environment.ExitCode);
        Assert.False(stopping.IsCompleted);
        Assert.DoesNotContain(kit.Logs.Entries, e => e.Category == MitiHostingLogCategories.Hosting && e.Level >= LogLevel.Error);
    }

    private static Task StoppingSignal(IHost host)
    {
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task;
    }
}
