using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using MitiAgent.Dispatch;
using MitiAgent.Events;
using MitiAgent.Gateway;

namespace MitiAgent.Benchmarks;

/// <summary>
/// The SDK's inbound path for one text event without a socket: UTF-8 frame → typed event → ack bytes (→ dispatch
/// to a no-op handler on a worker, waiting until it ran). Baseline: what a minimal raw client does per event (read
/// <c>header.event_id</c>, write the ack). Bytes per event are the SDK's own (MemoryDiagnoser counts every thread).
/// </summary>
[MemoryDiagnoser]
public class InboundFrameBenchmarks
{
    private readonly EventFrameTemplate _frame = new();
    private readonly RawAckWriter _raw = new();
    private readonly CountingHandler _handler = new();
    private EventDispatcher _dispatcher = null!;
    private CountingSink _sink = null!;

    [GlobalSetup]
    public void Setup()
    {
        _sink = new CountingSink(TimeProvider.System);
        _dispatcher = new EventDispatcher(_handler, client: null, new MitiAgentOptions { AppId = "a", AppSecret = "s" }, NullLogger.Instance, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup() => _dispatcher.Dispose();

    [Benchmark(Baseline = true)]
    public int RawReadIdAndAck()
    {
        string eventId = RawAckWriter.ReadEventId(_frame.Next()) ?? throw new InvalidOperationException("no event_id");
        return _raw.Ack(eventId).Length;
    }

    [Benchmark]
    public int SdkFrameToAck()
    {
        EventParseResult parsed = AgentEvent.FromUtf8Json(_frame.Next(), _sink);
        return Ack(parsed);
    }

    [Benchmark]
    public int SdkFrameToHandler()
    {
        EventParseResult parsed = AgentEvent.FromUtf8Json(_frame.Next(), _sink);
        var delivery = new EventDelivery(parsed.Event!); // the event's ack too: settled as the socket's writer does
        int acked = Ack(parsed);
        delivery.TrySettle(sent: true);
        int target = _handler.Calls + 1;
        ValueTask dispatched = _dispatcher.DispatchAsync(delivery);
        if (!dispatched.IsCompletedSuccessfully)
        {
            dispatched.AsTask().GetAwaiter().GetResult();
        }

        // The handler runs on a worker: wait (spinning, allocation-free) until it did.
        var spin = default(SpinWait);
        while (Volatile.Read(ref _handler.CallCount) < target)
        {
            spin.SpinOnce();
        }

        return acked;
    }

    private static int Ack(EventParseResult parsed)
    {
        ArraySegment<byte> ack = GatewaySocket.RentAck(parsed.EventId!);
        GatewaySocket.ReturnAck(ack); // the socket's writer returns it once the frame was sent
        return ack.Count;
    }
}

/// <summary>A no-op message handler that counts its calls.</summary>
internal sealed class CountingHandler : IMitiAgentHandler
{
    public int CallCount;
    private int _target = int.MaxValue;
    private TaskCompletionSource? _reached;

    public int Calls => Volatile.Read(ref CallCount);

    /// <summary>Completes once <paramref name="more"/> further calls were made.</summary>
    public Task WaitForAsync(int more)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _reached, reached);
        Volatile.Write(ref _target, Calls + more);
        return reached.Task;
    }

    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt;

    public ValueTask DispatchAsync(MitiEventContext context)
    {
        if (Interlocked.Increment(ref CallCount) >= Volatile.Read(ref _target))
        {
            Volatile.Read(ref _reached)?.TrySetResult();
        }

        return default;
    }

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => default;
}
