using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Issue 14 §5: a representative workload (messages, group @, replies, streams, failed streams, handler errors,
/// history, REST 429/5xx, duplicates, malformed frames, token refresh, revocation, dropped connections, a wrong
/// secret) with every log at Trace; then the logs, the message of every exception thrown in the process while it ran
/// (first-chance, caught or not) and the <c>ToString()</c> of every public object it produced are scanned for the app
/// secret and every issued token: zero hits.
/// </summary>
public sealed class SecretScanTests
{
    private const string WrongSecret = "wrong-secret-value-5544332211";

    [Fact]
    public async Task Logs_exception_messages_and_ToString_of_public_objects_never_contain_a_secret_or_token()
    {
        var exceptionTexts = new ConcurrentQueue<string>();
        void OnFirstChance(object? sender, FirstChanceExceptionEventArgs args) =>
            exceptionTexts.Enqueue(args.Exception.GetType().Name + ": " + args.Exception.Message);
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        var printed = new ConcurrentQueue<object>();
        try
        {
            await using var host = await EmulatorTestHost.StartAsync(tokenLifetime: TimeSpan.FromSeconds(100));
            await WorkloadAsync(host, printed);
            {
                var tokens = host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId);
                Assert.True(tokens.Count >= 3, "the workload refreshes and re-issues tokens");
                Assert.Contains(host.LogLines, l => l.Contains("event received", StringComparison.Ordinal));
                Assert.Contains(host.Logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Trace);

                string[] texts = host.Logs.Entries.Select(e => e.TextWithScopes)
                    .Concat(exceptionTexts)
                    .Concat(printed.Select(o => o.ToString() ?? ""))
                    .ToArray();
                var publicTypes = printed.Select(o => o.GetType()).Where(t => t.IsPublic && t.Assembly == typeof(MitiAgentClient).Assembly).Distinct().ToArray();
                Assert.True(publicTypes.Length >= 12, "public types printed: " + string.Join(", ", publicTypes.Select(t => t.Name)));
                foreach (string secret in tokens.Append(EmulatorTestHost.AppSecret).Append(WrongSecret))
                {
                    string[] hits = texts.Where(t => t.Contains(secret, StringComparison.Ordinal)).ToArray();
                    Assert.True(hits.Length == 0, $"{hits.Length} text(s) contain a secret, e.g.: {hits.FirstOrDefault()?.Replace(secret, "<SECRET>", StringComparison.Ordinal)}");
                }
            }
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }
    }

    /// <summary>Runs <paramref name="action"/> while advancing the fake clock (retries wait on it), bounded.</summary>
    private static async Task<T> WithClockAsync<T>(EmulatorTestHost host, Func<Task<T>> action)
    {
        Task<T> task = action();
        await host.AdvanceUntilAsync(() => task.IsCompleted, TimeSpan.FromMilliseconds(500), "the call to finish");
        return await task;
    }

    private static async Task WorkloadAsync(EmulatorTestHost host, ConcurrentQueue<object> printed)
    {
        await using var client = host.CreateClient(o => o.MaxSendRetries = 1);
        client.StateChanged += (_, args) => printed.Enqueue(args);
        int finished = 0; // handlers done with every request they make
        var handler = new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                try
                {
                    printed.Enqueue(e);
                    printed.Enqueue(e.Message);
                    printed.Enqueue(e.Sender);
                    printed.Enqueue(e.ReplyTarget);
                    switch (e.Text)
                    {
                        case "stream":
                            var stream = e.OpenStream();
                            printed.Enqueue(stream);
                            await stream.AppendAsync("thinking", "why", ct);
                            await stream.CompleteAsync("done", cancellationToken: ct);
                            break;
                        case "fail":
                            await e.ReplyFailedAsync("model_error", "the model failed", ct);
                            break;
                        case "throw":
                            throw new InvalidOperationException("handler bug");
                        default:
                            printed.Enqueue(await e.ReplyAsync("echo " + e.Text, cancellationToken: ct));
                            printed.Enqueue(await e.GetHistoryAsync(5, ct));
                            break;
                    }
                }
                finally
                {
                    Interlocked.Increment(ref finished);
                }
            },
            OnGroupAt = async (e, ct) =>
            {
                try
                {
                    printed.Enqueue(e);
                    printed.Enqueue(await e.ReplyAsync("group echo", cancellationToken: ct));
                }
                finally
                {
                    Interlocked.Increment(ref finished);
                }
            },
            OnCancel = (e, _) =>
            {
                printed.Enqueue(e);
                return Task.CompletedTask;
            },
            OnError = (e, ex, _) =>
            {
                printed.Enqueue(ex);
                return Task.CompletedTask;
            },
        };
        await client.StartAsync(handler);
        printed.Enqueue(client);
        printed.Enqueue(host.Options());
        printed.Enqueue(MitiEndpoints.Resolve(host.Emulator.BaseUrl));
        printed.Enqueue(OutgoingContent.Text("x"));

        string app = EmulatorTestHost.AppId;
        var runs = new List<string>();
        foreach (string text in new[] { "hello", "stream", "fail", "throw" })
        {
            runs.Add(host.Emulator.InjectMessage(app, "u_1", text).RunId!);
        }

        host.Emulator.InjectGroupAt(app, "sg_1", "u_2", "hi all");
        host.Emulator.Faults.DeliverNextEventsTwice(1);
        host.Emulator.InjectMessage(app, "u_1", "twice");
        host.Emulator.Faults.SendMalformedFrame(host.Emulator.GetConnections(app)[0].ConnId, "{\"type\":\"event\",\"header\":{\"event_id\":1}");
        await host.Emulator.WaitForFinalAnswerAsync(runs[1]);
        await host.Emulator.WaitForFinalAnswerAsync(runs[2]);
        // Every handler done (not just started), so that no reply of theirs is still on its way to take a fault below.
        await EmulatorTestHost.WaitUntilAsync(() => Volatile.Read(ref finished) >= 6, "events handled");

        // REST faults: 500 then 429 (retried), then a refusal that reaches the caller.
        host.Emulator.Faults.FailNextRequests(1, 500, pathPrefix: "/agent/v1/messages");
        printed.Enqueue(await WithClockAsync(host, () => client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Markdown("after a 500"))));
        host.Emulator.RegisterUser("u_blocked");
        host.Emulator.BlockAgent("u_blocked", app);
        printed.Enqueue(await Assert.ThrowsAnyAsync<MitiApiException>(() => client.SendMessageAsync(MessageTarget.User("u_blocked"), OutgoingContent.Text("x"))));
        // Exactly as many 429s as the send makes attempts (1 + MaxSendRetries). A third one used to stay queued in the
        // emulator (or, when a late handler reply took one, this send succeeded): left over, it hit the reply of
        // "hello again" below, whose handler then waited out a 429 pause on the fake clock that nothing advances any
        // more, so that the final drain (also on that clock) never ended: the hang of the test run.
        host.Emulator.Faults.FailNextRequests(2, 429, pathPrefix: "/agent/v1/messages");
        printed.Enqueue(await Assert.ThrowsAnyAsync<MitiException>(() => WithClockAsync(host, () => client.SendMessageAsync(MessageTarget.Group("sg_1"), OutgoingContent.Text("y")))));

        // Tokens: a proactive refresh, then revocation (close 4001, refresh, reconnect), then a dropped connection.
        await host.AdvanceUntilAsync(() => host.Emulator.GetIssuedTokens(app).Count >= 2, TimeSpan.FromSeconds(1), "proactive refresh");
        host.Emulator.Faults.RevokeTokens(app);
        await host.AdvanceUntilAsync(() => host.Emulator.GetIssuedTokens(app).Count >= 3 && client.State == MitiClientState.Connected, TimeSpan.FromMilliseconds(200), "reconnected after 4001");
        host.Emulator.Faults.DropConnections(app);
        await host.AdvanceUntilAsync(() => client.State == MitiClientState.Connected && host.OpenConnections() == 1, TimeSpan.FromMilliseconds(200), "reconnected after a drop");
        var cancelRun = host.Emulator.InjectMessage(app, "u_1", "hello again");
        host.Emulator.InjectCancel(app, cancelRun.RunId!);
        await EmulatorTestHost.WaitUntilAsync(() => handler.Seen.OfType<CancelEvent>().Any(), "cancel handled");

        await using (var bad = new MitiAgentClient(host.Options(o => o.AppSecret = WrongSecret), host.LoggerFactory, host.Time))
        {
            printed.Enqueue(await Assert.ThrowsAsync<MitiAuthException>(() => WithClockAsync(host, async () =>
            {
                await bad.StartAsync(new TestHandler());
                return 0;
            })));
            printed.Enqueue(bad);
        }

        // The stop drains on the fake clock: a handler may still be waiting out the 429 pause on it (its cancel can
        // arrive before its run is registered), so the clock must move until the stop returns.
        await WithClockAsync(host, async () =>
        {
            await client.StopAsync();
            return 0;
        });
        printed.Enqueue(client);
    }
}
