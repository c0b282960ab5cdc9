using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace MitiAgent.Analyzers.Tests;

/// <summary>
/// Runs analyzer and code-fix tests against the running framework's assemblies plus the MitiAgent runtime, so the
/// testing library never downloads a reference pack.
/// </summary>
internal static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static Task AnalyzerAsync(string source)
    {
        var test = new Test { TestCode = source };
        return test.RunAsync();
    }

    /// <summary>Analyzes code that does not compile (compiler diagnostics are not compared); an analyzer crash (AD0001) still fails.</summary>
    public static Task BrokenCodeAsync(string source)
    {
        var test = new Test { TestCode = source, CompilerDiagnostics = CompilerDiagnostics.None };
        return test.RunAsync();
    }

    /// <summary>Applies the fix (and Fix All) and checks that the applied code action has <paramref name="equivalenceKey"/>.</summary>
    public static Task CodeFixAsync(string source, string fixedSource, string equivalenceKey)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey };
        return test.RunAsync();
    }

    private sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test()
        {
            ReferenceAssemblies = new ReferenceAssemblies("net10.0");
            TestState.AdditionalReferences.AddRange(References.All);
        }
    }
}

/// <summary>Analyzer-only tests.</summary>
internal static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task AnalyzerAsync(string source) => Verify<TAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    public static Task BrokenCodeAsync(string source) => Verify<TAnalyzer, EmptyCodeFixProvider>.BrokenCodeAsync(source);
}

internal static class References
{
    public static ImmutableArray<MetadataReference> All { get; } = Create();

    private static ImmutableArray<MetadataReference> Create()
    {
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        var paths = trusted.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .ToList();
        paths.Add(typeof(MitiAgentClient).Assembly.Location);
        paths.Add(typeof(MitiAgent.Protocol.WireNames).Assembly.Location);
        paths.Add(typeof(Microsoft.Extensions.Logging.ILoggerFactory).Assembly.Location);
        return paths
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
