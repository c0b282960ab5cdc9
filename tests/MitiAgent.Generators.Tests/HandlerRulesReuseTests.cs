using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Generators.Tests.Infrastructure;
using MitiAgent.Shared;

namespace MitiAgent.Generators.Tests;

/// <summary>
/// <see cref="HandlerRules.Classify(IMethodSymbol, KnownTypes, CancellationToken)"/> reuses one problem list per thread and
/// takes the generator's attribute target as the declaration: neither may change a verdict.
/// </summary>
public sealed class HandlerRulesReuseTests
{
    private const string Source = """
        using System.Threading;
        using System.Threading.Tasks;
        using MitiAgent;

        namespace Reuse;

        internal partial class Agent
        {
            [OnMessage]
            private async void Broken(MessageEvent e, string extra) { await Task.Yield(); }

            [OnMessage(MsgType = "text")]
            private Task Valid(MessageEvent e, CancellationToken ct) => Task.CompletedTask;

            [OnCancel]
            private int AlsoBroken<T>(CancelEvent e) => 0;
        }
        """;

    [Fact]
    public void Verdicts_do_not_carry_problems_over_from_an_earlier_method()
    {
        (IMethodSymbol broken, IMethodSymbol valid, IMethodSymbol alsoBroken, _, KnownTypes types) = Methods();

        HandlerClassification first = HandlerRules.Classify(broken, types, CancellationToken.None);
        HandlerClassification second = HandlerRules.Classify(valid, types, CancellationToken.None);
        HandlerClassification third = HandlerRules.Classify(alsoBroken, types, CancellationToken.None);
        HandlerClassification again = HandlerRules.Classify(broken, types, CancellationToken.None);

        Assert.Null(first.Signature);
        Assert.Equal([HandlerRule.AsyncVoid, HandlerRule.InvalidSignature], first.Problems.Select(p => p.Rule).ToArray());
        Assert.NotNull(second.Signature);
        Assert.Empty(second.Problems);
        Assert.Equal([HandlerArgument.Event, HandlerArgument.CancellationToken], second.Signature!.Arguments.ToArray());
        Assert.Equal([HandlerRule.Generic, HandlerRule.InvalidSignature], third.Problems.Select(p => p.Rule).ToArray());
        Assert.Equal(first.Problems.Select(p => p.Rule), again.Problems.Select(p => p.Rule));
    }

    [Fact]
    public void Given_declaration_gives_the_same_verdict()
    {
        (IMethodSymbol broken, IMethodSymbol valid, IMethodSymbol alsoBroken, Func<IMethodSymbol, MethodDeclarationSyntax> declarationOf, KnownTypes types) = Methods();

        foreach (IMethodSymbol method in new[] { broken, valid, alsoBroken })
        {
            HandlerClassification found = HandlerRules.Classify(method, types, CancellationToken.None);
            HandlerClassification given = HandlerRules.Classify(method, declarationOf(method), types, CancellationToken.None);

            Assert.Equal(found.Signature?.Arguments.ToArray(), given.Signature?.Arguments.ToArray());
            Assert.Equal(found.Signature?.Return, given.Signature?.Return);
            Assert.Equal(
                found.Problems.Select(p => (p.Rule, p.Location.SourceSpan)).ToArray(),
                given.Problems.Select(p => (p.Rule, p.Location.SourceSpan)).ToArray());
        }
    }

    private static (IMethodSymbol Broken, IMethodSymbol Valid, IMethodSymbol AlsoBroken, Func<IMethodSymbol, MethodDeclarationSyntax> DeclarationOf, KnownTypes Types) Methods()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation([Source]);
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        SemanticModel model = compilation.GetSemanticModel(tree);
        MethodDeclarationSyntax[] declarations = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().ToArray();
        IMethodSymbol Symbol(string name) => (IMethodSymbol)model.GetDeclaredSymbol(declarations.Single(d => d.Identifier.ValueText == name))!;
        MethodDeclarationSyntax DeclarationOf(IMethodSymbol method) => declarations.Single(d => d.Identifier.ValueText == method.Name);
        return (Symbol("Broken"), Symbol("Valid"), Symbol("AlsoBroken"), DeclarationOf, KnownTypes.For(compilation));
    }
}
