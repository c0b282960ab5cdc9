using MitiAgent.Protocol;

namespace MitiAgent.Tests.Integration.Client;

public sealed class ClientSendingTests
{
    [Fact]
    public async Task Reply_targets_the_sender_or_the_group_with_markdown_by_default()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        await client.StartAsync(new TestHandler
        {
            OnMessage = (e, ct) => e.ReplyAsync("**echo** " + e.Text, cancellationToken: ct),
            OnGroupAt = (e, ct) => e.ReplyAsync("plain " + e.TextWithoutMentions, useMarkdown: false, cancellationToken: ct),
        });

        var dm = host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hi");
        var at = host.Emulator.InjectGroupAt(EmulatorTestHost.AppId, "sg_1", "u_2", "yo");

        var dmReply = await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == dm.MessageId);
        Assert.Equal("u_1", dmReply.ToUserId);
        Assert.Equal("stream_full", dmReply.MsgType);
        Assert.Equal(dm.MessageId, dmReply.Content.GetProperty("ask_msg_id").GetString());
        Assert.True(dmReply.Content.GetProperty("finished").GetBoolean());
        Assert.Equal("**echo** hi", dmReply.Text);
        var groupReply = await host.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == at.MessageId);
        Assert.Equal("sg_1", groupReply.ToGroupId);
        Assert.Null(groupReply.ToUserId);
        Assert.Equal("text", groupReply.MsgType);
        Assert.Equal("plain yo", groupReply.Text);
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("send_message success: target=u_1 message_id=" + dmReply.MessageId), "success log");
    }

    [Fact]
    public async Task Handlers_reach_the_client_through_the_context_for_history_and_other_targets()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        host.Emulator.RegisterGroup("sg_ops", "Ops", ["u_ops"], [EmulatorTestHost.AppId]);
        await client.StartAsync(new TestHandler
        {
            OnMessageWithClient = async (e, c) =>
            {
                Assert.Same(client, c);
                var history = await c.GetHistoryAsync(e.Message.ConversationId!, limit: 5);
                await c.SendMessageAsync(MessageTarget.Group("sg_ops"), OutgoingContent.Text($"{e.Sender.UserId} has {history.Count} message(s)"));
            },
        });

        host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "hello");

        var sent = await host.Emulator.WaitForSentMessageAsync(m => m.ToGroupId == "sg_ops");
        Assert.Equal("u_1 has 1 message(s)", sent.Text);
    }

    [Fact]
    public async Task Send_message_to_a_user_and_surface_api_errors()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        host.Emulator.RegisterUser("u_1");
        host.Emulator.RegisterUser("u_blocked");
        host.Emulator.BlockAgent("u_blocked", EmulatorTestHost.AppId);

        SentMessage sent = await client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text("hi"));
        Assert.Equal(sent.MessageId, Assert.Single(host.Emulator.SentMessages).MessageId);

        var denied = await Assert.ThrowsAsync<MitiApiException>(() => client.SendMessageAsync(MessageTarget.User("u_blocked"), OutgoingContent.Text("x")));
        Assert.Equal(WireNames.Codes.NoPermission, denied.Code);
        Assert.True(host.Logged("send_message API error: code=10012 msg=no permission"));
        var missing = await Assert.ThrowsAsync<MitiApiException>(() => client.SendMessageAsync(MessageTarget.User("u_nobody"), OutgoingContent.Text("x")));
        Assert.Equal(WireNames.Codes.NotFound, missing.Code);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text(new string('x', 20_001))));
        Assert.Equal(3, host.Emulator.Requests.Count(r => r.Path == WireNames.Paths.SendMessage));
    }

    [Fact]
    public async Task Rate_limit_pauses_the_whole_client_until_retry_after()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        host.Emulator.RegisterUser("u_1");
        host.Emulator.Faults.FailNextRequests(1, 429, TimeSpan.FromSeconds(2), WireNames.Paths.SendMessage);

        var first = client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text("one"));
        await EmulatorTestHost.WaitUntilAsync(() => host.Logged("rate limited"), "the client saw the 429");
        var second = client.SendMessageAsync(MessageTarget.User("u_1"), OutgoingContent.Text("two"));
        await Task.Delay(100);
        Assert.Equal(1, host.Emulator.Requests.Count(r => r.Path == WireNames.Paths.SendMessage));

        host.Time.Advance(TimeSpan.FromSeconds(2));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, host.Emulator.SentMessages.Count);
    }

    [Fact]
    public async Task History_returns_the_conversation_and_validates_the_limit()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        await using var client = host.CreateClient();
        for (int i = 0; i < 5; i++)
        {
            host.Emulator.InjectMessage(EmulatorTestHost.AppId, "u_1", "m" + i);
        }

        var history = await client.GetHistoryAsync("conv-u_1", limit: 3);

        Assert.Equal(["m2", "m3", "m4"], history.Select(m => m.Content));
        Assert.All(history, m => Assert.Equal("user", m.Role));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv-u_1", 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => client.GetHistoryAsync("conv-u_1", 101));
        var missing = await Assert.ThrowsAsync<MitiApiException>(() => client.GetHistoryAsync("conv-nobody"));
        Assert.Equal(WireNames.Codes.NotFound, missing.Code);
    }
}
