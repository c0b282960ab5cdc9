using System.Diagnostics;
using MitiAgent.Protocol;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Tests.Telemetry;

public sealed class TracingTests
{
    private const string SecretText = "confidential-content-7f3a9";
    private const string UserName = "Private Person Name";

    [Fact]
    public async Task Each_handled_event_gets_one_root_consumer_span_with_ids_and_types_only()
    {
        using var spans = new SpanRecorder();
        await using var t = await TelemetryHarness.CreateAsync();
        var host = t.Host;
        var cancelled = new TaskCompletionSource();
        var seenParent = new TaskCompletionSource<Activity?>();

        // An activity current while the client starts must not become the parent of event spans.
        using (var ambient = new Activity("test.ambient").Start())
        {
            await t.Client.StartAsync(new TestHandler
            {
                OnMessage = async (e, ct) =>
                {
                    seenParent.TrySetResult(Activity.Current);
                    await e.ReplyAsync("answer with " + SecretText, useMarkdown: false, ct);
                },
                OnGroupAt = (_, _) => Task.CompletedTask,
                OnCancel = (_, _) => { cancelled.TrySetResult(); return Task.CompletedTask; },
            });
        }

        host.Emulator.Faults.DeliverNextEventsTwice();
        var dm = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_trace", SecretText, userName: UserName);
        var at = host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_trace", "u_trace", SecretText, userName: UserName);
        var dmSpan = await spans.WaitForAsync(dm.EventId);
        var atSpan = await spans.WaitForAsync(at.EventId);
        var cancel = host.Emulator.InjectCancel(EmulatorTestHost.AppId, dm.RunId!);
        var cancelSpan = await spans.WaitForAsync(cancel.EventId);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await EmulatorTestHost.WaitUntilAsync(() => host.Emulator.EventAcks.Count(a => a.EventId == dm.EventId) == 2, "duplicate acked");

        Assert.Single(spans.For(dm.EventId)); // the duplicate delivery ran no handler, so no second span
        var handlerCurrent = await seenParent.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Same(dmSpan, handlerCurrent); // the handler runs inside its span

        AssertSpan(dmSpan, WireNames.EventTypes.MessageReceive, dm.EventId, "message", new()
        {
            [Tags.MsgType] = WireNames.MsgTypes.Text,
            [Tags.RunId] = dm.RunId!,
        });
        AssertSpan(atSpan, WireNames.EventTypes.GroupAt, at.EventId, "message", new()
        {
            [Tags.MsgType] = WireNames.MsgTypes.AtText,
            [Tags.RunId] = at.RunId!,
        });
        AssertSpan(cancelSpan, WireNames.EventTypes.AssistantCancel, cancel.EventId, "cancel", new() { [Tags.RunId] = dm.RunId! });

        string[] forbidden = [SecretText, UserName, "u_trace", EmulatorTestHost.AppSecret, .. host.Emulator.GetIssuedTokens(EmulatorTestHost.AppId)];
        foreach (var span in new[] { dmSpan, atSpan, cancelSpan })
        {
            Assert.All(span.TagObjects, tag => Assert.DoesNotContain(forbidden, f => (tag.Value?.ToString() ?? string.Empty).Contains(f, StringComparison.Ordinal)));
            Assert.DoesNotContain(forbidden, f => span.DisplayName.Contains(f, StringComparison.Ordinal));
            Assert.Empty(span.Events);
            Assert.Empty(span.Baggage);
        }
    }

    [Fact]
    public async Task A_failing_handler_ends_its_span_with_error_status_and_only_the_exception_type()
    {
        using var spans = new SpanRecorder();
        await using var t = await TelemetryHarness.CreateAsync();
        var longStarted = new TaskCompletionSource();
        await t.Client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                if (e.Text == "long")
                {
                    longStarted.SetResult();
                    await Task.Delay(Timeout.Infinite, ct);
                }

                throw new InvalidOperationException("handler bug quoting " + SecretText);
            },
        });

        var boom = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "boom " + SecretText);
        var failed = await spans.WaitForAsync(boom.EventId);
        var longRun = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "long");
        await longStarted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        t.Host.Emulator.InjectCancel(EmulatorTestHost.AppId, longRun.RunId!);
        var cancelled = await spans.WaitForAsync(longRun.EventId);

        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Null(failed.StatusDescription);
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.GetTagItem(Tags.ErrorType));
        Assert.Equal("error", failed.GetTagItem(Tags.HandlerOutcome));
        Assert.Empty(failed.Events);
        Assert.All(failed.TagObjects, tag => Assert.DoesNotContain(SecretText, tag.Value?.ToString() ?? string.Empty, StringComparison.Ordinal));
        Assert.Equal(
            [Tags.EventType, Tags.EventId, Tags.MsgType, Tags.RunId, Tags.HandlerKind, Tags.HandlerOutcome, Tags.ErrorType],
            failed.TagObjects.Select(tag => tag.Key));

        Assert.Equal(ActivityStatusCode.Unset, cancelled.Status);
        Assert.Equal("cancelled", cancelled.GetTagItem(Tags.HandlerOutcome));
        Assert.Null(cancelled.GetTagItem(Tags.ErrorType));
    }

    [Fact]
    public async Task Overload_handler_runs_get_spans_of_the_overload_kind()
    {
        using var spans = new SpanRecorder();
        await using var t = await TelemetryHarness.CreateAsync(o => { o.MaxConcurrency = 1; o.HandlerQueueCapacity = 0; o.OverloadConcurrency = 1; });
        var release = new TaskCompletionSource();
        var running = new TaskCompletionSource();
        await t.Client.StartAsync(new TestHandler
        {
            OnMessage = async (_, _) => { running.TrySetResult(); await release.Task; },
            OnOverload = (_, _) => Task.CompletedTask,
        });

        var first = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "first");
        await running.Task.WaitAsync(TimeSpan.FromSeconds(20));
        var busy = t.Host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "busy");
        var overloadSpan = await spans.WaitForAsync(busy.EventId);
        release.SetResult();
        var firstSpan = await spans.WaitForAsync(first.EventId);

        Assert.Equal("overload", overloadSpan.GetTagItem(Tags.HandlerKind));
        Assert.Equal("ok", overloadSpan.GetTagItem(Tags.HandlerOutcome));
        Assert.Equal("message", firstSpan.GetTagItem(Tags.HandlerKind));
        Assert.NotEqual(firstSpan.TraceId, overloadSpan.TraceId);
    }

    private static void AssertSpan(Activity span, string eventType, string eventId, string kind, Dictionary<string, string> extra)
    {
        Assert.Equal(ActivitySourceName, span.Source.Name);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal("process " + eventType, span.DisplayName);
        Assert.Null(span.Parent);
        Assert.Equal(default, span.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var expected = new Dictionary<string, string>(extra)
        {
            [Tags.EventType] = eventType,
            [Tags.EventId] = eventId,
            [Tags.HandlerKind] = kind,
            [Tags.HandlerOutcome] = "ok",
        };
        var actual = span.TagObjects.ToDictionary(tag => tag.Key, tag => tag.Value as string);
        Assert.Equal(expected.OrderBy(p => p.Key), actual.OrderBy(p => p.Key).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!)));
    }
}
