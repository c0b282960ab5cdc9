using System.Collections.Concurrent;
using MitiAgent.Emulator;

namespace MitiAgent.Generators.Tests.EndToEnd;

/// <summary>The generated dispatch of <see cref="GeneratedEchoAgent"/>, driven by real events from the Miti emulator.</summary>
public sealed class GeneratedDispatchTests
{
    private const string AppId = "cli_generator_e2e";
    private const string AppSecret = "generator-e2e-secret-0123456789";

    [Fact]
    public void Generated_implementation_declares_every_kind()
    {
        IMitiAgentHandler agent = new GeneratedEchoAgent(new ConcurrentQueue<string>());

        Assert.Equal(
            MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Cancel | MitiHandlerKinds.Overload | MitiHandlerKinds.Error,
            agent.HandledKinds);
    }

    [Fact]
    public async Task Generated_error_dispatch_calls_the_OnError_method_with_the_event_exception_and_token()
    {
        var calls = new ConcurrentQueue<string>();
        IMitiAgentHandler agent = new GeneratedEchoAgent(calls);
        using var cts = new CancellationTokenSource();

        // The SDK builds contexts internally; the test reaches its internal factory methods through reflection only to
        // hand the generated (reflection-free) code a real event.
        const System.Reflection.BindingFlags NonPublic = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Instance;
        MitiAgent.Protocol.EventFrame frame = System.Text.Json.JsonSerializer.Deserialize(
            """{"type":"event","header":{"event_id":"evt_err_1","event_type":"assistant.cancel","create_time":1},"event":{"run_id":"run_1","conversation_id":"conv_1","sender":{"user_id":"u_1"}}}""",
            MitiAgent.Protocol.MitiJsonContext.Default.EventFrame)!;
        object parsed = typeof(AgentEvent).GetMethod("FromFrame", NonPublic)!.Invoke(null, [frame, null])!;
        var agentEvent = (AgentEvent)parsed.GetType().GetProperty("Event")!.GetValue(parsed)!;
        var context = (MitiEventContext)typeof(MitiEventContext)
            .GetConstructors(NonPublic)
            .Single()
            .Invoke([agentEvent, null, cts.Token]);

        await agent.DispatchErrorAsync(context, new InvalidOperationException("boom"));

        Assert.Equal(["Error:evt_err_1:boom:True"], calls.ToArray());
    }

    [Fact]
    public async Task Direct_messages_group_at_and_cancel_reach_the_right_methods()
    {
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "GenBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();

        var calls = new ConcurrentQueue<string>();
        await using var client = new MitiAgentClient(new MitiAgentOptions
        {
            AppId = AppId,
            AppSecret = AppSecret,
            BaseUrl = emulator.BaseUrl,
            RegisterSignals = false,
        });
        await client.StartAsync(new GeneratedEchoAgent(calls));
        await emulator.WaitForConnectionAsync();

        var dm = emulator.InjectMessage(AppId, "u_1", "hello");
        var dmReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == dm.MessageId);
        Assert.Equal("收到:hello", dmReply.Text);
        Assert.Equal("u_1", dmReply.ToUserId);

        using var imageContent = System.Text.Json.JsonDocument.Parse("""{"images":[{"url":"https://example.com/a.png"}]}""");
        var image = emulator.InjectMessage(AppId, "u_1", "image", imageContent.RootElement.Clone());
        var imageReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == image.MessageId);
        Assert.Equal("picture", imageReply.Text);

        var group = emulator.InjectGroupAt(AppId, "sg_1", "u_2", "what's new?");
        var groupReply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == group.MessageId);
        Assert.Equal("group:what's new?", groupReply.Text);
        Assert.Equal("sg_1", groupReply.ToGroupId);

        emulator.InjectCancel(AppId, dm.RunId!);
        await Waiting.WaitUntilAsync(() => calls.Contains("Cancel:" + dm.RunId), "the cancel handler", TimeSpan.FromSeconds(10));

        Assert.Equal(["Echo", "Picture", "Group", "Cancel:" + dm.RunId], calls.ToArray());
        await client.StopAsync();
    }
}
