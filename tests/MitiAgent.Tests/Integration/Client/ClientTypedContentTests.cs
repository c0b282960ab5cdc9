using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

/// <summary>
/// Typed content at runtime, with handlers written by hand (the generator's dispatch calls the same
/// <see cref="MitiContentJson"/> methods): built-in shapes without any declaration, an app's own type through a
/// registered resolver, typed sends, and content that does not fit.
/// </summary>
public sealed class ClientTypedContentTests
{
    static ClientTypedContentTests() => MitiContentJson.Register(TypedTestJsonContext.Default);

    [Fact]
    public async Task Built_in_shapes_are_read_without_any_declaration()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var images = new TaskCompletionSource<MessageEvent<ImageContent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var text = new TaskCompletionSource<GroupAtEvent<AtTextContent>>(TaskCreationOptions.RunContinuationsAsynchronously);
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) =>
            {
                images.TrySetResult(MitiContentJson.ReadMessage<ImageContent>(e));
                return Task.CompletedTask;
            },
            OnGroupAt = (e, _) =>
            {
                text.TrySetResult(MitiContentJson.ReadGroupAt<AtTextContent>(e));
                return Task.CompletedTask;
            },
        });

        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", WireNames.MsgTypes.Image,
            JsonDocument.Parse("""{"images":[{"url":"https://x.test/a.png","mime_type":"image/png"}]}""").RootElement);
        var image = await images.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("https://x.test/a.png", image.Content.Images![0].Url);
        Assert.Equal("image/png", image.Content.Images[0].MimeType);
        Assert.Equal("u_1", image.Sender.UserId);

        host.Emulator.RegisterGroup("sg_typed", "Typed", ["u_1"], [EmulatorTestHost.AppId]);
        host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_typed", "u_1", "hello");
        var group = await text.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.EndsWith("hello", group.Content.Text, StringComparison.Ordinal);
        Assert.Equal([EmulatorTestHost.AppId], group.Content.AtUserList);
        Assert.Equal("sg_typed", group.GroupId);
        Assert.Equal(MessageTarget.Group("sg_typed"), group.ReplyTarget);
    }

    [Fact]
    public async Task A_custom_msg_type_is_read_typed_and_answered_with_typed_content()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.AllowCustomMsgTypes = true);
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                MessageEvent<TypedOrder> order = MitiContentJson.ReadMessage<TypedOrder>(e);
                await order.ReplyAsync(OutgoingContent.Create("order_ack", new TypedAck(order.Content.OrderId, order.Content.Items.Count, TypedState.Accepted)), ct);
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "order_card",
            JsonDocument.Parse("""{"order_id":"o-1","total":12.50,"items":[{"sku":"a","quantity":2}],"due_at":null}""").RootElement);
        var sent = await host.Emulator.WaitForSentMessageAsync();

        Assert.Equal("order_ack", sent.MsgType);
        Assert.Equal("""{"order_id":"o-1","item_count":1,"state":"Accepted"}""", sent.Content.GetRawText());
        Assert.Equal(injected.MessageId, sent.ReplyToMessageId);
    }

    [Fact]
    public async Task Content_that_does_not_fit_is_acked_logged_once_with_its_path_and_goes_to_OnError()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        var errors = new ConcurrentQueue<Exception>();
        int handled = 0;
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, _) =>
            {
                MitiContentJson.ReadMessage<TypedOrder>(e);
                Interlocked.Increment(ref handled);
                return Task.CompletedTask;
            },
            OnError = (_, ex, _) =>
            {
                errors.Enqueue(ex);
                return Task.CompletedTask;
            },
        });

        var wrongType = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "order_card",
            JsonDocument.Parse("""{"order_id":"o-secret-value","total":"twelve","items":[]}""").RootElement);
        await host.Emulator.WaitForEventAckAsync(wrongType.EventId);
        await EmulatorTestHost.WaitUntilAsync(() => errors.Count == 1, "OnError");
        var missing = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "order_card",
            JsonDocument.Parse("""{"total":1,"items":[]}""").RootElement);
        await host.Emulator.WaitForEventAckAsync(missing.EventId);
        await EmulatorTestHost.WaitUntilAsync(() => errors.Count == 2, "OnError");

        Assert.Equal(0, handled);
        var first = Assert.IsType<MitiContentException>(errors.ToArray()[0]);
        Assert.Equal("$.total", first.Path);
        Assert.Equal("order_card", first.MsgType);
        Assert.Equal(wrongType.EventId, first.EventId);
        Assert.Equal(typeof(TypedOrder).FullName, first.ContentType);
        var second = Assert.IsType<MitiContentException>(errors.ToArray()[1]);
        Assert.Contains("order_id", second.Reason, StringComparison.Ordinal);

        string expected = "content does not fit the handler's type, event not handled: type=im.message.receive id=" + wrongType.EventId
            + " msg_type=order_card content_type=" + typeof(TypedOrder).FullName + " path=$.total";
        // Content reaches the log only at Trace (the raw payload line), as for every event.
        string[] lines = [.. host.Logs.Entries.Where(e => e.Level > Microsoft.Extensions.Logging.LogLevel.Trace).Select(e => e.Message)];
        Assert.Single(lines, l => l.Contains("id=" + wrongType.EventId, StringComparison.Ordinal) && l.Contains("content", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("o-secret-value", StringComparison.Ordinal) || l.Contains("twelve", StringComparison.Ordinal));
        Assert.DoesNotContain("twelve", first.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId.Id == 2011);
        Assert.Contains(host.Logs.Entries, e => e.EventId.Id == 2040);
    }

    [Fact]
    public async Task A_stream_opened_through_the_typed_view_is_the_events_stream()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = async (e, ct) =>
            {
                MessageEvent<TextContent> typed = MitiContentJson.ReadMessage<TextContent>(e);
                var stream = typed.OpenStream();
                Assert.Throws<InvalidOperationException>(e.OpenStream);
                await stream.AppendAsync("typed: " + typed.Content.Text, ct);
                throw new InvalidOperationException("crash after the first delta");
            },
        });

        var injected = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var final = await host.Emulator.WaitForFinalAnswerAsync(injected.RunId!);

        Assert.Equal(WireNames.StreamStates.Failed, final.State);
        Assert.Equal("handler_error", final.Error!.Code);
    }

    [Fact]
    public void Create_rejects_content_that_is_not_an_object_and_names_a_type_without_metadata()
    {
        Assert.Throws<ArgumentException>(() => OutgoingContent.Create("order_ack", "just a string"));
        var missing = Assert.Throws<InvalidOperationException>(() => CreateUnseen("x", new Uri("https://x.test")));
        Assert.Contains("System.Uri", missing.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OutgoingContent.Create(" ", new TypedAck("a", 1, TypedState.Accepted)));
    }

    /// <summary>
    /// <c>OutgoingContent.Create</c> with a type the source generator never sees (a type parameter at the call site):
    /// this project references the generator (for the chaos run's agent), which writes metadata for the types it sees.
    /// </summary>
    private static OutgoingContent CreateUnseen<T>(string msgType, T value) => OutgoingContent.Create(msgType, value);
}

public sealed record TypedLine(string Sku, int Quantity);

public sealed record TypedOrder(string OrderId, decimal Total, IReadOnlyList<TypedLine> Items, DateTimeOffset? DueAt)
{
    [JsonRequired]
    public string OrderId { get; init; } = OrderId;
}

public enum TypedState
{
    Accepted,
    Rejected,
}

public sealed record TypedAck(string OrderId, int ItemCount, TypedState State);

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(TypedOrder))]
[JsonSerializable(typeof(TypedAck))]
internal sealed partial class TypedTestJsonContext : JsonSerializerContext;
