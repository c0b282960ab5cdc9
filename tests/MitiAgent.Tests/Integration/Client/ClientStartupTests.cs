using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Emulator;
using MitiAgent.Internal;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Spec §2: HTTP 5xx, 429 and network errors are transient — at startup too. Only 10001/10004, handshake 403,
/// close 4003 and invalid configuration end a start. Backoff runs on the fake clock, so no test waits for real.
/// </summary>
public sealed class ClientStartupTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Two_503s_on_the_first_token_requests_are_retried_then_the_agent_connects_and_answers()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(2, 503, pathPrefix: WireNames.Paths.Token);
        await using var client = host.CreateClient();
        var start = client.StartAsync(new TestHandler { OnMessage = (e, ct) => e.ReplyAsync("pong", useMarkdown: false, ct) });

        await host.AdvanceUntilAsync(() => start.IsCompleted, Step, "connected after two 503s");
        await start;
        Assert.Equal(MitiClientState.Connected, client.State);
        Assert.Equal(3, host.TokenRequests);
        Assert.Equal(2, host.LogLines.Count(l => l.Contains("could not get an access token (HTTP 503), will retry", StringComparison.Ordinal)));
        Assert.True(host.Logged("auth token request failed: http_status=503"));
        Assert.True(host.Logged("reconnecting in"));

        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "ping");
        Assert.Equal("pong", (await host.Emulator.WaitForSentMessageAsync()).Text);
    }

    [Fact]
    public async Task A_429_on_the_first_token_request_waits_its_Retry_After()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(7), WireNames.Paths.Token);
        await using var client = host.CreateClient();
        var start = client.StartAsync(new TestHandler());

        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("reconnecting in 7s"), "Retry-After honoured");
        host.Time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Delay(100);
        Assert.Equal(1, host.TokenRequests);
        await host.AdvanceUntilAsync(() => start.IsCompleted, TimeSpan.FromMilliseconds(100), "connected after Retry-After");
        await start;
    }

    [Fact]
    public async Task An_emulator_that_is_not_listening_yet_is_retried_until_it_is()
    {
        int port = FreePort();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        var options = new MitiAgentOptions
        {
            AppId = EmulatorTestHost.AppId,
            AppSecret = EmulatorTestHost.AppSecret,
            BaseUrl = $"http://127.0.0.1:{port}/chat",
            RegisterSignals = false,
        };
        await using var client = new MitiAgentClient(options, new CapturingLoggerFactory(logs), time);
        var start = client.StartAsync(new TestHandler { OnMessage = (e, ct) => e.ReplyAsync("late but here", useMarkdown: false, ct) });

        // Connection refused, again and again, on the backoff schedule ("3 s later" is virtual time).
        await EmulatorTestHost.WaitUntilAsync(() => Count(logs, "could not get an access token") >= 1, "first refusal");
        for (int i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        Assert.False(start.IsCompleted);
        Assert.Equal(MitiClientState.Connecting, client.State);

        var emulatorOptions = new MitiEmulatorOptions { TimeProvider = time, ListenUrl = $"http://127.0.0.1:{port}" };
        emulatorOptions.Apps.Add(new EmulatorApp(EmulatorTestHost.AppId, EmulatorTestHost.AppSecret));
        await using var emulator = new MitiEmulator(emulatorOptions);
        await emulator.StartAsync();

        for (int i = 0; i < 200 && !start.IsCompleted; i++)
        {
            time.Advance(Step);
            await Task.Delay(10);
        }

        await start.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(Count(logs, "could not get an access token") >= 2);
        emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hello?");
        Assert.Equal("late but here", (await emulator.WaitForSentMessageAsync()).Text);
    }

    [Fact]
    public async Task An_unresolvable_host_is_retried_until_the_caller_cancels()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturingLoggerProvider();
        var options = new MitiAgentOptions { AppId = "cli_x", AppSecret = "s3cret-never-logged", BaseUrl = "https://miti-sdk-test.invalid/chat", RegisterSignals = false };
        await using var client = new MitiAgentClient(options, new CapturingLoggerFactory(logs), time);
        using var cts = new CancellationTokenSource();
        var start = client.StartAsync(new TestHandler(), cts.Token);

        for (int i = 0; i < 400 && Count(logs, "could not get an access token") < 3; i++)
        {
            time.Advance(Step);
            await Task.Delay(5);
        }

        Assert.True(Count(logs, "could not get an access token") >= 3, "kept retrying");
        Assert.False(start.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.NotEqual(MitiClientState.Faulted, client.State);
        Assert.DoesNotContain(logs.Entries, e => e.TextWithScopes.Contains("s3cret-never-logged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_startup_timeout_ends_the_retries_with_a_TimeoutException_naming_the_last_failure()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(100, 503, pathPrefix: WireNames.Paths.Token);
        await using var client = host.CreateClient(o => o.StartupTimeout = TimeSpan.FromSeconds(20));
        var start = client.StartAsync(new TestHandler());

        // The clock may only run once a failure exists to be named: 40 steps of 500 ms take ~0.2 s of real time, less
        // than one token request may take on a loaded machine (the timeout then named no HTTP failure at all).
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("could not get an access token (HTTP 503)"), "the first 503 seen by the client");
        await host.AdvanceUntilAsync(() => start.IsCompleted, Step, "startup timeout");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => start);
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
        Assert.IsType<MitiApiException>(error.InnerException);
        Assert.Equal(MitiClientState.Stopped, client.State);
    }

    [Fact]
    public async Task Invalid_credentials_still_fail_the_start_at_once()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = new MitiAgentClient(host.Options(o => o.AppSecret = "wrong"), host.LoggerFactory, host.Time);

        var error = await Assert.ThrowsAsync<MitiAuthException>(() => client.StartAsync(new TestHandler()).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(WireNames.Codes.InvalidCredentials, error.Code);
        Assert.Equal(1, host.TokenRequests);
        Assert.Equal(MitiClientState.Faulted, client.State);
    }

    [Fact]
    public async Task RunAsync_keeps_retrying_a_failing_token_endpoint_instead_of_throwing()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        host.Emulator.Faults.FailNextRequests(3, 500, pathPrefix: WireNames.Paths.Token);
        await using var client = host.CreateClient();
        using var cts = new CancellationTokenSource();
        var run = client.RunAsync(new TestHandler(), cts.Token);

        await host.AdvanceUntilAsync(() => client.State == MitiClientState.Connected, Step, "connected");
        Assert.False(run.IsCompleted);
        await cts.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static int Count(CapturingLoggerProvider logs, string text) => logs.Entries.Count(e => e.ToString().Contains(text, StringComparison.Ordinal));

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
