using BenchmarkDotNet.Running;

// Every benchmark of the suite; pick with --filter (README.md "Performance" has the documented command).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
