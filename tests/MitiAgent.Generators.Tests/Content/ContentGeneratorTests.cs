using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests.Content;

/// <summary>
/// The content generator (with the dispatch generator, as in a real build) over in-memory compilations: a snapshot per
/// case, the output compiles clean, a re-run is fully cached, and two runs write the same text.
/// </summary>
public sealed class ContentGeneratorTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.Text.Json.Serialization;\nusing System.Threading;\nusing System.Threading.Tasks;\nusing MitiAgent;\nusing MitiAgent.Protocol;\n";
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly IReadOnlyList<string> StepNames = typeof(ContentTrackingNames)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Fact]
    public void Every_member_kind() => Check(
        ["MitiAgent.ContentJson.g.cs"],
        Usings + """
        namespace Shop
        {
            public enum Color { Red, DarkBlue }

            public sealed class Bag
            {
                [JsonRequired] public string Name { get; init; } = "";
                [JsonPropertyName("customCount")] public int? Count { get; set; }
                [JsonIgnore] public object? Ignored { get; set; }
                [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int Zero { get; set; }
                public Guid Id { get; set; }
                public Color Color { get; set; }
                public Color? MaybeColor { get; set; }
                public DateTime When { get; set; }
                public DateTimeOffset? At { get; set; }
                public long[]? Numbers { get; set; }
                public List<string>? Tags { get; set; }
                public IReadOnlyList<Line>? Lines { get; init; }
                public Dictionary<string, Line>? Map { get; set; }
                public bool Flag { get; set; }
                public double Ratio { get; set; }
                public decimal Price { get; set; }
                public string? Note { get; set; }
                public string Computed => Name;
                public string @class { get; set; } = "";
            }

            public sealed class Line
            {
                public string Sku { get; set; } = "";
                public int Quantity { get; set; }
            }

            [MitiContent(typeof(Bag))]
            public partial class ShopAgent
            {
                [OnMessage]
                private Task Echo(MessageEvent e) => Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public void Record_with_primary_constructor() => Check(
        ["MitiAgent.ContentJson.g.cs", "Shop.ShopAgent.MitiDispatch.g.cs"],
        Usings + """
        namespace Shop
        {
            public sealed record OrderCard(string OrderId, decimal Total, IReadOnlyList<LineItem> Items, DateTimeOffset? DueAt);

            public sealed record LineItem(string Sku, int Quantity = 1, string Unit = "pcs");

            public partial class ShopAgent
            {
                [OnMessage(MsgType = "order_card")]
                private Task Order(MessageEvent<OrderCard> e, CancellationToken ct) => Task.CompletedTask;

                [OnGroupAt(MsgType = "order_card")]
                private static void GroupOrder(GroupAtEvent<OrderCard> e) { }

                [OnMessage(MsgType = "image")]
                private Task Picture(MessageEvent<ImageContent> e) => Task.CompletedTask;

                [OnMessage]
                private Task Text(MessageEvent<TextContent> e) => Task.CompletedTask;
            }
        }
        """);

    [Fact]
    public void Recursive_type() => Check(
        ["MitiAgent.ContentJson.g.cs"],
        Usings + """
        public sealed class Node
        {
            public string Label { get; set; } = "";
            public Node? Next { get; set; }
            public List<Node> Children { get; set; } = new();
        }

        [MitiContent(typeof(Node))]
        public partial class TreeAgent
        {
            [OnMessage(MsgType = "tree")]
            private void Tree(MessageEvent<Node> e) { }
        }
        """);

    [Fact]
    public void Type_found_through_create_call() => Check(
        ["MitiAgent.ContentJson.g.cs"],
        Usings + """
        public sealed record Ack(string OrderId, bool Accepted);

        public static class Replies
        {
            public static OutgoingContent Accept(string id) => OutgoingContent.Create("order_ack", new Ack(id, true));
            public static OutgoingContent Text() => OutgoingContent.Text("not typed");
        }
        """);

    [Fact]
    public void User_JSON_context_instead_of_generated_metadata() => Check(
        ["MitiAgent.ContentJson.g.cs"],
        Usings + """
        namespace Shop
        {
            public sealed record Poll(string Question, IReadOnlyList<string> Options);

            [JsonSerializable(typeof(Poll))]
            public partial class ShopJsonContext : JsonSerializerContext
            {
                public ShopJsonContext() : base(null) { }
                public static ShopJsonContext Default { get; } = new();
                protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(Type type) => null;
            }

            [MitiJsonContext(typeof(ShopJsonContext))]
            public partial class PollAgent
            {
                [OnGroupAt(MsgType = "poll")]
                private void Poll(GroupAtEvent<Poll> e) { }

                private static OutgoingContent Again(Poll poll) => OutgoingContent.Create("poll", poll);
            }
        }
        """);

    [Fact]
    public void Built_in_shapes_get_no_metadata_and_handlers_with_MITI0011_or_MITI0012_are_not_wired()
    {
        var compilation = CreateCompilation(Usings + """
            public interface IShape { }
            public partial class Agent
            {
                [OnMessage(MsgType = "image")]
                private void Image(MessageEvent<ImageContent> e) { }

                [OnMessage(MsgType = "shape")]
                private void Shape(MessageEvent<IShape> e) { }

                [OnMessage(MsgType = "dict")]
                private void Dict(MessageEvent<Dictionary<int, string>> e) { }

                [OnGroupAt]
                private void NoMsgType(GroupAtEvent<ImageContent> e) { }
            }
            """);
        (GeneratorDriver driver, Compilation output) = Run(compilation);

        var texts = Texts(driver);
        Assert.DoesNotContain(texts, t => t.HintName == "MitiAgent.ContentJson.g.cs");
        string dispatch = Assert.Single(texts).Text;
        Assert.Contains("global::MitiAgent.MitiContentJson.ReadMessage<global::MitiAgent.Protocol.ImageContent>(messageEvent)", dispatch, StringComparison.Ordinal);
        Assert.DoesNotContain("IShape", dispatch, StringComparison.Ordinal);      // MITI0012
        Assert.DoesNotContain("Dictionary", dispatch, StringComparison.Ordinal);  // MITI0012
        Assert.DoesNotContain("NoMsgType", dispatch, StringComparison.Ordinal);   // MITI0011
        AssertCompilesClean(output);
    }

    private static void Check(string[] hintNames, string source, [System.Runtime.CompilerServices.CallerMemberName] string testName = "")
    {
        CSharpCompilation compilation = CreateCompilation(source);
        (GeneratorDriver driver, Compilation output) = Run(compilation);
        AssertCompilesClean(output);

        var texts = Texts(driver);
        var selected = hintNames.Select(h => texts.Single(t => t.HintName == h)).ToArray();
        Snapshot.Verify(selected, testName);

        // Deterministic: a fresh driver writes the same text.
        Assert.Equal(texts, Texts(Run(CreateCompilation(source)).Driver));
        AssertCacheable(driver, compilation);
    }

    private static CSharpCompilation CreateCompilation(string source)
    {
        CSharpCompilation template = GeneratorHarness.CreateCompilation(Array.Empty<SyntaxTree>());
        return template
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Source0.cs"));
    }

    private static (GeneratorDriver Driver, Compilation Output) Run(Compilation compilation)
    {
        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new MitiDispatchGenerator().AsSourceGenerator(), new MitiContentJsonGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        return (driver, output);
    }

    private static List<(string HintName, string Text)> Texts(GeneratorDriver driver) =>
        driver.GetRunResult().Results
            .SelectMany(r => r.GeneratedSources)
            .Select(s => (s.HintName, GeneratorHarness.Scrub(s.SourceText.ToString())))
            .OrderBy(t => t.HintName, StringComparer.Ordinal)
            .ToList();

    private static void AssertCompilesClean(Compilation output)
    {
        var problems = output.GetDiagnostics()
            .Where(d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning)
            .Where(d => !(d.Id == "CS1591" && d.Location.SourceTree?.FilePath == "Source0.cs")) // test sources carry no docs; generated ones must
            .ToArray();
        Assert.True(problems.Length == 0, "output compilation has diagnostics:\n" + string.Join("\n", problems.Select(d => d.ToString())));
    }

    private static void AssertCacheable(GeneratorDriver driver, Compilation compilation)
    {
        Compilation next = compilation.Clone().AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Unrelated { internal static class Dummy { } }", ParseOptions, path: "Unrelated.cs"));
        GeneratorRunResult result = driver.RunGenerators(next).GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(MitiContentJsonGenerator));
        int checkedSteps = 0;
        foreach (string step in StepNames)
        {
            if (!result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs))
            {
                continue;
            }

            foreach (IncrementalGeneratorRunStep run in runs)
            {
                foreach ((object _, IncrementalStepRunReason reason) in run.Outputs)
                {
                    checkedSteps++;
                    Assert.True(
                        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        "step " + step + " re-ran with reason " + reason.ToString() + " (" + checkedSteps.ToString(CultureInfo.InvariantCulture) + ")");
                }
            }
        }

        Assert.True(checkedSteps > 0, "no tracked content step ran");
        foreach (var output in result.TrackedOutputSteps.SelectMany(o => o.Value).SelectMany(r => r.Outputs))
        {
            Assert.Equal(IncrementalStepRunReason.Cached, output.Reason);
        }
    }
}
