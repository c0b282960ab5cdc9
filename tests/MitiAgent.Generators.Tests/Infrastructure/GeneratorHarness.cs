using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MitiAgent.Generators;

namespace MitiAgent.Generators.Tests.Infrastructure;

/// <summary>Builds compilations from test sources and runs <see cref="MitiDispatchGenerator"/> over them with step tracking.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions =
        new(LanguageVersion.CSharp10, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);

    private static readonly Lazy<ImmutableArray<MetadataReference>> RuntimeReferences = new(() =>
    [
        MetadataReference.CreateFromFile(typeof(MitiAgentClient).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(MitiAgent.Protocol.WireNames).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Microsoft.Extensions.Logging.ILogger).Assembly.Location),
    ]);

    /// <summary>Step names declared in <see cref="TrackingNames"/>, found by reflection so new steps are covered.</summary>
    public static IReadOnlyList<string> TrackingStepNames { get; } = typeof(TrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, bool withRuntime = true, string assemblyName = "Tests.Agents")
    {
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "Source" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".cs"));
        return CreateCompilation(trees, withRuntime, assemblyName);
    }

    public static CSharpCompilation CreateCompilation(IEnumerable<SyntaxTree> trees, bool withRuntime = true, string assemblyName = "Tests.Agents")
    {
        IEnumerable<MetadataReference> references = FrameworkReferences.Value;
        if (withRuntime)
        {
            references = references.Concat(RuntimeReferences.Value);
        }

        return CSharpCompilation.Create(
            assemblyName,
            trees,
            references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                deterministic: true));
    }

    public static SyntaxTree Parse(string source, string path) => CSharpSyntaxTree.ParseText(source, ParseOptions, path: path);

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new MitiDispatchGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs a fresh driver; returns the driver (for re-runs), the output compilation and the generator diagnostics.</summary>
    public static (GeneratorDriver Driver, Compilation Output, ImmutableArray<Diagnostic> Diagnostics) Run(Compilation compilation)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (driver, output, diagnostics);
    }

    /// <summary>The generated sources of the single generator, in output order.</summary>
    public static ImmutableArray<GeneratedSourceResult> Generated(GeneratorDriver driver) =>
        driver.GetRunResult().Results.Single().GeneratedSources;

    /// <summary>The generated text of every hint name, with the generator version scrubbed.</summary>
    public static IReadOnlyList<(string HintName, string Text)> GeneratedTexts(GeneratorDriver driver) =>
        Generated(driver).Select(s => (s.HintName, Scrub(s.SourceText.ToString()))).ToArray();

    /// <summary>
    /// Replaces the generator version inside <c>[GeneratedCode]</c> with <c>%VERSION%</c>: the version comes from git
    /// (a new one with every commit), the snapshots must not change with it.
    /// </summary>
    public static string Scrub(string text) =>
        text.Replace("\"MitiAgent.Generators\", \"" + GeneratorVersion + "\"", "\"MitiAgent.Generators\", \"%VERSION%\"", StringComparison.Ordinal);

    /// <summary>The version the generator writes into <c>[GeneratedCode]</c> (its package version).</summary>
    public static string GeneratorVersion => DispatchEmitter.Version;

    /// <summary>Asserts the compilation (user code + generated code) has no errors and no warnings.</summary>
    public static void AssertCompilesClean(Compilation output)
    {
        var problems = output.GetDiagnostics()
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .ToArray();
        Assert.True(problems.Length == 0, "output compilation has diagnostics:\n" + string.Join("\n", problems.Select(d => d.ToString())));
    }

    /// <summary>
    /// Re-runs the driver on a clone of the compilation plus an unrelated tree and asserts every tracked step output is
    /// Cached or Unchanged.
    /// </summary>
    public static void AssertCacheable(GeneratorDriver driver, Compilation compilation)
    {
        Compilation next = compilation.Clone().AddSyntaxTrees(Parse("namespace Unrelated { internal static class Dummy { } }", "Unrelated.cs"));
        GeneratorRunResult result = driver.RunGenerators(next).GetRunResult().Results.Single();
        foreach (string step in TrackingStepNames)
        {
            if (!result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
            {
                continue;
            }

            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                {
                    Assert.True(
                        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        "step " + step + " re-ran with reason " + reason);
                }
            }
        }

        foreach (var output in result.TrackedOutputSteps.SelectMany(o => o.Value).SelectMany(r => r.Outputs))
        {
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason);
        }
    }

    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string trusted = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        return trusted
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => string.Equals(Path.GetDirectoryName(p), runtimeDirectory, StringComparison.Ordinal))
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                || string.Equals(Path.GetFileName(p), "netstandard.dll", StringComparison.Ordinal)
                || string.Equals(Path.GetFileName(p), "mscorlib.dll", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
