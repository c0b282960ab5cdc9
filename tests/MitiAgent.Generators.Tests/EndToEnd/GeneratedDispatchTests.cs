using System.Collections.Concurrent;
using MitiAgent.Emulator;

namespace MitiAgent.Generators.Tests.EndToEnd;

/// <summary>The generated dispatch of <see cref="GeneratedEchoAgent"/>, driven by real events from the Miti emulator.</summary>
public sealed class GeneratedDispatchTests
{
    private const string AppId = "cli_generator_e2e";
    private const string AppSecret = "generator-e2e-secret-0123456789";

    [Fact]
    public void GeneratedImplementationDeclaresEveryKind()
    {
        IMitiAgentHandler agent = new GeneratedEchoAgent(new ConcurrentQueue<string>());

        Assert.Equal(
            MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Cancel | MitiHandlerKinds.Overload,
            agent.HandledKinds);
    }

    [Fact]
    public async Task DirectMessagesGroupAtAndCancelReachTheRightMethods()
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
        await WaitUntilAsync(() => calls.Contains("Cancel:" + dm.RunId), "the cancel handler");

        Assert.Equal(["Echo", "Picture", "Group", "Cancel:" + dm.RunId], calls.ToArray());
        await client.StopAsync();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }

            await Task.Delay(5);
        }
    }
}
