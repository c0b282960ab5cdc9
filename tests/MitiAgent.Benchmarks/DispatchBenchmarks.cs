using System.Reflection;
using BenchmarkDotNet.Attributes;
using MitiAgent.Events;
using MitiAgent.Protocol;

namespace MitiAgent.Benchmarks;

/// <summary>
/// Handler dispatch of an 8-handler agent with <c>msg_type</c> filters: the generator's <c>switch</c> against the
/// same <c>switch</c> written by hand (baseline) and a cached <see cref="MethodInfo.Invoke(object, object[])"/> table
/// (what a reflection-based SDK does). One operation dispatches one event; the four events cover a filtered message,
/// an unfiltered message, a group @mention and a cancel.
/// </summary>
[MemoryDiagnoser]
public class DispatchBenchmarks
{
    private const int Events = 4;
    private readonly GeneratedAgent _generated = new();
    private readonly HandWrittenAgent _handWritten = new();
    private readonly ReflectionAgent _reflection = new();
    private MitiEventContext[] _contexts = [];

    [GlobalSetup]
    public void Setup()
    {
        var sink = new CountingSink();
        _contexts =
        [
            Context(new EventFrameTemplate(msgType: WireNames.MsgTypes.Image, content: """{"images":[{"url":"https://x/a.png"}]}"""), sink),
            Context(new EventFrameTemplate(msgType: "custom_card", content: """{"card":1}"""), sink),
            Context(new EventFrameTemplate(WireNames.EventTypes.GroupAt, WireNames.MsgTypes.AtText, """{"text":"@Bot hi","atUserList":["u_bot"]}"""), sink),
            Context(new EventFrameTemplate(WireNames.EventTypes.MessageReceive, WireNames.MsgTypes.Text), sink),
        ];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public int HandWrittenSwitch()
    {
        IMitiAgentHandler handler = _handWritten;
        foreach (MitiEventContext context in _contexts)
        {
            _ = handler.DispatchAsync(context);
        }

        return _handWritten.Calls;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int Generated()
    {
        IMitiAgentHandler handler = _generated;
        foreach (MitiEventContext context in _contexts)
        {
            _ = handler.DispatchAsync(context);
        }

        return _generated.Calls;
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public int CachedMethodInfoInvoke()
    {
        foreach (MitiEventContext context in _contexts)
        {
            _ = _reflection.DispatchAsync(context);
        }

        return _reflection.Target.Calls;
    }

    private static MitiEventContext Context(EventFrameTemplate template, IEventReplySink sink)
    {
        EventParseResult parsed = AgentEvent.FromUtf8Json(template.Next(), sink);
        return new MitiEventContext(parsed.Event ?? throw new InvalidOperationException(parsed.Reason), client: null, CancellationToken.None);
    }
}

/// <summary>Eight handlers; the generator implements <see cref="IMitiAgentHandler"/>.</summary>
public sealed partial class GeneratedAgent
{
    public int Calls { get; private set; }

    [OnMessage(MsgType = WireNames.MsgTypes.Text)]
    public void Text(MessageEvent e) => Calls++;

    [OnMessage(MsgType = WireNames.MsgTypes.Image)]
    public void Image(MessageEvent e) => Calls++;

    [OnMessage(MsgType = WireNames.MsgTypes.Multimodal)]
    public void Multimodal(MessageEvent e) => Calls++;

    [OnMessage]
    public void Other(MessageEvent e) => Calls++;

    [OnGroupAt(MsgType = WireNames.MsgTypes.AtText)]
    public void GroupText(GroupAtEvent e) => Calls++;

    [OnGroupAt]
    public void GroupOther(GroupAtEvent e) => Calls++;

    [OnCancel]
    public void Cancel(CancelEvent e) => Calls++;

    [OnOverload]
    public void Busy(MessageEvent e) => Calls++;
}

/// <summary>The same eight handlers with the <c>switch</c> written by hand.</summary>
public sealed class HandWrittenAgent : IMitiAgentHandler
{
    public int Calls { get; private set; }

    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message | MitiHandlerKinds.GroupAt | MitiHandlerKinds.Cancel | MitiHandlerKinds.Overload;

    public ValueTask DispatchAsync(MitiEventContext context)
    {
        switch (context.Event)
        {
            case GroupAtEvent group:
                switch (group.Message.MsgType)
                {
                    case WireNames.MsgTypes.AtText:
                        Calls++;
                        return default;
                    default:
                        Calls++;
                        return default;
                }

            case MessageEvent message:
                switch (message.Message.MsgType)
                {
                    case WireNames.MsgTypes.Text:
                        Calls++;
                        return default;
                    case WireNames.MsgTypes.Image:
                        Calls++;
                        return default;
                    case WireNames.MsgTypes.Multimodal:
                        Calls++;
                        return default;
                    default:
                        Calls++;
                        return default;
                }

            case CancelEvent:
                Calls++;
                return default;
            default:
                return default;
        }
    }

    public ValueTask DispatchOverloadAsync(MitiEventContext context)
    {
        Calls++;
        return default;
    }
}

/// <summary>
/// Reflection dispatch as a reflection-based SDK does it: the handler methods found once by attribute and cached per
/// (event kind, <c>msg_type</c>), each call through <see cref="MethodInfo.Invoke(object, object[])"/>.
/// </summary>
public sealed class ReflectionAgent
{
    private readonly Dictionary<(Type Kind, string? MsgType), MethodInfo> _table = [];

    public ReflectionAgent()
    {
        foreach (MethodInfo method in typeof(GeneratedAgent).GetMethods(BindingFlags.Public | BindingFlags.Instance))
        {
            if (method.GetCustomAttribute<OnMessageAttribute>() is { } onMessage)
            {
                _table[(typeof(MessageEvent), onMessage.MsgType)] = method;
            }
            else if (method.GetCustomAttribute<OnGroupAtAttribute>() is { } onGroupAt)
            {
                _table[(typeof(GroupAtEvent), onGroupAt.MsgType)] = method;
            }
            else if (method.GetCustomAttribute<OnCancelAttribute>() is not null)
            {
                _table[(typeof(CancelEvent), null)] = method;
            }
        }
    }

    public GeneratedAgent Target { get; } = new();

    public ValueTask DispatchAsync(MitiEventContext context)
    {
        AgentEvent agentEvent = context.Event;
        string? msgType = agentEvent is MessageEvent message ? message.Message.MsgType : null;
        Type kind = agentEvent.GetType();
        if (_table.TryGetValue((kind, msgType), out MethodInfo? method) || _table.TryGetValue((kind, null), out method))
        {
            method.Invoke(Target, [agentEvent]);
        }

        return default;
    }
}
