using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MitiAgent.Generators;

namespace MitiAgent.Benchmarks;

/// <summary>
/// The dispatch generator on a project of 500 handlers (50 agents × 10), against a minimal generator that finds the
/// same five attributes with <c>ForAttributeWithMetadataName</c> and emits one trivial file (the baseline of each
/// category): a cold run (new driver) and an incremental run after one handler's body was edited.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratorBenchmarks
{
    private const int Agents = 50;
    private const int HandlersPerAgent = 10;
    private CSharpCompilation _compilation = null!;
    private CSharpCompilation _edited = null!;
    private GeneratorDriver _mitiWarm = null!;
    private GeneratorDriver _minimalWarm = null!;

    [GlobalSetup]
    public void Setup()
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree[] trees = [.. Enumerable.Range(0, Agents).Select(i => CSharpSyntaxTree.ParseText(AgentSource(i, 0), parse, path: $"Agent{i}.cs"))];
        MetadataReference[] references =
        [
            .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
                .Where(static p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
                .Select(static p => MetadataReference.CreateFromFile(p)),
            MetadataReference.CreateFromFile(typeof(OnMessageAttribute).Assembly.Location),
            MetadataReference.CreateFromFile(typeof(Protocol.WireNames).Assembly.Location),
        ];
        _compilation = CSharpCompilation.Create("Bench", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _edited = _compilation.ReplaceSyntaxTree(trees[7], CSharpSyntaxTree.ParseText(AgentSource(7, 1), parse, path: "Agent7.cs"));

        _mitiWarm = Driver(new MitiDispatchGenerator()).RunGenerators(_compilation);
        _minimalWarm = Driver(new MinimalAttributeGenerator()).RunGenerators(_compilation);
        int generated = _mitiWarm.GetRunResult().GeneratedTrees.Length;
        if (generated != Agents)
        {
            throw new InvalidOperationException($"The generator wrote {generated} files for {Agents} agents.");
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Cold")]
    public GeneratorDriver MinimalCold() => Driver(new MinimalAttributeGenerator()).RunGenerators(_compilation);

    [Benchmark, BenchmarkCategory("Cold")]
    public GeneratorDriver MitiCold() => Driver(new MitiDispatchGenerator()).RunGenerators(_compilation);

    [Benchmark(Baseline = true), BenchmarkCategory("EditOneBody")]
    public GeneratorDriver MinimalEditOneBody() => _minimalWarm.RunGenerators(_edited);

    [Benchmark, BenchmarkCategory("EditOneBody")]
    public GeneratorDriver MitiEditOneBody() => _mitiWarm.RunGenerators(_edited);

    private static GeneratorDriver Driver(IIncrementalGenerator generator) =>
        CSharpGeneratorDriver.Create([generator.AsSourceGenerator()], parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

    private static string AgentSource(int agent, int edit)
    {
        var source = new StringBuilder();
        source.Append("using System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\n\nnamespace Bench;\n\npublic sealed partial class Agent")
            .Append(agent).Append("\n{\n    private int _count;\n");
        string[] msgTypes = ["text", "image", "multimodal", "at_text", "custom"];
        for (int h = 0; h < HandlersPerAgent; h++)
        {
            string attribute = h switch
            {
                < 5 => $"[OnMessage(MsgType = \"{msgTypes[h]}\")]",
                5 => "[OnMessage]",
                6 => "[OnGroupAt]",
                7 => "[OnCancel]",
                8 => "[OnOverload]",
                _ => "[OnError]",
            };
            string parameters = h switch
            {
                6 => "GroupAtEvent e, CancellationToken ct",
                7 => "CancelEvent e",
                9 => "AgentEvent e, System.Exception ex",
                _ => "MessageEvent e, CancellationToken ct",
            };
            source.Append("\n    ").Append(attribute).Append("\n    private Task Handler").Append(h).Append('(').Append(parameters).Append(")\n    {\n")
                .Append("        _count += ").Append(h == 3 ? 1 + edit : 1).Append(";\n        return Task.CompletedTask;\n    }\n");
        }

        return source.Append("}\n").ToString();
    }
}

/// <summary>The least a generator on the same attributes does: find the methods, collect their names, emit one file.</summary>
internal sealed class MinimalAttributeGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        string[] attributes = ["MitiAgent.OnMessageAttribute", "MitiAgent.OnGroupAtAttribute", "MitiAgent.OnCancelAttribute", "MitiAgent.OnOverloadAttribute", "MitiAgent.OnErrorAttribute"];
        foreach (string attribute in attributes)
        {
            IncrementalValueProvider<ImmutableArray<string>> names = context.SyntaxProvider
                .ForAttributeWithMetadataName(attribute, static (node, _) => true, static (ctx, _) => ctx.TargetSymbol.ContainingType.Name + "." + ctx.TargetSymbol.Name)
                .Collect();
            string hint = attribute.Substring("MitiAgent.".Length) + ".g.cs";
            context.RegisterSourceOutput(names, (output, list) => output.AddSource(hint, "// " + list.Length + " handlers\n"));
        }
    }
}
