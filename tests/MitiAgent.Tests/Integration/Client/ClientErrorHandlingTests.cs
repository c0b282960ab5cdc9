using System.Collections.Concurrent;
using MitiAgent.Logging;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>Handler failures are never silent: logged, reported to [OnError], and an unfinished stream is failed.</summary>
public sealed class ClientErrorHandlingTests
{
    [Fact]
    public async Task A_handler_that_throws_with_its_stream_open_gets_the_stream_failed()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                var stream = e.OpenStream();
                await stream.AppendAsync("thinking", cancellationToken: ct);
                throw new InvalidOperationException("model crashed");
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);

        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal("handler_error", final.Error!.Code);
        Assert.DoesNotContain("model crashed", final.Error.Msg ?? string.Empty, StringComparison.Ordinal);
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("handler failed with its stream open, stream failed: id=" + injected.EventId), "log");
        Assert.True(host.Logged("handler failed: type=im.message.receive id=" + injected.EventId));
    }

    [Fact]
    public async Task OnError_receives_the_event_and_the_exception_and_may_answer()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var errors = new ConcurrentQueue<(string EventId, Exception Error)>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = (_, _) => throw new FormatException("bad input"),
            OnError = async (e, ex, ct) =>
            {
                errors.Enqueue((e.EventId, ex));
                await ((MessageEvent)e).ReplyAsync("Sorry, something went wrong.", useMarkdown: false, ct);
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var sent = await host.Emulator.WaitForSentMessageAsync();

        Assert.Equal("Sorry, something went wrong.", sent.Text);
        var (eventId, error) = Assert.Single(errors);
        Assert.Equal(injected.EventId, eventId);
        Assert.IsType<FormatException>(error);
    }

    [Fact]
    public async Task OnError_is_not_called_for_a_cancelled_run_and_its_own_failure_is_logged()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        int errorCalls = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                if (e.Text == "wait")
                {
                    started.TrySetResult();
                    try
                    {
                        await Task.Delay(Timeout.Infinite, ct);
                    }
                    finally
                    {
                        cancelled.TrySetResult();
                    }
                }

                throw new InvalidOperationException("boom");
            },
            OnError = (_, _, _) =>
            {
                Interlocked.Increment(ref errorCalls);
                throw new InvalidOperationException("error handler bug");
            },
        });

        var waiting = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "wait");
        await host.Emulator.WaitForEventAckAsync(waiting.EventId);
        // The handler must be running: a cancel that arrives while its event still waits for a slot finds no run to
        // stop (the handler then waited forever, and the drain of 'await using' on the fake clock with it).
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        host.Emulator.InjectCancel(EmulatorTestHost.AppId, waiting.RunId!);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var failing = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "fail");
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("error handler failed: type=im.message.receive id=" + failing.EventId), "error handler failure logged");
        Assert.Equal(1, Volatile.Read(ref errorCalls));
        Assert.Equal(MitiClientState.Connected, client.State);
    }

    [Fact]
    public async Task Without_a_logger_factory_warnings_and_errors_go_to_standard_error_on_one_line_each()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var writer = new StringWriter();
        var fallback = new StandardErrorLoggerFactory(TextWriter.Synchronized(writer), host.Time);
        var before = MitiAgentClient.StandardErrorFallback;
        MitiAgentClient client;
        try
        {
            MitiAgentClient.StandardErrorFallback = fallback;
            client = new MitiAgentClient(host.Options(), loggerFactory: null, host.Time);
        }
        finally
        {
            MitiAgentClient.StandardErrorFallback = before;
        }

        await using (client)
        {
            await client.StartAsync(new TestHandler { OnMessage = (e, ct) => e.ReplyAsync(string.Empty, cancellationToken: ct) });
            var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
            await EmulatorTestHost.WaitUntilAsync(() => writer.ToString().Contains(injected.EventId, StringComparison.Ordinal), "stderr line");

            string line = writer.ToString().Split('\n').Single(l => l.Contains(injected.EventId, StringComparison.Ordinal));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z fail MitiAgent\.Gateway\[2011\] handler failed: type=im\.message\.receive id=\S+ \(ArgumentException: ", line);
            Assert.DoesNotContain("token acquired", writer.ToString(), StringComparison.Ordinal); // Information is not written
            Assert.DoesNotContain(EmulatorTestHost.AppSecret, writer.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_standard_error_fallback_can_be_turned_off()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var writer = new StringWriter();
        var before = MitiAgentClient.StandardErrorFallback;
        MitiAgentClient client;
        try
        {
            MitiAgentClient.StandardErrorFallback = new StandardErrorLoggerFactory(TextWriter.Synchronized(writer), host.Time);
            client = new MitiAgentClient(host.Options(o => o.LogToStandardErrorWithoutLoggerFactory = false), loggerFactory: null, host.Time);
        }
        finally
        {
            MitiAgentClient.StandardErrorFallback = before;
        }

        await using (client)
        {
            var failed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            await client.StartAsync(new TestHandler { OnMessage = (_, _) => { failed.TrySetResult(); throw new InvalidOperationException("x"); } });
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
            await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(100);
            Assert.Equal(string.Empty, writer.ToString());
        }
    }
}
