using BenchmarkDotNet.Attributes;
using MitiAgent.Internal;

namespace MitiAgent.Benchmarks;

/// <summary>
/// The per-event dedupe (spec §4.3) at its default capacity (10 000 ids, full): a new id (claim, then finish, which
/// evicts the oldest) and a redelivered id (a lookup that finds it).
/// </summary>
[MemoryDiagnoser]
public class DedupeBenchmarks
{
    private const int Batch = 1024;
    private readonly string[] _fresh = new string[Batch * 64];
    private EventDeduplicator _dedupe = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _dedupe = new EventDeduplicator(10_000, TimeSpan.FromMinutes(10));
        for (int i = 0; i < 10_000; i++)
        {
            string id = "evt-old-" + i;
            _dedupe.TryBegin(id);
            _dedupe.Complete(id);
        }

        for (int i = 0; i < _fresh.Length; i++)
        {
            _fresh[i] = "evt-" + Guid.NewGuid().ToString("N");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public bool InsertNewId()
    {
        bool claimed = false;
        for (int i = 0; i < Batch; i++)
        {
            // Ids cycle through a pool 6.5 × the capacity: each is long evicted when it comes round again.
            string id = _fresh[_next++ % _fresh.Length];
            claimed = _dedupe.TryBegin(id);
            _dedupe.Complete(id);
        }

        return claimed;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public bool LookUpDuplicate()
    {
        bool claimed = false;
        const string id = "evt-old-9999"; // finished in Setup, still remembered
        for (int i = 0; i < Batch; i++)
        {
            claimed |= _dedupe.TryBegin(id);
        }

        return claimed;
    }
}
