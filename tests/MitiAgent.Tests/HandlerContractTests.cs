using System.Reflection;

namespace MitiAgent.Tests;

public class HandlerContractTests
{
    /// <summary>What the source generator will emit, written by hand.</summary>
    private sealed class HandWrittenAgent : IMitiAgentHandler
    {
        public List<string> Calls { get; } = [];

        public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Overload;

        public ValueTask DispatchAsync(MitiEventContext context)
        {
            switch (context.Event)
            {
                case GroupAtEvent group:
                    Calls.Add("group:" + group.TextWithoutMentions);
                    break;
                case MessageEvent message:
                    Calls.Add("message:" + message.Text);
                    break;
            }

            return ValueTask.CompletedTask;
        }

        public async ValueTask DispatchOverloadAsync(MitiEventContext context)
        {
            if (context.Event is MessageEvent message)
            {
                await message.ReplyAsync("busy", useMarkdown: false, context.CancellationToken);
                Calls.Add("overload");
            }
        }
    }

    [Fact]
    public async Task A_handler_receives_typed_events_through_the_context()
    {
        var sink = new FakeSink();
        var agent = new HandWrittenAgent();
        using var cts = new CancellationTokenSource();

        MessageEvent direct = Frames.Event<MessageEvent>(Frames.DirectMessage, sink);
        GroupAtEvent group = Frames.Event<GroupAtEvent>(Frames.GroupAt, sink);
        await agent.DispatchAsync(new MitiEventContext(direct, client: null, cts.Token));
        await agent.DispatchAsync(new MitiEventContext(group, client: null, cts.Token));
        var overloadContext = new MitiEventContext(direct, client: null, cts.Token);
        await agent.DispatchOverloadAsync(overloadContext);

        Assert.Equal(["message:hello", "group:what is up?", "overload"], agent.Calls);
        Assert.Equal("busy", Assert.Single(sink.Sent).Content!.Value.GetProperty("text").GetString());
        Assert.Equal(cts.Token, overloadContext.CancellationToken);
        Assert.Throws<InvalidOperationException>(() => overloadContext.Client);
        Assert.Same(direct, overloadContext.Event);
        Assert.Contains("evt-8f2c", overloadContext.ToString(), StringComparison.Ordinal);
        Assert.True(agent.HandledKinds.HasFlag(MitiHandlerKinds.Overload));
        Assert.False(agent.HandledKinds.HasFlag(MitiHandlerKinds.Cancel));
    }

    [Theory]
    [InlineData(typeof(OnMessageAttribute))]
    [InlineData(typeof(OnGroupAtAttribute))]
    [InlineData(typeof(OnCancelAttribute))]
    [InlineData(typeof(OnOverloadAttribute))]
    public void Attributes_are_sealed_single_use_method_attributes(Type attributeType)
    {
        Assert.True(attributeType.IsSealed);
        Assert.Equal("MitiAgent", attributeType.Namespace);
        AttributeUsageAttribute usage = attributeType.GetCustomAttribute<AttributeUsageAttribute>()!;
        Assert.Equal(AttributeTargets.Method, usage.ValidOn);
        Assert.False(usage.AllowMultiple);
    }

    [Fact]
    public void MsgType_filters_are_optional()
    {
        Assert.Null(new OnMessageAttribute().MsgType);
        Assert.Equal("image", new OnMessageAttribute { MsgType = "image" }.MsgType);
        Assert.Equal("text", new OnGroupAtAttribute { MsgType = "text" }.MsgType);
        Assert.Equal(15, (int)(MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Cancel | MitiHandlerKinds.Overload));
    }
}
