using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientLifecycleTests
{
    [Fact]
    public async Task Start_returns_after_hello_and_stop_closes_with_1000()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var states = new List<MitiClientState>();
        client.StateChanged += (_, e) => { lock (states) { states.Add(e.Current); } };

        await client.StartAsync(new TestHandler());

        Assert.Equal(MitiClientState.Connected, client.State);
        Assert.Equal(1, host.OpenConnections());
        Assert.Equal(1, host.TokenRequests);
        Assert.True(host.Logged("gateway connected"));
        Assert.True(host.Logged("connecting to ws://127.0.0.1:"));

        await client.StopAsync();

        var closed = await host.Emulator.WaitForConnectionClosedAsync();
        Assert.Equal(WireNames.CloseCodes.Normal, closed.CloseCode);
        Assert.Equal(MitiClientState.Stopped, client.State);
        lock (states)
        {
            Assert.Equal([MitiClientState.Connecting, MitiClientState.Connected, MitiClientState.Stopping, MitiClientState.Stopped], states);
        }
    }

    [Fact]
    public async Task Bad_credentials_fail_start_with_10001_and_fault_the_client()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = new MitiAgentClient(host.Options(o => o.AppSecret = "wrong-secret"), host.LoggerFactory, host.Time);

        var ex = await Assert.ThrowsAsync<MitiAuthException>(() => client.StartAsync(new TestHandler()));

        Assert.Equal(WireNames.Codes.InvalidCredentials, ex.Code);
        Assert.Equal(MitiClientState.Faulted, client.State);
        Assert.Equal(1, host.TokenRequests);
        Assert.Equal(0, host.OpenConnections());
    }

    [Fact]
    public async Task Insecure_base_url_is_refused_in_the_constructor_naming_the_host()
    {
        var options = new MitiAgentOptions { AppId = "cli_x", AppSecret = "s", BaseUrl = "http://miti.example.com/chat?token=abc" };
        var ex = Assert.Throws<MitiConfigurationException>(() => new MitiAgentClient(options));
        Assert.Contains("miti.example.com", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("token=abc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_drains_running_handlers_that_still_reply()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var entered = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                entered.SetResult();
                await release.Task;
                await e.ReplyAsync("finished after stop", useMarkdown: false, ct);
            },
        });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "work");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stop = client.StopAsync();
        await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Stopping, "stopping");
        Assert.False(stop.IsCompleted);
        release.SetResult();
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        var sent = Assert.Single(host.Emulator.SentMessages);
        Assert.Equal(injected.MessageId, sent.ReplyToMessageId);
        Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
    }

    [Fact]
    public async Task Stop_cancels_handlers_still_running_at_the_shutdown_timeout()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var observedCancel = await StartWithHandlerRunningUntilCancelledAsync(host, client);

        var stop = client.StopAsync();
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("stopping: waiting up to 5s for 1 running handlers"), "drain log");
        host.Time.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(50);
        Assert.False(observedCancel.IsCompleted);
        host.Time.Advance(TimeSpan.FromSeconds(1));

        await observedCancel.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MitiClientState.Stopped, client.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancelling_the_stop_token_cancels_running_handlers_at_once_and_still_stops(bool cancelledBeforeStop)
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient(o => o.ShutdownTimeout = TimeSpan.FromMinutes(5));
        var observedCancel = await StartWithHandlerRunningUntilCancelledAsync(host, client);

        using var giveUp = new CancellationTokenSource();
        if (cancelledBeforeStop)
        {
            await giveUp.CancelAsync();
        }

        var stop = client.StopAsync(giveUp.Token);
        if (!cancelledBeforeStop)
        {
            await EmulatorTestHost.WaitUntilAsync(() => host.Logged("stopping: waiting up to 300s for 1 running handlers"), "drain log");
            Assert.False(observedCancel.IsCompleted);
            await giveUp.CancelAsync();
        }

        await observedCancel.WaitAsync(TimeSpan.FromSeconds(10)); // the fake clock never reached the 5-minute deadline
        await stop.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MitiClientState.Stopped, client.State);
        Assert.True(host.Logged("stop cancelled by the caller, cancelling 1 running handlers"));
        Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
    }

    [Fact]
    public async Task Hundred_start_stop_cycles_leak_no_connections()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var handler = new TestHandler();

        for (int i = 0; i < 100; i++)
        {
            await client.StartAsync(handler);
            Assert.Equal(1, host.OpenConnections());
            await client.StopAsync();
        }

        await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.ClosedConnections.Count == 100, "100 closed connections");
        Assert.Equal(0, host.OpenConnections());
        Assert.All(host.Emulator.ClosedConnections, c => Assert.Equal(WireNames.CloseCodes.Normal, c.CloseCode));
        Assert.Equal(1, host.TokenRequests); // the token is reused across runs
    }

    [Fact]
    public async Task Dispose_is_idempotent_and_stops_a_running_client()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var client = host.CreateClient();
        await client.StartAsync(new TestHandler());

        await client.DisposeAsync();
        await client.DisposeAsync();

        Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.StartAsync(new TestHandler()));
    }

    [Fact]
    public async Task Run_returns_when_the_token_is_cancelled()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        using var cts = new CancellationTokenSource();

        var run = client.RunAsync(new TestHandler(), cts.Token);
        await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Connected, "connected");
        cts.Cancel();

        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(MitiClientState.Stopped, client.State);
    }

    [Fact]
    public async Task Run_ends_with_10001_when_a_background_refresh_finds_the_secret_rotated()
    {
        await using var host = await EmulatorTestHost.StartAsync(tokenLifetime: TimeSpan.FromSeconds(100));
        await using var client = host.CreateClient();
        var run = client.RunAsync(new TestHandler());
        await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Connected, "connected");

        host.Emulator.RegisterApp(new Emulator.EmulatorApp(EmulatorTestHost.AppId, "rotated-secret") { TokenLifetime = TimeSpan.FromSeconds(100) });
        await host.AdvanceUntilAsync(() => run.IsCompleted, TimeSpan.FromSeconds(1), "run ended by the fatal refresh");

        var ex = await Assert.ThrowsAsync<MitiAuthException>(() => run);
        Assert.Equal(WireNames.Codes.InvalidCredentials, ex.Code);
        Assert.Equal(MitiClientState.Faulted, client.State);
        Assert.Equal(WireNames.CloseCodes.Normal, (await host.Emulator.WaitForConnectionClosedAsync()).CloseCode);
    }

    [Fact]
    public async Task Run_ends_with_the_typed_error_when_the_app_is_disabled_while_running()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();

        var run = client.RunAsync(new TestHandler());
        await EmulatorTestHost.WaitUntilAsync(() => client.State == MitiClientState.Connected, "connected");
        host.Emulator.SetAppDisabled(EmulatorTestHost.AppId);

        var ex = await Assert.ThrowsAsync<MitiAuthException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WireNames.Codes.AppDisabled, ex.Code);
        Assert.Equal(MitiClientState.Faulted, client.State);
    }

    /// <summary>Starts <paramref name="client"/> with a handler that waits until its token fires, and lets one event run it.</summary>
    /// <returns>Completes when the running handler observed its cancellation.</returns>
    private static async Task<Task> StartWithHandlerRunningUntilCancelledAsync(EmulatorTestHost host, MitiAgentClient client)
    {
        var entered = new TaskCompletionSource();
        var observedCancel = new TaskCompletionSource();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                entered.SetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                finally
                {
                    observedCancel.SetResult();
                }
            },
        });
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "forever");
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return observedCancel.Task;
    }
}
