using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent.Benchmarks;

/// <summary>A reply sink that sends nothing anywhere: stream deltas are serialized (as the client would) and counted.</summary>
internal sealed class CountingSink(TimeProvider time) : IEventReplySink
{
    public CountingSink()
        : this(new FakeTimeProvider())
    {
    }

    public int DeltaFrames { get; private set; }

    public long DeltaBytes { get; private set; }

    public TimeProvider TimeProvider { get; } = time;

    public TimeSpan StreamDeltaInterval => TimeSpan.FromMilliseconds(50);

    public Task<SendMessageData> SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(new SendMessageData { MessageId = "m", CreateTime = 1 });

    public bool TrySendStreamDelta(StreamFrame frame)
    {
        DeltaFrames++;
        DeltaBytes += JsonSerializer.SerializeToUtf8Bytes(frame, MitiJsonContext.Default.StreamFrame).Length;
        return true;
    }

    public Task SendTerminalStreamFrameAsync(StreamFrame frame, CancellationToken cancellationToken) => Task.CompletedTask;
}
