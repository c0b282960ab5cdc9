using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Emulator;

namespace MitiAgent.AI.Tests;

/// <summary>
/// A Miti emulator on 127.0.0.1 (free port) and a <see cref="MitiAgentClient"/> connected to it, sharing one
/// <see cref="FakeTimeProvider"/> (the stream's coalescing runs on it).
/// </summary>
internal sealed class EmulatorAgent : IAsyncDisposable
{
    public const string AppId = "cli_ai_test";
    public const string AppSecret = "ai-secret-do-not-log-7d1c2b";

    private EmulatorAgent(MitiEmulator emulator, FakeTimeProvider time, MitiAgentClient client)
    {
        Emulator = emulator;
        Time = time;
        Client = client;
    }

    public MitiEmulator Emulator { get; }

    public FakeTimeProvider Time { get; }

    public MitiAgentClient Client { get; }

    public static async Task<EmulatorAgent> StartAsync(IMitiAgentHandler handler)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero));
        var options = new MitiEmulatorOptions { TimeProvider = time };
        options.Apps.Add(new EmulatorApp(AppId, AppSecret) { Name = "AiBot" });
        var emulator = new MitiEmulator(options);
        await emulator.StartAsync();
        var client = new MitiAgentClient(
            new MitiAgentOptions { AppId = AppId, AppSecret = AppSecret, BaseUrl = emulator.BaseUrl, RegisterSignals = false, LogToStandardErrorWithoutLoggerFactory = false },
            timeProvider: time);
        await client.StartAsync(handler);
        return new EmulatorAgent(emulator, time, client);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

/// <summary>A hand-written handler: message and group @ go to one delegate; errors are recorded.</summary>
internal sealed class ChatTestHandler(Func<MessageEvent, CancellationToken, Task> onMessage) : IMitiAgentHandler
{
    public ConcurrentQueue<(AgentEvent Event, Exception Error)> Errors { get; } = new();

    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Error;

    public ValueTask DispatchAsync(MitiEventContext context) =>
        context.Event is MessageEvent message ? new(onMessage(message, context.CancellationToken)) : ValueTask.CompletedTask;

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => ValueTask.CompletedTask;

    public ValueTask DispatchErrorAsync(MitiEventContext context, Exception exception)
    {
        Errors.Enqueue((context.Event, exception));
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// A scripted <see cref="IChatClient"/>: records each call's messages and plays the script for that call, observing
/// the cancellation token it was given.
/// </summary>
internal sealed class ScriptedChatClient(Func<int, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> script) : IChatClient
{
    private int _calls;

    public ConcurrentQueue<IReadOnlyList<ChatMessage>> Calls { get; } = new();

    public TaskCompletionSource TokenCancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static ChatResponseUpdate Text(string text) => new(ChatRole.Assistant, text);

    public static ChatResponseUpdate Reasoning(string text) => new(ChatRole.Assistant, [new TextReasoningContent(text)]);

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Enqueue([.. messages]);
        int call = Interlocked.Increment(ref _calls);
        using var registration = cancellationToken.Register(() => TokenCancelled.TrySetResult());
        try
        {
            await foreach (ChatResponseUpdate update in script(call, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            Finished.TrySetResult();
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
