using MitiAgent.Protocol;

namespace MitiAgent.Emulator.Tests;

public sealed class DeliveryTests
{
    [Fact]
    public async Task Injected_message_arrives_as_an_event_frame()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_abc123", "hello", userName: "Alice");

        Assert.True(injected.Delivered);
        var frame = await gw.ReceiveAsync("event");
        var header = frame.GetProperty("header");
        Assert.Equal(injected.EventId, header.GetProperty("event_id").GetString());
        Assert.Equal(WireNames.EventTypes.MessageReceive, header.GetProperty("event_type").GetString());
        Assert.Equal(EmulatorHarness.AppId, header.GetProperty("app_id").GetString());
        Assert.Equal(h.Time.GetUtcNow().ToUnixTimeMilliseconds(), header.GetProperty("create_time").GetInt64());
        var evt = frame.GetProperty("event");
        Assert.Equal("u_abc123", evt.GetProperty("sender").GetProperty("user_id").GetString());
        Assert.Equal("Alice", evt.GetProperty("sender").GetProperty("name").GetString());
        var message = evt.GetProperty("message");
        Assert.Equal(injected.MessageId, message.GetProperty("message_id").GetString());
        Assert.Equal("conv-u_abc123", message.GetProperty("conversation_id").GetString());
        Assert.Equal("text", message.GetProperty("msg_type").GetString());
        Assert.Equal("hello", message.GetProperty("content").GetProperty("text").GetString());
        Assert.Equal(injected.RunId, evt.GetProperty("run_id").GetString());
        Assert.Equal(injected.AssistantMsgId, evt.GetProperty("assistant_msg_id").GetString());
        Assert.False(evt.TryGetProperty("group_id", out _));
    }

    [Fact]
    public async Task Group_at_carries_group_id_and_at_text()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();

        var injected = h.Emulator.InjectGroupAt(EmulatorHarness.AppId, "sg_xyz789", "u_1", "what's up?");

        var evt = (await gw.ReceiveAsync("event")).GetProperty("event");
        Assert.Equal(WireNames.EventTypes.GroupAt, injected.EventType);
        Assert.Equal("sg_xyz789", evt.GetProperty("group_id").GetString());
        var content = evt.GetProperty("message").GetProperty("content");
        Assert.Equal("at_text", evt.GetProperty("message").GetProperty("msg_type").GetString());
        Assert.Equal("@TestBot what's up?", content.GetProperty("text").GetString());
        Assert.Equal(EmulatorHarness.AppId, content.GetProperty("atUserList")[0].GetString());
        Assert.Equal("conv-sg_xyz789", injected.ConversationId);
    }

    [Fact]
    public async Task Other_msg_types_reach_the_agent_intact()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var content = System.Text.Json.JsonDocument.Parse("""{"card":{"title":"x","rows":[1,2,3]},"v":2}""").RootElement;

        h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "interactive_card", content);

        var message = (await gw.ReceiveAsync("event")).GetProperty("event").GetProperty("message");
        Assert.Equal("interactive_card", message.GetProperty("msg_type").GetString());
        Assert.Equal(content.GetRawText(), message.GetProperty("content").GetRawText());
    }

    [Fact]
    public async Task Acked_event_is_not_redelivered()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");
        await gw.ReceiveAsync("event");

        await gw.AckAsync(injected.EventId);
        await h.Emulator.WaitForEventAckAsync(injected.EventId);
        Assert.Equal(0, h.Emulator.GetPendingDeliveryCount(EmulatorHarness.AppId));

        h.Time.Advance(EmulatorHarness.AckTimeout * 3);
        Assert.True(await gw.ReceivesNothingAsync());
        Assert.Single(h.Emulator.Deliveries, d => d.EventId == injected.EventId);
    }

    [Fact]
    public async Task Unacked_event_is_redelivered_with_the_same_event_id_after_the_ack_timeout()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");
        await gw.ReceiveAsync("event");

        h.Time.Advance(EmulatorHarness.AckTimeout - TimeSpan.FromMilliseconds(1));
        Assert.True(await gw.ReceivesNothingAsync());

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var again = await gw.ReceiveAsync("event");
        Assert.Equal(injected.EventId, again.GetProperty("header").GetProperty("event_id").GetString());
        Assert.Equal([1, 2], h.Emulator.Deliveries.Where(d => d.EventId == injected.EventId).Select(d => d.Attempt));

        await gw.AckAsync(injected.EventId);
        await h.Emulator.WaitForEventAckAsync(injected.EventId);
        h.Time.Advance(EmulatorHarness.AckTimeout * 2);
        Assert.True(await gw.ReceivesNothingAsync());
    }

    [Fact]
    public async Task Redelivery_gives_up_after_max_attempts()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.MaxDeliveryAttempts = 3);
        var gw = await h.ConnectAsync();
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");

        for (int i = 0; i < 5; i++)
        {
            h.Time.Advance(EmulatorHarness.AckTimeout);
        }

        Assert.Equal(3, h.Emulator.Deliveries.Count(d => d.EventId == injected.EventId));
        Assert.Equal(0, h.Emulator.GetPendingDeliveryCount(EmulatorHarness.AppId));
        Assert.Contains(h.Logs.Lines, l => l.Contains("given up", StringComparison.Ordinal) && l.Contains(injected.EventId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_are_spread_round_robin_across_three_connections()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var gws = new[] { await h.ConnectAsync(token), await h.ConnectAsync(token), await h.ConnectAsync(token) };

        var ids = Enumerable.Range(0, 6).Select(i => h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_" + i, "m" + i).EventId).ToArray();

        foreach (var gw in gws)
        {
            var received = new[] { await gw.ReceiveAsync("event"), await gw.ReceiveAsync("event") };
            foreach (var frame in received)
            {
                await gw.AckAsync(frame.GetProperty("header").GetProperty("event_id").GetString()!);
            }

            Assert.True(await gw.ReceivesNothingAsync(TimeSpan.FromMilliseconds(100)));
        }

        Assert.Equal(3, h.Emulator.GetPeakConnectionCount(EmulatorHarness.AppId));
        var perConnection = h.Emulator.Deliveries.GroupBy(d => d.ConnId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, perConnection.Count);
        Assert.All(perConnection.Values, n => Assert.Equal(2, n));
        Assert.Equal(ids.Order(), h.Emulator.Deliveries.Select(d => d.EventId).Order());
    }

    [Fact]
    public async Task Redelivery_moves_to_another_connection()
    {
        await using var h = await EmulatorHarness.StartAsync();
        string token = await h.GetTokenAsync();
        var a = await h.ConnectAsync(token);
        var b = await h.ConnectAsync(token);
        var injected = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "hi");
        var first = h.Emulator.Deliveries.Single(d => d.EventId == injected.EventId);

        h.Time.Advance(EmulatorHarness.AckTimeout);

        var second = h.Emulator.Deliveries.Last(d => d.EventId == injected.EventId);
        Assert.Equal(2, second.Attempt);
        Assert.NotEqual(first.ConnId, second.ConnId);
        var other = second.ConnId == a.ConnId ? a : b;
        var frame = await other.ReceiveAsync("event");
        Assert.Equal(injected.EventId, frame.GetProperty("header").GetProperty("event_id").GetString());
    }

    [Fact]
    public async Task Events_without_an_open_connection_are_not_replayed_later()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var missed = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "nobody home");
        Assert.False(missed.Delivered);

        var gw = await h.ConnectAsync();
        h.Time.Advance(EmulatorHarness.AckTimeout * 2);
        Assert.True(await gw.ReceivesNothingAsync());

        var next = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "now?");
        Assert.Equal(next.EventId, (await gw.ReceiveAsync("event")).GetProperty("header").GetProperty("event_id").GetString());
    }

    [Fact]
    public async Task Cancel_event_names_the_run_and_conversation()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gw = await h.ConnectAsync();
        var message = h.Emulator.InjectMessage(EmulatorHarness.AppId, "u_1", "write an essay", userName: "Bob");
        await gw.ReceiveAsync("event");

        var cancel = h.Emulator.InjectCancel(EmulatorHarness.AppId, message.RunId!);

        var frame = await gw.ReceiveAsync("event");
        Assert.Equal(WireNames.EventTypes.AssistantCancel, frame.GetProperty("header").GetProperty("event_type").GetString());
        Assert.Equal(cancel.EventId, frame.GetProperty("header").GetProperty("event_id").GetString());
        var evt = frame.GetProperty("event");
        Assert.Equal(message.RunId, evt.GetProperty("run_id").GetString());
        Assert.Equal("conv-u_1", evt.GetProperty("conversation_id").GetString());
        Assert.Equal("u_1", evt.GetProperty("sender").GetProperty("user_id").GetString());
        Assert.Throws<ArgumentException>(() => h.Emulator.InjectCancel(EmulatorHarness.AppId, "run-unknown"));
    }
}
