using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MitiAgent.Tests.Integration;
using MitiAgent.Tests.Integration.Client;

namespace MitiAgent.Tests.Telemetry;

/// <summary>
/// An <see cref="IMeterFactory"/> like the one DI registers: one meter per name/version, owned (and disposed) by the
/// factory, with the factory as the meter's <see cref="Meter.Scope"/> so a listener can pick this test's meters only.
/// </summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly Dictionary<(string Name, string? Version), Meter> _meters = [];

    public int Created { get; private set; }

    public Meter Create(MeterOptions options)
    {
        lock (_meters)
        {
            if (!_meters.TryGetValue((options.Name, options.Version), out var meter))
            {
                meter = new Meter(new MeterOptions(options.Name) { Version = options.Version, Tags = options.Tags, Scope = this });
                _meters.Add((options.Name, options.Version), meter);
                Created++;
            }

            return meter;
        }
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters.Values)
            {
                meter.Dispose();
            }

            _meters.Clear();
        }
    }
}

/// <summary>One measurement seen by <see cref="MetricRecorder"/>.</summary>
internal sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
{
    public bool Has(string key, string value) => Tags.TryGetValue(key, out var v) && Equals(v, value);

    public override string ToString() => Instrument + " " + Value + " {" + string.Join(", ", Tags.Select(t => t.Key + "=" + t.Value)) + "}";
}

/// <summary>
/// An in-memory <see cref="MeterListener"/> scoped to the meters of one <see cref="TestMeterFactory"/>, so tests that run
/// in parallel never see each other's measurements.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Measured> _measurements = new();
    private readonly ConcurrentQueue<Measured> _observed = new();
    private readonly ConcurrentDictionary<string, Instrument> _instruments = new(StringComparer.Ordinal);
    private readonly object _observeGate = new();

    public MetricRecorder(TestMeterFactory factory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                _instruments[instrument.Name] = instrument;
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<int>((i, v, t, _) => Add(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Add(i, v, t));
        _listener.Start();
    }

    /// <summary>The instruments published on the factory's meters, by name.</summary>
    public IReadOnlyDictionary<string, Instrument> Instruments => _instruments;

    public IReadOnlyList<Measured> All => _measurements.ToArray();

    /// <summary>The measurements of <paramref name="instrument"/> carrying every given tag.</summary>
    public IReadOnlyList<Measured> Of(string instrument, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Instrument == instrument && tags.All(t => m.Has(t.Key, t.Value))).ToArray();

    public double Sum(string instrument, params (string Key, string Value)[] tags) => Of(instrument, tags).Sum(m => m.Value);

    /// <summary>Collects the observable instruments now and returns what they reported.</summary>
    public IReadOnlyList<Measured> Observe()
    {
        lock (_observeGate)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            return _observed.ToArray();
        }
    }

    /// <summary>The current <c>miti.agent.queue.depth</c> by <c>miti.queue</c>.</summary>
    public IReadOnlyDictionary<string, double> QueueDepth() =>
        Observe().Where(m => m.Instrument == MitiTelemetry.Instruments.QueueDepth)
            .ToDictionary(m => (string)m.Tags[MitiTelemetry.Tags.Queue]!, m => m.Value);

    public void Dispose() => _listener.Dispose();

    private void Add<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        var measured = new Measured(instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), copy);
        (instrument.IsObservable ? _observed : _measurements).Enqueue(measured);
    }
}

/// <summary>
/// Records the stopped activities of the <c>MitiAgent</c> source that belong to the test that created the recorder.
/// Emulator event ids repeat across emulators (tests run in parallel), so spans are told apart by the async flow:
/// the recorder marks the test's execution context, which flows from <c>StartAsync</c> into the client's connection
/// loop, its reader and its handler runs, where the spans end.
/// </summary>
internal sealed class SpanRecorder : IDisposable
{
    private static readonly AsyncLocal<SpanRecorder?> Scope = new();
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Activity> _stopped = new();

    /// <summary>Create it in the test method itself, before the client starts.</summary>
    public SpanRecorder()
    {
        Scope.Value = this;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MitiTelemetry.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (ReferenceEquals(Scope.Value, this))
                {
                    _stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<Activity> For(string eventId) =>
        _stopped.Where(a => a.GetTagItem(MitiTelemetry.Tags.EventId) as string == eventId).ToArray();

    /// <summary>Waits (real time, bounded) until the span of <paramref name="eventId"/> has ended and returns it.</summary>
    public async Task<Activity> WaitForAsync(string eventId)
    {
        await EmulatorTestHost.WaitUntilAsync(() => For(eventId).Count > 0, "span of " + eventId, TimeSpan.FromSeconds(20));
        return For(eventId).Single();
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>An emulator, a client on its own meter factory, and a recorder for that factory's measurements.</summary>
internal sealed class TelemetryHarness : IAsyncDisposable
{
    private TelemetryHarness(EmulatorTestHost host, TestMeterFactory factory, MetricRecorder metrics, MitiAgentClient client)
    {
        Host = host;
        Factory = factory;
        Metrics = metrics;
        Client = client;
    }

    public EmulatorTestHost Host { get; }

    public TestMeterFactory Factory { get; }

    public MetricRecorder Metrics { get; }

    public MitiAgentClient Client { get; }

    public static async Task<TelemetryHarness> CreateAsync(
        Action<MitiAgentOptions>? configure = null, Action<Emulator.MitiEmulatorOptions>? emulator = null, TimeSpan? tokenLifetime = null)
    {
        var host = await EmulatorTestHost.StartAsync(emulator, tokenLifetime);
        var factory = new TestMeterFactory();
        var metrics = new MetricRecorder(factory);
        var client = new MitiAgentClient(host.Options(configure), host.LoggerFactory, host.Time, meterFactory: factory);
        return new TelemetryHarness(host, factory, metrics, client);
    }

    /// <summary>Waits (real time, bounded) until <paramref name="condition"/> holds over the recorded measurements.</summary>
    public Task WaitForAsync(Func<MetricRecorder, bool> condition, string what) =>
        EmulatorTestHost.WaitUntilAsync(() => condition(Metrics), what, TimeSpan.FromSeconds(20));

    public Task AdvanceUntilAsync(Func<bool> condition, string what) =>
        Host.AdvanceUntilAsync(condition, TimeSpan.FromMilliseconds(250), what);

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Host.DisposeAsync();
        Metrics.Dispose();
        Factory.Dispose();
    }
}
