namespace Company.MitiAgent1.Tests;

public sealed class EchoAgentTests(AgentFixture agent) : IClassFixture<AgentFixture>
{
    [Fact]
    public async Task Replies_to_a_direct_message()
    {
        var message = agent.Emulator.InjectMessage(AgentFixture.AppId, "u_alice", "hello");

        var reply = await agent.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == message.MessageId);

        Assert.Equal("echo: hello", reply.Text);
        Assert.Equal("u_alice", reply.ToUserId);
    }

    [Fact]
    public async Task Replies_in_the_group_when_mentioned()
    {
        var mention = agent.Emulator.InjectGroupAt(AgentFixture.AppId, "sg_team", "u_bob", "what's new?");

        var reply = await agent.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == mention.MessageId);

        Assert.Equal("sg_team", reply.ToGroupId);
        Assert.Equal("echo: what's new?", reply.Text);
    }

    [Fact]
    public async Task Answers_again_after_the_connection_drops()
    {
        // A fault: the emulator drops the agent's connection; the client reconnects by itself.
        var before = agent.Emulator.GetConnections(AgentFixture.AppId).Single();
        agent.Emulator.Faults.DropConnection(before.ConnId);
        await agent.Emulator.WaitForConnectionAsync(c => c.AppId == AgentFixture.AppId && c.ConnId != before.ConnId, TimeSpan.FromSeconds(30));

        var message = agent.Emulator.InjectMessage(AgentFixture.AppId, "u_carol", "still there?");
        var reply = await agent.Emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == message.MessageId, TimeSpan.FromSeconds(30));

        Assert.Equal("echo: still there?", reply.Text);
    }
}
