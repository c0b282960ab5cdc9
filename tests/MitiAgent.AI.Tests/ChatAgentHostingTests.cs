using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MitiAgent.Emulator;
using static MitiAgent.AI.Tests.ScriptedChatClient;

namespace MitiAgent.AI.Tests;

/// <summary><c>services.AddMitiChatAgent(systemPrompt)</c> in a real Generic Host against the emulator (real time).</summary>
public sealed class ChatAgentHostingTests
{
    [Fact]
    public async Task AddMitiChatAgent_answers_with_the_chat_client_from_DI_and_the_system_prompt()
    {
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(EmulatorAgent.AppId, EmulatorAgent.AppSecret) { Name = "AiBot" });
        await using var emulator = new MitiEmulator(options);
        await emulator.StartAsync();
        var model = new ScriptedChatClient((_, _) => Updates(Reasoning("Short."), Text("Hello "), Text("there.")));

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development, Args = [] });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Miti:AppId"] = EmulatorAgent.AppId,
            ["Miti:AppSecret"] = EmulatorAgent.AppSecret,
            ["Miti:BaseUrl"] = emulator.BaseUrl,
            ["Miti:RegisterSignals"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IChatClient>(model);
        builder.Services.AddMitiChatAgent(systemPrompt: "You are AiBot.", reply => reply.HistoryDepth = 5);
        using IHost host = builder.Build();
        await host.StartAsync();
        try
        {
            var injected = emulator.InjectMessage(EmulatorAgent.AppId, "u_1", "hi");
            var final = await emulator.WaitForFinalAnswerAsync(injected.RunId!);

            Assert.Equal("completed", final.State);
            Assert.Equal("Hello there.", final.Answer);
            Assert.Equal("Short.", final.Reasoning);
            IReadOnlyList<ChatMessage> sent = Assert.Single(model.Calls);
            Assert.Equal([ChatRole.System, ChatRole.User], sent.Select(m => m.Role));
            Assert.Equal(["You are AiBot.", "hi"], sent.Select(m => m.Text));
            Assert.Equal(5, host.Services.GetRequiredService<MitiChatReplyOptions>().HistoryDepth);

            // A message without a run (no run_id/assistant_msg_id) gets the whole response as one markdown reply. (The
            // emulator always opens runs: the event is written raw, naming the first message so the reply may refer to it.)
            string connId = Assert.Single(emulator.GetConnections(EmulatorAgent.AppId)).ConnId;
            emulator.Faults.SendMalformedFrame(connId, """
                {"type": "event",
                 "header": {"event_id": "evt-norun", "event_type": "im.message.receive", "create_time": 1750240805000, "app_id": "APP"},
                 "event": {"sender": {"user_id": "u_1"},
                           "message": {"message_id": "MSG", "conversation_id": "CONV", "msg_type": "text",
                                       "content": {"text": "no run here"}, "create_time": 1750240805000}}}
                """.Replace("APP", EmulatorAgent.AppId, StringComparison.Ordinal).Replace("CONV", injected.ConversationId, StringComparison.Ordinal).Replace("MSG", injected.MessageId, StringComparison.Ordinal));
            var reply = await emulator.WaitForSentMessageAsync(m => m.ReplyToMessageId == injected.MessageId);
            Assert.Equal("Hello there.", reply.Text);
            Assert.Equal("u_1", reply.ToUserId);
            Assert.Equal(2, model.Calls.Count);
            Assert.Equal("no run here", model.Calls.ElementAt(1)[^1].Text);
            Assert.Equal(["You are AiBot.", "Hello there.", "no run here"], model.Calls.ElementAt(1).Select(m => m.Text));
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(params ChatResponseUpdate[] updates)
    {
        foreach (ChatResponseUpdate update in updates)
        {
            await Task.Yield();
            yield return update;
        }
    }
}
