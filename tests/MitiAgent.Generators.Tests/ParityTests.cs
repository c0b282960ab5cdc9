using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using MitiAgent.Analyzers;
using MitiAgent.Generators.Tests.Infrastructure;

namespace MitiAgent.Generators.Tests;

/// <summary>
/// Generator and analyzers agree on every handler of every test source in the generator and analyzer tests: the
/// generator wires a handler (its transform yields a handler model) exactly when no error is reported for it.
/// </summary>
/// <remarks>
/// "Reported for it": a MITI error inside the method declaration or on a declaration of its class or a containing type,
/// or a compiler error inside its handler attribute (an attribute that does not bind). Duplicates are the one intended
/// difference and are not an error: both are wired, the dispatch calls the first and MITI0005 warns.
/// </remarks>
public sealed partial class ParityTests
{
    private static readonly DiagnosticAnalyzer[] Analyzers = [new HandlerAnalyzer(), new CancellationTokenAnalyzer(), new ConfigurationAnalyzer(), new ContentTypeAnalyzer()];

    private static readonly string[] AttributeNames = ["OnMessage", "OnGroupAt", "OnCancel", "OnOverload", "OnError"];

    /// <summary>Every string constant with a handler attribute in the two test projects (test markup removed).</summary>
    public static TheoryData<string, string> Corpus
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach ((string name, string source) in HandlerSources())
            {
                data.Add(name, source);
            }

            return data;
        }
    }

    [Fact]
    public void Corpus_covers_both_test_projects()
    {
        var names = HandlerSources().Select(c => c.Name).ToArray();
        Assert.Contains(names, n => n.StartsWith("MitiAgent.Analyzers.Tests/HandlerAnalyzerTests.cs", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("MitiAgent.Analyzers.Tests/CodeFixTests.cs", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("MitiAgent.Generators.Tests/SnapshotTests.cs", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("MitiAgent.Generators.Tests/RobustnessTests.cs", StringComparison.Ordinal));
        Assert.True(names.Length >= 60, "only " + names.Length + " cases");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Handler_is_wired_exactly_when_no_error_is_reported(string name, string source)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([source]);
        var (driver, _, _) = GeneratorHarness.Run(compilation);
        GeneratorRunResult run = driver.GetRunResult().Results.Single();
        Assert.Null(run.Exception);
        string[] transforms = [TrackingNames.MessageHandlers, TrackingNames.GroupAtHandlers, TrackingNames.CancelHandlers, TrackingNames.OverloadHandlers, TrackingNames.ErrorHandlers];
        var wired = transforms
            .SelectMany(step => run.TrackedSteps.TryGetValue(step, out var steps) ? steps : [])
            .SelectMany(s => s.Outputs)
            .Select(o => o.Value)
            .OfType<HandlerModel>()
            .Select(h => (Type: h.Agent.FullyQualifiedName, Method: h.Method.Name.TrimStart('@'), Kind: h.Method.Kind.ToString()))
            .ToHashSet();

        // Suppressed diagnostics (#pragma) count: the rule was broken, the author only silenced it.
        ImmutableArray<Diagnostic> analyzerDiagnostics = await compilation
            .WithAnalyzers([.. Analyzers], new CompilationWithAnalyzersOptions(
                new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: true))
            .GetAnalyzerDiagnosticsAsync();
        Assert.DoesNotContain(analyzerDiagnostics, d => d.Id == "AD0001");
        Diagnostic[] errors = analyzerDiagnostics.Concat(compilation.WithOptions(compilation.Options.WithReportSuppressedDiagnostics(true)).GetDiagnostics())
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.IsInSource)
            .ToArray();

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SemanticModel model = compilation.GetSemanticModel(tree);
        foreach (SyntaxNode node in tree.GetRoot().DescendantNodes())
        {
            if (node is not (MethodDeclarationSyntax or LocalFunctionStatementSyntax)
                || model.GetDeclaredSymbol(node) is not IMethodSymbol method)
            {
                continue;
            }

            AttributeSyntax[] attributes = HandlerAttributes(node).ToArray();
            if (attributes.Length == 0)
            {
                continue;
            }

            Diagnostic[] reported = errors.Where(d => IsFor(d, node, attributes, method)).ToArray();
            string type = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            foreach (AttributeSyntax attribute in attributes)
            {
                string kind = KindOf(attribute);
                bool isWired = wired.Contains((type, method.Name, kind));
                Assert.True(
                    isWired == (reported.Length == 0),
                    name + ": " + type + "." + method.Name + " [" + kind + "] is " + (isWired ? "wired" : "not wired") + " but "
                    + (reported.Length == 0 ? "no error is reported" : "errors are reported: " + string.Join("; ", reported.Select(d => d.ToString())))
                    + "\nwired: " + string.Join(", ", wired));
            }
        }
    }

    /// <summary>
    /// In a build and in the IDE the analyzers see the compilation the generator produced (its partial declarations
    /// included): over that compilation they report exactly what they report over the user's sources alone. A rule that
    /// mistook the generated <c>IMitiAgentHandler</c> implementation for the user's would fail here.
    /// </summary>
    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Analyzers_report_the_same_over_the_generators_output(string name, string source)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([source]);
        var (_, output, _) = GeneratorHarness.Run(compilation);

        string[] before = await MitiDiagnostics(compilation);
        string[] after = await MitiDiagnostics(output);

        Assert.True(before.SequenceEqual(after), name + ":\nover the sources: " + string.Join("\n  ", before) + "\nover the generator's output: " + string.Join("\n  ", after));
    }

    private static async Task<string[]> MitiDiagnostics(Compilation compilation)
    {
        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers([.. Analyzers])
            .GetAnalyzerDiagnosticsAsync();
        return diagnostics
            .Where(d => d.Id.StartsWith("MITI", StringComparison.Ordinal))
            .Select(d => d.Id + " " + d.Location.GetLineSpan().Path + d.Location.GetLineSpan().Span + " " + d.GetMessage(System.Globalization.CultureInfo.InvariantCulture))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static bool IsFor(Diagnostic diagnostic, SyntaxNode method, AttributeSyntax[] attributes, IMethodSymbol symbol)
    {
        TextSpan span = diagnostic.Location.SourceSpan;
        bool isMiti = diagnostic.Id.StartsWith("MITI", StringComparison.Ordinal);
        if (isMiti && method.Span.Contains(span))
        {
            return true;
        }

        if (attributes.Any(a => a.Span.Contains(span)))
        {
            return true;
        }

        if (!isMiti)
        {
            return false;
        }

        for (INamedTypeSymbol? type = symbol.ContainingType; type is not null; type = type.ContainingType)
        {
            if (type.Locations.Any(l => l.IsInSource && l.SourceSpan == span))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<AttributeSyntax> HandlerAttributes(SyntaxNode node)
    {
        SyntaxList<AttributeListSyntax> lists = node switch
        {
            MethodDeclarationSyntax m => m.AttributeLists,
            LocalFunctionStatementSyntax l => l.AttributeLists,
            _ => default,
        };
        return lists.SelectMany(l => l.Attributes).Where(a => AttributeNames.Contains(SimpleName(a)));
    }

    private static string SimpleName(AttributeSyntax attribute)
    {
        string name = attribute.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name[..^"Attribute".Length] : name;
    }

    private static string KindOf(AttributeSyntax attribute) => SimpleName(attribute)["On".Length..];

    /// <summary>
    /// Reads the test projects' sources with Roslyn and folds every string constant (raw strings and
    /// <c>Usings + …</c> concatenations) that holds a handler attribute.
    /// </summary>
    private static IEnumerable<(string Name, string Source)> HandlerSources()
    {
        string tests = Path.Combine(RepositoryRoot(), "tests");
        foreach (string project in new[] { "MitiAgent.Analyzers.Tests", "MitiAgent.Generators.Tests" })
        {
            string directory = Path.Combine(tests, project);
            SyntaxTree[] trees = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.Contains(Path.DirectorySeparatorChar + "Snapshots" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                    && !f.EndsWith(nameof(ParityTests) + ".cs", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), new CSharpParseOptions(LanguageVersion.Preview), path: Path.GetRelativePath(tests, f).Replace('\\', '/')))
                .ToArray();
            CSharpCompilation compilation = GeneratorHarness.CreateCompilation(trees, withRuntime: false);
            foreach (SyntaxTree tree in trees)
            {
                SemanticModel model = compilation.GetSemanticModel(tree);
                foreach (ExpressionSyntax expression in tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>())
                {
                    if (expression is not (LiteralExpressionSyntax or BinaryExpressionSyntax)
                        || expression.Parent is BinaryExpressionSyntax or ParenthesizedExpressionSyntax
                        || model.GetConstantValue(expression) is not { HasValue: true, Value: string text }
                        || !AttributeNames.Any(a => text.Contains("[" + a, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    int line = expression.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    yield return (tree.FilePath + ":" + line.ToString(System.Globalization.CultureInfo.InvariantCulture), StripMarkup(text));
                }
            }
        }
    }

    /// <summary>Removes the analyzer tests' <c>{|ID:…|}</c> markup.</summary>
    private static string StripMarkup(string text) => Markup().Replace(text, string.Empty).Replace("|}", string.Empty, StringComparison.Ordinal);

    [GeneratedRegex(@"\{\|[A-Za-z0-9]+:")]
    private static partial Regex Markup();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MitiAgent.Generators.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MitiAgent.Generators.sln not found above " + AppContext.BaseDirectory);
    }
}
