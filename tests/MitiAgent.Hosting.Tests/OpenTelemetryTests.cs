using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using MitiAgent.Hosting.Tests.TestSupport;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MitiAgent.Hosting.Tests;

/// <summary>
/// The OpenTelemetry SDK, wired the way an app does it, exports the <c>MitiAgent</c> meter and spans (in-memory
/// exporters). Not run beside other tests: the SDK listens to every meter named <c>MitiAgent</c> in the process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OpenTelemetryCollection
{
    public const string Name = "OpenTelemetry SDK";
}

[Collection(OpenTelemetryCollection.Name)]
public sealed class OpenTelemetryTests
{
    [Fact]
    public async Task The_OpenTelemetry_SDK_exports_the_MitiAgent_instruments_and_one_content_free_span_per_event()
    {
        await using var kit = await HostingTestKit.StartAsync();
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        var builder = kit.CreateBuilder();
        builder.Services.AddSingleton<SpanRecorder>();
        builder.Services.AddMitiAgent<TracedAgent>(MitiAgentLifetime.Singleton);
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(MitiTelemetry.MeterName).AddInMemoryExporter(metrics))
            .WithTracing(t => t.AddSource(MitiTelemetry.ActivitySourceName).AddInMemoryExporter(spans));
        var host = kit.Build(builder);
        await host.StartAsync().Within();

        const string secretText = "my private words 4711";
        var run = kit.Emulator.InjectMessage(HostingTestKit.AppId, "u_otel", secretText);
        await kit.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == run.MessageId, TestTimeouts.Signal);
        var recorder = host.Services.GetRequiredService<SpanRecorder>();
        var spanId = await recorder.Seen.Task.Within();
        await host.StopAsync().Within();
        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush());
        Assert.True(host.Services.GetRequiredService<TracerProvider>().ForceFlush());

        // Metrics: the instruments an operator dashboards on, with the values of this one conversation.
        // Cumulative temporality: the newest snapshot of an instrument holds its totals.
        long Sum(string name, string? tag = null, string? value = null)
        {
            var snapshot = metrics.LastOrDefault(m => m.Name == name);
            Assert.True(snapshot is not null, $"{name} was not exported");
            long total = 0;
            foreach (var point in snapshot.MetricPoints)
            {
                bool matches = tag is null;
                foreach (var pair in point.Tags)
                {
                    matches |= pair.Key == tag && Equals(pair.Value, value);
                }

                if (matches)
                {
                    total += snapshot.MetricType == MetricType.Histogram ? point.GetHistogramCount() : point.GetSumLong();
                }
            }

            return total;
        }

        Assert.Equal(1, Sum(MitiTelemetry.Instruments.EventsReceived, MitiTelemetry.Tags.EventType, "im.message.receive"));
        Assert.Equal(1, Sum(MitiTelemetry.Instruments.HandlerDuration, MitiTelemetry.Tags.HandlerOutcome, "ok"));
        Assert.Equal(1, Sum(MitiTelemetry.Instruments.TokenRefreshes, MitiTelemetry.Tags.TokenOutcome, "success"));
        Assert.Equal(0, Sum(MitiTelemetry.Instruments.Connections)); // one opened, one closed by the stop

        // Traces: the handler's span, exported with ids and types only.
        var span = Assert.Single(spans, s => s.SpanId == spanId);
        Assert.Equal(ActivityKind.Consumer, span.Kind);
        Assert.Equal(run.EventId, span.GetTagItem(MitiTelemetry.Tags.EventId));
        Assert.Equal("im.message.receive", span.GetTagItem(MitiTelemetry.Tags.EventType));
        Assert.Equal("text", span.GetTagItem(MitiTelemetry.Tags.MsgType));
        Assert.All(spans.SelectMany(s => s.TagObjects), tag =>
        {
            string text = Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            Assert.DoesNotContain(secretText, text, StringComparison.Ordinal);
            Assert.DoesNotContain(HostingTestKit.AppSecret, text, StringComparison.Ordinal);
        });
    }
}

/// <summary>Notes the span that is current while the handler runs.</summary>
internal sealed class SpanRecorder
{
    public TaskCompletionSource<ActivitySpanId> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Answers every message and records the handler's span.</summary>
internal sealed partial class TracedAgent(SpanRecorder recorder)
{
    [OnMessage]
    private async Task Answer(MessageEvent e, CancellationToken cancellationToken)
    {
        recorder.Seen.TrySetResult(Activity.Current?.SpanId ?? default);
        await e.ReplyAsync("traced", useMarkdown: false, cancellationToken);
    }
}
