using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

// Every benchmark of the suite; pick with --filter (README.md "Performance" has the documented command).
// Exits non-zero when nothing ran or a benchmark failed, so the CI smoke run (.ci/run) can judge it.
Summary[] summaries = [.. BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args)];
bool failed = summaries.Length == 0
    || summaries.Any(static s => s.HasCriticalValidationErrors || s.Reports.Length == 0 || s.Reports.Any(static r => !r.Success));
return failed ? 1 : 0;
