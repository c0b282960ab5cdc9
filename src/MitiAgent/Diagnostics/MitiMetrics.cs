using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using static MitiAgent.MitiTelemetry;

namespace MitiAgent.Diagnostics;

/// <summary>What <see cref="MitiMetrics"/> reads for <see cref="Instruments.QueueDepth"/> when a listener collects.</summary>
internal interface IQueueDepthSource
{
    /// <summary>Running message handlers, running overload handlers, and cancel events queued or running.</summary>
    (int Handlers, int Overload, int Cancel) ReadQueueDepth();
}

/// <summary>
/// The instruments of one <c>MitiAgent</c> meter (see <see cref="MitiTelemetry.Instruments"/>). There is one instance
/// per <see cref="Meter"/>: the process-wide meter of clients without an <see cref="IMeterFactory"/>, or the meter a
/// factory returns (a factory may return the same meter to several clients; the instruments are then shared, never
/// created twice). <see cref="Instruments.QueueDepth"/> sums the dispatchers registered with <see cref="Track"/>; a
/// client removes its dispatcher when its session ends, so a stopped or disposed client is neither reported nor kept
/// alive by the meter. Recording methods are allocation-free and cheap when nobody listens.
/// </summary>
internal sealed class MitiMetrics
{
    /// <summary>The SDK version the meter and activity source report.</summary>
    internal static readonly string Version = typeof(MitiMetrics).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    private static readonly ConditionalWeakTable<Meter, MitiMetrics> ByMeter = new();
    private static readonly Lazy<MitiMetrics> SharedInstance = new(static () => new MitiMetrics(new Meter(MeterName, Version)));
    private static readonly KeyValuePair<string, object?>[] HandlersQueue = [new(Tags.Queue, QueueNames.Handlers)];
    private static readonly KeyValuePair<string, object?>[] OverloadQueue = [new(Tags.Queue, QueueNames.Overload)];
    private static readonly KeyValuePair<string, object?>[] CancelQueue = [new(Tags.Queue, QueueNames.Cancel)];

    private readonly List<IQueueDepthSource> _sources = [];
    private readonly Counter<long> _reconnects;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _received;
    private readonly Counter<long> _deduplicated;
    private readonly Counter<long> _overloaded;
    private readonly Counter<long> _dropped;
    private readonly Histogram<double> _handlerDuration;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _tokenRefreshes;
    private readonly Counter<long> _streamRetries;

    private MitiMetrics(Meter meter)
    {
        Meter = meter;
        _connections = meter.CreateUpDownCounter<long>(Instruments.Connections, "{connection}", "Gateway connections open right now.");
        _reconnects = meter.CreateCounter<long>(Instruments.Reconnects, "{reconnect}", "Gateway redials, by why the previous connection or dial ended.");
        _received = meter.CreateCounter<long>(Instruments.EventsReceived, "{event}", "Event frames received from the gateway, redeliveries included.");
        _deduplicated = meter.CreateCounter<long>(Instruments.EventsDeduplicated, "{event}", "Redelivered events acked but not handled again.");
        _overloaded = meter.CreateCounter<long>(Instruments.EventsOverloaded, "{event}", "Message events sent to the overload handler because every slot was busy.");
        _dropped = meter.CreateCounter<long>(Instruments.EventsDropped, "{event}", "Acked events that ran no handler, by reason.");
#if NET9_0_OR_GREATER
        _handlerDuration = meter.CreateHistogram<double>(
            Instruments.HandlerDuration,
            "s",
            "Duration of event handler runs.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
#else
        _handlerDuration = meter.CreateHistogram<double>(Instruments.HandlerDuration, "s", "Duration of event handler runs.");
#endif
        meter.CreateObservableUpDownCounter(Instruments.QueueDepth, ObserveQueueDepth, "{event}", "Events being handled or waiting: running handlers, running overload handlers, queued cancels.");
        _rateLimited = meter.CreateCounter<long>(Instruments.RateLimited, "{response}", "HTTP 429 answers, by operation.");
        _tokenRefreshes = meter.CreateCounter<long>(Instruments.TokenRefreshes, "{request}", "Access token requests, by trigger and outcome.");
        _streamRetries = meter.CreateCounter<long>(Instruments.StreamRetries, "{frame}", "Terminal stream frames resent because their ack did not come in time.");
    }

#if NET9_0_OR_GREATER
    /// <summary>Buckets for handler durations in seconds: from 5 ms to 10 min (agents may think for minutes).</summary>
    private static IReadOnlyList<double> DurationBuckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
#endif

    /// <summary>The meter of these instruments.</summary>
    public Meter Meter { get; }

    /// <summary>The instruments of the process-wide meter, for clients without an <see cref="IMeterFactory"/>.</summary>
    public static MitiMetrics Shared => SharedInstance.Value;

    /// <summary>The instruments of <paramref name="meterFactory"/>'s <c>MitiAgent</c> meter, or <see cref="Shared"/>.</summary>
    public static MitiMetrics For(IMeterFactory? meterFactory)
    {
        if (meterFactory is null)
        {
            return Shared;
        }

        Meter meter = meterFactory.Create(new MeterOptions(MeterName) { Version = Version });
        lock (ByMeter)
        {
            // Under the lock, so two clients starting at once never create the instruments twice on one meter.
            if (!ByMeter.TryGetValue(meter, out var metrics))
            {
                metrics = new MitiMetrics(meter);
                ByMeter.Add(meter, metrics);
            }

            return metrics;
        }
    }

    /// <summary>Adds a dispatcher to <see cref="Instruments.QueueDepth"/>.</summary>
    public void Track(IQueueDepthSource source)
    {
        lock (_sources)
        {
            _sources.Add(source);
        }
    }

    /// <summary>Removes a dispatcher from <see cref="Instruments.QueueDepth"/> (no-op when it is not there).</summary>
    public void Untrack(IQueueDepthSource source)
    {
        lock (_sources)
        {
            _sources.Remove(source);
        }
    }

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    /// <param name="reason">One of <see cref="ReconnectReasons"/>.</param>
    public void Reconnect(string reason) => _reconnects.Add(1, new KeyValuePair<string, object?>(Tags.ReconnectReason, reason));

    public void EventReceived(string? eventType)
    {
        if (eventType is null)
        {
            _received.Add(1);
        }
        else
        {
            _received.Add(1, new KeyValuePair<string, object?>(Tags.EventType, eventType));
        }
    }

    public void EventDeduplicated(string eventType) => _deduplicated.Add(1, new KeyValuePair<string, object?>(Tags.EventType, eventType));

    public void EventOverloaded(string eventType) => _overloaded.Add(1, new KeyValuePair<string, object?>(Tags.EventType, eventType));

    /// <param name="eventType">The event type, when known.</param>
    /// <param name="reason">One of <see cref="DropReasons"/>.</param>
    public void EventDropped(string? eventType, string reason)
    {
        var reasonTag = new KeyValuePair<string, object?>(Tags.DropReason, reason);
        if (eventType is null)
        {
            _dropped.Add(1, reasonTag);
        }
        else
        {
            _dropped.Add(1, new KeyValuePair<string, object?>(Tags.EventType, eventType), reasonTag);
        }
    }

    /// <param name="seconds">How long the handler ran.</param>
    /// <param name="eventType">The event type.</param>
    /// <param name="kind">One of <see cref="HandlerKinds"/>.</param>
    /// <param name="outcome">One of <see cref="HandlerOutcomes"/>.</param>
    public void HandlerRan(double seconds, string eventType, string kind, string outcome) =>
        _handlerDuration.Record(
            seconds,
            new KeyValuePair<string, object?>(Tags.EventType, eventType),
            new KeyValuePair<string, object?>(Tags.HandlerKind, kind),
            new KeyValuePair<string, object?>(Tags.HandlerOutcome, outcome));

    /// <param name="operation">One of <see cref="Operations"/>.</param>
    public void RateLimitedAnswer(string operation) => _rateLimited.Add(1, new KeyValuePair<string, object?>(Tags.Operation, operation));

    /// <param name="trigger">One of <see cref="TokenTriggers"/>.</param>
    /// <param name="success">Whether the request produced a token.</param>
    public void TokenRequested(string trigger, bool success) =>
        _tokenRefreshes.Add(
            1,
            new KeyValuePair<string, object?>(Tags.TokenTrigger, trigger),
            new KeyValuePair<string, object?>(Tags.TokenOutcome, success ? "success" : "failure"));

    public void StreamFrameResent() => _streamRetries.Add(1);

    private IEnumerable<Measurement<int>> ObserveQueueDepth()
    {
        int handlers = 0, overload = 0, cancel = 0;
        lock (_sources)
        {
            if (_sources.Count == 0)
            {
                return [];
            }

            foreach (var source in _sources)
            {
                var (h, o, c) = source.ReadQueueDepth();
                handlers += h;
                overload += o;
                cancel += c;
            }
        }

        return [new(handlers, HandlersQueue), new(overload, OverloadQueue), new(cancel, CancelQueue)];
    }

    /// <summary>Values of <see cref="Tags.ReconnectReason"/>.</summary>
    internal static class ReconnectReasons
    {
        public const string ServerReconnect = "server_reconnect";
        public const string ServerClosed = "server_closed";
        public const string TokenRevoked = "token_revoked";
        public const string MalformedFrame = "malformed_frame";
        public const string PingTimeout = "ping_timeout";
        public const string ConnectionLost = "connection_lost";
        public const string TokenInvalid = "token_invalid";
        public const string RateLimited = "rate_limited";
        public const string HandshakeFailed = "handshake_failed";
        public const string ConnectFailed = "connect_failed";
        public const string TokenUnavailable = "token_unavailable";
    }

    /// <summary>Values of <see cref="Tags.DropReason"/>.</summary>
    internal static class DropReasons
    {
        public const string Overloaded = "overloaded";
        public const string CancelQueueFull = "cancel_queue_full";
        public const string NoHandler = "no_handler";
        public const string Malformed = "malformed";
        public const string Shutdown = "shutdown";
    }

    /// <summary>Values of <see cref="Tags.HandlerKind"/>.</summary>
    internal static class HandlerKinds
    {
        public const string Message = "message";
        public const string Overload = "overload";
        public const string Cancel = "cancel";
    }

    /// <summary>Values of <see cref="Tags.HandlerOutcome"/>.</summary>
    internal static class HandlerOutcomes
    {
        public const string Ok = "ok";
        public const string Error = "error";
        public const string Cancelled = "cancelled";
    }

    /// <summary>Values of <see cref="Tags.Queue"/>.</summary>
    internal static class QueueNames
    {
        public const string Handlers = "handlers";
        public const string Overload = "overload";
        public const string Cancel = "cancel";
    }

    /// <summary>Values of <see cref="Tags.Operation"/>.</summary>
    internal static class Operations
    {
        public const string Send = "send";
        public const string History = "history";
        public const string Token = "token";
        public const string Gateway = "gateway";
    }

    /// <summary>Values of <see cref="Tags.TokenTrigger"/>.</summary>
    internal static class TokenTriggers
    {
        public const string Initial = "initial";
        public const string Scheduled = "scheduled";
        public const string OnDemand = "on_demand";
    }
}
