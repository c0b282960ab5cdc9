
namespace MitiAgent.Emulator.Tests.Browser;

/// <summary>
/// The agent behind the browser tests, on the real SDK client: echoes DMs and group @mentions ("收到:…"), streams
/// without end for "stream …" until the user presses Stop, answers "evil" with markup that must not run, streams a
/// short story with reasoning for "story …", and fails a streamed answer for "fail".
/// </summary>
internal sealed class ChatTestAgent : IMitiAgentHandler
{
    public const string EvilReply =
        "Look: <script>window.__pwned = 'script'; alert(1)</script> and <img src=x onerror=\"window.__pwned = 'img'; alert(2)\"> " +
        "and [a link](javascript:window.__pwned='link';alert(3)).";

    public TaskCompletionSource<CancelEvent> CancelSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed with the number of stream frames sent once the endless stream's handler was cancelled.</summary>
    public TaskCompletionSource<int> StreamStopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Cancel;

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => ValueTask.CompletedTask;

    public async ValueTask DispatchAsync(MitiEventContext context)
    {
        var ct = context.CancellationToken;
        switch (context.Event)
        {
            case CancelEvent cancel:
                CancelSeen.TrySetResult(cancel);
                break;
            case GroupAtEvent at:
                await at.ReplyAsync("收到:" + at.TextWithoutMentions, cancellationToken: ct);
                break;
            case MessageEvent message:
                await AnswerAsync(message, message.Text ?? string.Empty, ct);
                break;
        }
    }

    private async Task AnswerAsync(MessageEvent message, string text, CancellationToken ct)
    {
        if (text.StartsWith("stream", StringComparison.Ordinal))
        {
            var stream = message.OpenStream();
            try
            {
                for (int i = 1; i <= 1200; i++)
                {
                    await stream.AppendAsync($"word{i} ", i == 1 ? "thinking about a long answer" : null, ct);
                    await Task.Delay(50, ct); // a slow model
                }

                await stream.CompleteAsync(cancellationToken: ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                StreamStopped.TrySetResult(stream.Seq);
            }
        }
        else if (text == "evil")
        {
            await message.ReplyAsync(EvilReply, cancellationToken: ct);
        }
        else if (text.StartsWith("story", StringComparison.Ordinal))
        {
            var stream = message.OpenStream();
            string[] chunks =
            [
                "## 一个小故事 (a short story)\n\n", "从前有一只猫,", "它每天都在窗台上晒太阳。", "\n\nThe cat liked **sunny** windows ",
                "and `async` code:\n\n", "```csharp\nawait foreach (var chunk in model.StreamAsync(prompt, ct))\n    await stream.AppendAsync(chunk.Answer, chunk.Reasoning, ct);\n```\n",
            ];
            for (int i = 0; i < chunks.Length; i++)
            {
                await stream.AppendAsync(chunks[i], i == 0 ? "The user wants a story; keep it short and bilingual." : null, ct);
                await Task.Delay(20, ct);
            }

            await stream.CompleteAsync(cancellationToken: ct);
        }
        else if (text == "fail")
        {
            var stream = message.OpenStream();
            await stream.AppendAsync("Let me check that for you… ", cancellationToken: ct);
            await stream.FlushAsync(ct);
            await stream.FailAsync("model_error", "the model timed out", ct);
        }
        else
        {
            await message.ReplyAsync("收到:" + text, cancellationToken: ct);
        }
    }
}

/// <summary>An emulator (real clock) with the test agent connected through the real SDK client.</summary>
internal sealed class ChatSession : IAsyncDisposable
{
    public const string AppId = "cli_chat";
    public const string AgentName = "ChatBot";
    private const string Secret = "chat_secret_value";
    private readonly CancellationTokenSource _stop = new();

    private ChatSession(MitiEmulator emulator, MitiAgentClient client, ChatTestAgent agent)
    {
        Emulator = emulator;
        Client = client;
        Agent = agent;
        Run = client.RunAsync(agent, _stop.Token);
    }

    public MitiEmulator Emulator { get; }
    public MitiAgentClient Client { get; }
    public ChatTestAgent Agent { get; }
    public Task Run { get; }

    public static async Task<ChatSession> StartAsync()
    {
        var options = new MitiEmulatorOptions();
        options.Apps.Add(new EmulatorApp(AppId, Secret) { Name = AgentName });
        var emulator = new MitiEmulator(options);
        await emulator.StartAsync();
        emulator.RegisterUser("u_you", "You");
        var client = new MitiAgentClient(new MitiAgentOptions
        {
            AppId = AppId,
            AppSecret = Secret,
            BaseUrl = emulator.BaseUrl,
            RegisterSignals = false,
            ShutdownTimeout = TimeSpan.FromSeconds(2),
        });
        var session = new ChatSession(emulator, client, new ChatTestAgent());
        await emulator.WaitForConnectionAsync(c => c.AppId == AppId, TimeSpan.FromSeconds(20));
        return session;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            // stopped
        }

        await Client.DisposeAsync();
        await Emulator.DisposeAsync();
        _stop.Dispose();
    }
}
