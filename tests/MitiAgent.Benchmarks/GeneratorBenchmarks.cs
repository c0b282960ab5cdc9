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
/// same five attributes with <c>ForAttributeWithMetadataName</c> and emits one trivial file per attribute (the baseline
/// of each category):
/// <list type="bullet">
/// <item><c>Cold</c>: a new driver on the whole project, as a new compilation (nothing bound yet).</item>
/// <item><c>EditOneBody</c>: a warm driver after one handler's body was edited, on a new compilation each time, as an
/// edit gives the IDE or the compiler (nothing of it bound yet: every generator binds what it reads). Also both
/// generators of the package (dispatch and content), which a project referencing it runs together.</item>
/// <item><c>EditOneBodyBound</c>: the same, re-run on one compilation whose symbols are already bound, which leaves
/// only the generators' own work (the harder ratio: the shared binding is gone from both sides).</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GeneratorBenchmarks
{
    private const int Agents = 50;
    private const int HandlersPerAgent = 10;
    private CSharpCompilation _compilation = null!;
    private SyntaxTree _original = null!;
    private SyntaxTree _editedTree = null!;
    private CSharpCompilation _bound = null!;
    private GeneratorDriver _mitiWarm = null!;
    private GeneratorDriver _bothWarm = null!;
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
        _original = trees[7];
        _editedTree = CSharpSyntaxTree.ParseText(AgentSource(7, 1), parse, path: "Agent7.cs");
        _bound = Edited();

        _mitiWarm = Driver(new MitiDispatchGenerator()).RunGenerators(_compilation);
        _bothWarm = Driver(new MitiDispatchGenerator(), new MitiContentJsonGenerator()).RunGenerators(_compilation);
        _minimalWarm = Driver(new MinimalAttributeGenerator()).RunGenerators(_compilation);
        int generated = _mitiWarm.GetRunResult().GeneratedTrees.Length;
        if (generated != Agents)
        {
            throw new InvalidOperationException($"The generator wrote {generated} files for {Agents} agents.");
        }

        // Roslyn's generator and binder code is shared by every case: warm it for all of them alike, so the case that
        // happens to run first (with the few iterations of --job short) is not the one that pays for the JIT.
        for (int i = 0; i < 20; i++)
        {
            _minimalWarm.RunGenerators(Edited());
            _mitiWarm.RunGenerators(Edited());
            _bothWarm.RunGenerators(Edited());
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Cold")]
    public GeneratorDriver MinimalCold() => Driver(new MinimalAttributeGenerator()).RunGenerators(_compilation.Clone());

    [Benchmark, BenchmarkCategory("Cold")]
    public GeneratorDriver MitiCold() => Driver(new MitiDispatchGenerator()).RunGenerators(_compilation.Clone());

    [Benchmark(Baseline = true), BenchmarkCategory("EditOneBody")]
    public GeneratorDriver MinimalEditOneBody() => _minimalWarm.RunGenerators(Edited());

    [Benchmark, BenchmarkCategory("EditOneBody")]
    public GeneratorDriver MitiEditOneBody() => _mitiWarm.RunGenerators(Edited());

    [Benchmark, BenchmarkCategory("EditOneBody")]
    public GeneratorDriver MitiWithContentEditOneBody() => _bothWarm.RunGenerators(Edited());

    [Benchmark(Baseline = true), BenchmarkCategory("EditOneBodyBound")]
    public GeneratorDriver MinimalEditOneBodyBound() => _minimalWarm.RunGenerators(_bound);

    [Benchmark, BenchmarkCategory("EditOneBodyBound")]
    public GeneratorDriver MitiEditOneBodyBound() => _mitiWarm.RunGenerators(_bound);

    /// <summary>The project after the edit, as a new compilation (what an edit gives): nothing of it is bound yet.</summary>
    private CSharpCompilation Edited() => _compilation.ReplaceSyntaxTree(_original, _editedTree);

    private static GeneratorDriver Driver(params IIncrementalGenerator[] generators) =>
        CSharpGeneratorDriver.Create([.. generators.Select(static g => g.AsSourceGenerator())], parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

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
