using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using MitiAgent.Emulator;
using MitiAgent.Protocol;

namespace MitiAgent.Generators.Tests.Content;

/// <summary>An agent whose typed handlers the generators dispatch (compiled by the real compiler).</summary>
public partial class TypedShopAgent(ConcurrentQueue<Exception> errors)
{
    [OnMessage(MsgType = "order_card")]
    private static Task Order(MessageEvent<RtOrderCard> e, CancellationToken ct) =>
        e.ReplyAsync(OutgoingContent.Create("order_ack", new RtAck(e.Content.OrderId, e.Content.Items.Count)), ct);

    [OnMessage(MsgType = "image")]
    private static Task Picture(MessageEvent<ImageContent> e, CancellationToken ct) =>
        e.ReplyAsync(e.Content.Images!.Count + " picture(s), first " + e.Content.Images[0].Url, useMarkdown: false, ct);

    [OnGroupAt]
    private static Task Group(GroupAtEvent<AtTextContent> e, CancellationToken ct) =>
        e.ReplyAsync("mentioned " + string.Join(",", e.Content.AtUserList ?? []), useMarkdown: false, ct);

    [OnError]
    private void Failed(AgentEvent e, Exception ex) => errors.Enqueue(ex);
}

/// <summary>Typed content end to end: the emulator injects custom and built-in msg_types over real loopback sockets.</summary>
public sealed class TypedContentEndToEndTests
{
    private const string AppId = "cli_typed_e2e";
    private const string AppSecret = "typed-e2e-secret-0123456789";

    [Fact]
    public async Task A_custom_msg_type_is_handled_typed_and_answered_with_typed_content_and_a_malformed_one_is_rejected()
    {
        var options = new MitiEmulatorOptions { AllowCustomMsgTypes = true };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "ShopBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);
        var errors = new ConcurrentQueue<Exception>();
        await using var client = new MitiAgentClient(new MitiAgentOptions { AppId = AppId, AppSecret = AppSecret, BaseUrl = emulator.BaseUrl, RegisterSignals = false }, loggerFactory);
        await client.StartAsync(new TypedShopAgent(errors));

        using var order = JsonDocument.Parse("""{"order_id":"o-42","total":99.90,"items":[{"sku":"a","quantity":1,"color":"Red"},{"sku":"b","quantity":2}],"due_at":"2026-12-24T18:00:00+08:00"}""");
        var injected = emulator.InjectMessage(AppId, "u_1", "order_card", order.RootElement.Clone());
        var ack = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId);
        Assert.Equal("order_ack", ack.MsgType);
        Assert.Equal("""{"order_id":"o-42","item_count":2}""", ack.Content.GetRawText());

        using var image = JsonDocument.Parse("""{"images":[{"url":"https://x.test/a.png"}]}""");
        var picture = emulator.InjectMessage(AppId, "u_1", "image", image.RootElement.Clone());
        Assert.Equal("1 picture(s), first https://x.test/a.png", (await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == picture.MessageId)).Text);

        var group = emulator.InjectGroupAt(AppId, "sg_1", "u_2", "hi");
        Assert.Equal("mentioned " + AppId, (await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == group.MessageId)).Text);

        using var malformed = JsonDocument.Parse("""{"order_id":"o-43","total":1,"items":[{"sku":"a","quantity":"lots-of-secret"}]}""");
        var bad = emulator.InjectMessage(AppId, "u_1", "order_card", malformed.RootElement.Clone());
        await emulator.WaitForEventAckAsync(bad.EventId);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); errors.IsEmpty && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(10); // polls for [OnError], which runs right after the rejected dispatch
        }

        var error = Assert.IsType<MitiContentException>(Assert.Single(errors));
        Assert.Equal("$.items[0].quantity", error.Path);
        Assert.Equal(bad.EventId, error.EventId);
        var line = Assert.Single(logs.Entries, l => l.EventId.Id == 2040);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("id=" + bad.EventId + " msg_type=order_card", line.Message, StringComparison.Ordinal);
        Assert.Contains("path=$.items[0].quantity", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Entries, l => l.Level > LogLevel.Trace && l.Message.Contains("lots-of-secret", StringComparison.Ordinal));
        Assert.DoesNotContain(emulator.SentMessages, m => m.ReplyToMessageId == bad.MessageId);
    }
}
