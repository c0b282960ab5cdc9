using System.Runtime.CompilerServices;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary><c>e.StreamAsync(tokens)</c> against the emulator: coalescing, completion, cancel and source failures.</summary>
public sealed class ClientStreamAsyncTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tokens_are_streamed_coalesced_and_completed_with_the_whole_answer()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        await client.StartAsync(new TestHandler { OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(Tokens("Hel", "lo", ", ", "world"), ct)) });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");

        // The first token leaves at once; the rest waits for the interval, then the terminal frame carries everything.
        var done = result.Task;
        await host.AdvanceUntilAsync(() => done.IsCompleted, TimeSpan.FromMilliseconds(50), "stream completed");
        MitiStreamResult sent = await done;

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(WireNames.StreamStates.Completed, final.State);
        Assert.Equal("Hello, world", final.Answer);
        Assert.Null(final.Reasoning);
        Assert.Equal(MitiStreamOutcome.Completed, sent.Outcome);
        Assert.False(sent.IsCancelled);
        Assert.Equal("Hello, world", sent.Answer);
        Assert.Equal(12, sent.AnswerLength);
        Assert.Equal(host.Emulator.StreamFrames.Count, sent.Frames);
        Assert.InRange(sent.Frames, 2, 5); // at least the first delta and the terminal frame
        Assert.Equal("Hel", host.Emulator.StreamFrames[0].Frame.Delta);
        Assert.DoesNotContain("Hello, world", sent.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_and_reasoning_pairs_go_to_delta_and_reasoning_delta()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(Pairs((null, "Think"), (null, "ing."), ("The ", null), ("answer", "!")), ct)),
        });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var done = result.Task;
        await host.AdvanceUntilAsync(() => done.IsCompleted, TimeSpan.FromMilliseconds(50), "stream completed");

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal("The answer", (await done).Answer);
        Assert.Equal("The answer", final.Answer);
        Assert.Equal("Thinking.!", final.Reasoning);
        var deltas = host.Emulator.StreamFrames.Where(f => f.Frame.State == WireNames.StreamStates.Delta).Select(f => f.Frame).ToList();
        Assert.Null(deltas[0].Delta);
        Assert.Equal("Think", deltas[0].ReasoningDelta);
        // Text still waiting for the interval rides on the terminal frame, so the deltas are a prefix of the whole.
        Assert.StartsWith(string.Concat(deltas.Select(d => d.Delta)), "The answer", StringComparison.Ordinal);
        Assert.StartsWith(string.Concat(deltas.Select(d => d.ReasoningDelta)), "Thinking.!", StringComparison.Ordinal);
        Assert.Equal("Thinking.!", (await done).Reasoning);
    }

    [Fact]
    public async Task A_cancel_stops_enumeration_at_once_disposes_the_source_and_sends_no_terminal_frame()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        var source = new WatchingSource(ignoreToken: false);
        await client.StartAsync(new TestHandler { OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(source.Tokens(), ct)) });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1);

        host.Emulator.InjectCancel(EmulatorTestHost.AppId, injected.RunId!);
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);

        Assert.Equal(MitiStreamOutcome.Cancelled, sent.Outcome);
        Assert.True(sent.IsCancelled);
        Assert.Equal("first ", sent.Answer);
        Assert.True(await source.TokenCancelled.Task.WaitAsync(Wait));
        await source.Disposed.Task.WaitAsync(Wait);
        host.Time.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(100);
        Assert.All(host.Emulator.StreamFrames, f => Assert.Equal(WireNames.StreamStates.Delta, f.Frame.State));
        Assert.DoesNotContain(host.Emulator.FinalAnswers, a => a.RunId == injected.RunId);
        Assert.Equal(host.Emulator.StreamFrames.Count, sent.Frames);
    }

    [Fact]
    public async Task A_source_that_ignores_its_token_is_not_waited_for_and_is_disposed_once_its_move_ends()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        var source = new WatchingSource(ignoreToken: true);
        await client.StartAsync(new TestHandler { OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(source.Tokens(), ct)) });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1);

        host.Emulator.InjectCancel(EmulatorTestHost.AppId, injected.RunId!);
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);
        Assert.True(sent.IsCancelled);
        Assert.False(source.Disposed.Task.IsCompleted); // its move is still pending

        source.Release.SetResult();
        await source.Disposed.Task.WaitAsync(Wait);
        Assert.Equal(2, source.Yielded); // it produced a piece after the cancel, which was never taken
        Assert.DoesNotContain(host.Emulator.StreamFrames, f => f.Frame.Delta?.Contains("after", StringComparison.Ordinal) == true);
        Assert.Equal("first ", sent.Answer);
        Assert.DoesNotContain(host.Emulator.FinalAnswers, a => a.RunId == injected.RunId);
    }

    [Fact]
    public async Task A_throwing_source_fails_the_stream_once_with_model_error_and_reaches_on_error()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        var reported = new TaskCompletionSource<(AgentEvent Event, Exception Error)>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(Throwing("partial ", new InvalidOperationException("model down")), ct)),
            OnError = (e, ex, _) => { reported.SetResult((e, ex)); return Task.CompletedTask; },
        });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var done = result.Task;
        await host.AdvanceUntilAsync(() => done.IsCompleted, TimeSpan.FromMilliseconds(50), "stream failed");
        MitiStreamResult sent = await done;

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal(MitiStreamResult.ModelErrorCode, final.Error!.Code);
        Assert.Equal(MitiStreamOutcome.Failed, sent.Outcome);
        Assert.Equal("model_error", sent.ErrorCode);
        Assert.IsType<InvalidOperationException>(sent.Exception);
        var (errorEvent, error) = await reported.Task.WaitAsync(Wait);
        Assert.Same(sent.Exception, error);
        Assert.Equal(injected.EventId, errorEvent.EventId);

        // The handler itself did not fail, so the SDK sends no second (handler_error) frame.
        await Task.Delay(100);
        Assert.Single(host.Emulator.StreamFrames, f => f.Frame.State != WireNames.StreamStates.Delta);
        Assert.True(host.Logged("streamed answer source failed, stream failed with code=model_error"));
        Assert.DoesNotContain(host.LogLines, l => l.Contains("partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_error_handler_a_throwing_source_still_fails_the_stream_once()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var result = new TaskCompletionSource<MitiStreamResult>();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) => result.SetResult(await e.StreamAsync(Throwing(null, new IOException("reset")), ct)),
        });
        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        MitiStreamResult sent = await result.Task.WaitAsync(Wait);

        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);
        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal(MitiStreamOutcome.Failed, sent.Outcome);
        Assert.Equal(1, sent.Frames);
        Assert.Single(host.Emulator.StreamFrames);
    }

    [Fact]
    public async Task The_callers_token_stops_streaming_with_an_exception()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var thrown = new TaskCompletionSource<Exception>();
        var source = new WatchingSource(ignoreToken: false);
        using var stop = new CancellationTokenSource();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                try
                {
                    await e.StreamAsync(source.Tokens(), stop.Token);
                }
                catch (Exception ex)
                {
                    thrown.SetResult(ex);
                }
            },
        });
        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        await host.Emulator.WaitForStreamFrameAsync(f => f.Frame.Seq == 1);

        await stop.CancelAsync();
        Assert.IsAssignableFrom<OperationCanceledException>(await thrown.Task.WaitAsync(Wait));
        Assert.True(await source.TokenCancelled.Task.WaitAsync(Wait));
    }

    private static async IAsyncEnumerable<string> Tokens(params string[] tokens)
    {
        foreach (string token in tokens)
        {
            await Task.Yield();
            yield return token;
        }
    }

    private static async IAsyncEnumerable<(string? Answer, string? Reasoning)> Pairs(params (string? Answer, string? Reasoning)[] pairs)
    {
        foreach (var pair in pairs)
        {
            await Task.Yield();
            yield return pair;
        }
    }

    private static async IAsyncEnumerable<string> Throwing(string? before, Exception exception)
    {
        await Task.Yield();
        if (before is not null)
        {
            yield return before;
        }

        throw exception;
    }

    /// <summary>Yields one token, then waits: on its token (or, ignoring it, on <see cref="Release"/>), recording what happens.</summary>
    private sealed class WatchingSource(bool ignoreToken)
    {
        public TaskCompletionSource<bool> TokenCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Yielded { get; private set; }

        public async IAsyncEnumerable<string> Tokens([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            using var registration = cancellationToken.Register(() => TokenCancelled.TrySetResult(true));
            try
            {
                Yielded++;
                yield return "first ";
                if (ignoreToken)
                {
                    await Release.Task;
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }

                Yielded++;
                yield return "after release";
            }
            finally
            {
                Disposed.TrySetResult();
            }
        }
    }
}
