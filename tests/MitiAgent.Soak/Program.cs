using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using MitiAgent;

// Issue 14 §6 soak: one agent answers a steady event rate for a while; the managed heap (after a full collection) and
// the working set are printed at the start, every 30 s and at the end. The emulator runs as a separate process so the
// figures are the SDK's alone (the emulator keeps every event and message it saw). Half the events are answered with a
// REST reply, half with a final stream frame over the gateway (acked by the server).
//
//   dotnet build -c Release tests/MitiAgent.Soak
//   dotnet tests/MitiAgent.Soak/bin/Release/net10.0/MitiAgent.Soak.dll --seconds 300 --rate 50
//
// Exit code 0 when every injected event was answered exactly once and the heap did not grow by more than 20 %
// plus 4 MB between the first and the last measurement; 1 otherwise.
int seconds = int.TryParse(Environment.GetEnvironmentVariable("MITI_SOAK_SECONDS"), CultureInfo.InvariantCulture, out int fromEnv) ? fromEnv : 300;
int rate = 50;
string? emulatorUrl = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds" when i + 1 < args.Length: seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rate" when i + 1 < args.Length: rate = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--emulator" when i + 1 < args.Length: emulatorUrl = args[++i]; break;
        default:
            Console.Error.WriteLine("usage: MitiAgent.Soak [--seconds N (default MITI_SOAK_SECONDS or 300)] [--rate events/s (50)] [--emulator http://host:port (default: start one)]");
            return 2;
    }
}

const string AppId = "cli_demo";
const string AppSecret = "demo_secret";
using var emulatorProcess = emulatorUrl is null ? StartEmulator(out emulatorUrl) : null;
try
{
    using var http = new HttpClient { BaseAddress = new Uri(emulatorUrl.TrimEnd('/') + "/") };
    await WaitForEmulatorAsync(http);

    // The soak's own bookkeeping is allocated once, indexed by the event's sequence number, so that it adds nothing
    // to the heap while the run goes on: only the SDK's (and the runtime's) memory can move the figures.
    int capacity = 1000 + Math.Min(rate * 5, 500) + (int)(rate * (long)seconds * 11 / 10);
    long[] injectedAt = new long[capacity];
    int[] answered = new int[capacity];
    double[] latencies = new double[capacity];
    int answeredCount = 0;
    var handler = new SoakHandler(async (e, ct) =>
    {
        string text = e.Message.Text ?? "";
        int seq = int.Parse(text.AsSpan("soak ".Length), CultureInfo.InvariantCulture);
        if (text.Length > 0 && (text[^1] - '0') % 2 == 0)
        {
            await e.ReplyAsync("ack " + text, useMarkdown: false, ct);
        }
        else
        {
            await e.ReplyCompletedAsync("answer to " + text, cancellationToken: ct);
        }

        if (Interlocked.Increment(ref answered[seq]) == 1)
        {
            latencies[seq] = Stopwatch.GetElapsedTime(Volatile.Read(ref injectedAt[seq])).TotalMilliseconds;
            Interlocked.Increment(ref answeredCount);
        }
    });

    var options = new MitiAgentOptions
    {
        AppId = AppId,
        AppSecret = AppSecret,
        BaseUrl = emulatorUrl.TrimEnd('/') + "/chat",
        RegisterSignals = false, // warnings and errors go to standard error (no logger factory)
    };
    await using var client = new MitiAgentClient(options);
    await client.StartAsync(handler);

    int injected = 0;
    int failedInjections = 0;
    async Task InjectAsync(int count)
    {
        for (int n = 0; n < count; n++)
        {
            int seq = Interlocked.Increment(ref injected);
            if (seq >= capacity)
            {
                return; // the run went on past its planned length (a slow machine): stop injecting
            }

            Volatile.Write(ref injectedAt[seq], Stopwatch.GetTimestamp());
            using var response = await http.PostAsJsonAsync("_emulator/inject/message", new Dictionary<string, string>
            {
                ["app_id"] = AppId,
                ["user_id"] = "u_soak" + (seq % 20).ToString(CultureInfo.InvariantCulture),
                ["text"] = "soak " + seq.ToString(CultureInfo.InvariantCulture),
            });
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failedInjections);
            }
        }
    }

    // Warm-up: JIT, pools and caches fill before the first measurement.
    await InjectAsync(Math.Min(rate * 5, 500));
    await WaitAsync(() => answeredCount >= injected, TimeSpan.FromSeconds(30));
    var start = Measure();
    Print("start", start, injected, answeredCount);

    var clock = Stopwatch.StartNew();
    var next = TimeSpan.FromSeconds(30);
    using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
    {
        long due = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds) && await tick.WaitForNextTickAsync())
        {
            // Steady rate: inject whatever is due by now (a late tick catches up, never runs ahead).
            long target = (long)(clock.Elapsed.TotalSeconds * rate);
            int batch = (int)(target - due);
            due = target;
            await InjectAsync(batch);
            if (clock.Elapsed >= next)
            {
                Print(((int)clock.Elapsed.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s", Measure(), injected, answeredCount);
                next += TimeSpan.FromSeconds(30);
            }
        }
    }

    await WaitAsync(() => answeredCount >= injected - failedInjections, TimeSpan.FromSeconds(30));
    var end = Measure();
    Print("end", end, injected, answeredCount);
    await client.StopAsync();

    injected = Math.Min(injected, capacity - 1);
    double[] sorted = [.. latencies.AsSpan(1, injected).ToArray().Where(l => l > 0).Order()];
    int duplicates = answered.Count(n => n > 1);
    int lost = injected - failedInjections - answeredCount;
    double growth = (end.Heap - start.Heap) / (double)start.Heap;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"soak: {seconds} s at {rate} events/s: {injected} events, {answeredCount} answered, lost {lost}, duplicates {duplicates}, injections refused {failedInjections}; " +
        $"latency p50 {Percentile(sorted, 0.50):F1} ms, p99 {Percentile(sorted, 0.99):F1} ms; " +
        $"GC heap {Mb(start.Heap)} → {Mb(end.Heap)} MB ({growth:+0.0%;-0.0%}), working set {Mb(start.WorkingSet)} → {Mb(end.WorkingSet)} MB, gen2 collections {end.Gen2 - start.Gen2}"));
    bool flat = end.Heap <= start.Heap * 1.2 + 4 * 1024 * 1024;
    return lost == 0 && duplicates == 0 && flat ? 0 : 1;
}
finally
{
    if (emulatorProcess is { HasExited: false })
    {
        emulatorProcess.Kill(entireProcessTree: true);
        await emulatorProcess.WaitForExitAsync();
    }
}

static Sample Measure()
{
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    using var self = Process.GetCurrentProcess();
    return new Sample(GC.GetTotalMemory(forceFullCollection: false), self.WorkingSet64, GC.CollectionCount(2));
}

static void Print(string when, Sample s, int injected, int answered) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{when,6}: GC heap {Mb(s.Heap)} MB, working set {Mb(s.WorkingSet)} MB, events injected {injected}, answered {answered}"));

static string Mb(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

static async Task WaitAsync(Func<bool> condition, TimeSpan limit)
{
    var clock = Stopwatch.StartNew();
    while (!condition() && clock.Elapsed < limit)
    {
        await Task.Delay(20);
    }
}

static async Task WaitForEmulatorAsync(HttpClient http)
{
    var clock = Stopwatch.StartNew();
    while (true)
    {
        try
        {
            using var response = await http.GetAsync("_emulator/connections");
            if (response.IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException) when (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
        }

        if (clock.Elapsed > TimeSpan.FromSeconds(30))
        {
            throw new TimeoutException("The emulator did not start.");
        }

        await Task.Delay(100);
    }
}

// The emulator program of this build (src/MitiAgent.Emulator/bin/<configuration>/<tfm>/), on a free loopback port.
static Process StartEmulator(out string url)
{
    var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
    string tfm = output.Name;
    string configuration = output.Parent!.Name;
    var root = output;
    while (root is not null && !File.Exists(Path.Combine(root.FullName, "MitiAgent.Generators.sln")))
    {
        root = root.Parent;
    }

    string dll = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Run the soak from the repository's build output."),
        "src", "MitiAgent.Emulator", "bin", configuration, tfm, "MitiAgent.Emulator.dll");
    using var probe = new TcpListener(IPAddress.Loopback, 0);
    probe.Start();
    int port = ((IPEndPoint)probe.LocalEndpoint).Port;
    probe.Stop();
    url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture);
    var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (string arg in new[] { dll, "--urls", url, "--app-id", AppId, "--app-secret", AppSecret })
    {
        start.ArgumentList.Add(arg);
    }

    var process = Process.Start(start)!;
    process.OutputDataReceived += static (_, _) => { };
    process.ErrorDataReceived += static (_, e) =>
    {
        if (e.Data is not null)
        {
            Console.Error.WriteLine("emulator: " + e.Data);
        }
    };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

internal readonly record struct Sample(long Heap, long WorkingSet, int Gen2);

/// <summary>A hand-written handler: message events go to one delegate.</summary>
internal sealed class SoakHandler(Func<MessageEvent, CancellationToken, Task> onMessage) : IMitiAgentHandler
{
    public MitiHandlerKinds HandledKinds => MitiHandlerKinds.Message;

    public ValueTask DispatchAsync(MitiEventContext context) =>
        context.Event is MessageEvent m ? new(onMessage(m, context.CancellationToken)) : ValueTask.CompletedTask;

    public ValueTask DispatchOverloadAsync(MitiEventContext context) => ValueTask.CompletedTask;

    public ValueTask DispatchErrorAsync(MitiEventContext context, Exception exception) => ValueTask.CompletedTask;
}
