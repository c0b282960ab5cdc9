using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Time.Testing;

namespace MitiAgent.Benchmarks;

/// <summary>
/// A streamed answer at 1 000 tokens/s (one token per millisecond on a fake clock): how the SDK coalesces tokens into
/// delta frames (frames per second, printed at the end of the run: at most one per 50 ms interval, so ≤ 20) and what
/// each token costs, frame serialization included. One operation is one token; an invocation streams a whole answer
/// of <see cref="Tokens"/> tokens and completes it.
/// </summary>
[MemoryDiagnoser]
public class StreamingBenchmarks
{
    private const int Tokens = 1000;
    private readonly string[] _tokens = new string[Tokens];
    private readonly EventFrameTemplate _frame = new();
    private FakeTimeProvider _time = null!;
    private CountingSink _sink = null!;
    private int _answers;

    [GlobalSetup]
    public void Setup()
    {
        _time = new FakeTimeProvider();
        _sink = new CountingSink(_time);
        for (int i = 0; i < Tokens; i++)
        {
            _tokens[i] = "tok" + (i % 10) + " ";
        }
    }

    [GlobalCleanup]
    public void Report() =>
        Console.WriteLine(
            $"// streaming at 1000 tokens/s: {(double)_sink.DeltaFrames / _answers:F1} delta frames/s, {(double)_sink.DeltaBytes / _answers / Tokens:F1} wire bytes per token");

    [Benchmark(OperationsPerInvoke = Tokens)]
    public async Task StreamAnswerAt1000TokensPerSecond()
    {
        var message = (MessageEvent)AgentEvent.FromUtf8Json(_frame.Next(), _sink).Event!;
        MitiReplyStream stream = message.OpenStream();
        foreach (string token in _tokens)
        {
            await stream.AppendAsync(token);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        await stream.CompleteAsync();
        _answers++;
    }
}
