using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>MITI0008: appends a <c>CancellationToken cancellationToken</c> parameter to the handler.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddCancellationTokenCodeFixProvider))]
    [Shared]
    public sealed class AddCancellationTokenCodeFixProvider : MitiCodeFixProvider<MethodDeclarationSyntax>
    {
        /// <summary>Creates the provider.</summary>
        public AddCancellationTokenCodeFixProvider()
            : base(DiagnosticIds.HandlerCanAcceptCancellationToken, "MITI0008_AddCancellationToken")
        {
        }

        private protected override MethodDeclarationSyntax? FindTarget(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent as MethodDeclarationSyntax;

        private protected override string Title(MethodDeclarationSyntax target) => "Add CancellationToken parameter";

        private protected override SyntaxNode Fix(SyntaxNode root, MethodDeclarationSyntax target)
        {
            string name = "cancellationToken";
            for (int suffix = 1; target.ParameterList.Parameters.Any(p => p.Identifier.ValueText == name); suffix++)
            {
                name = "cancellationToken" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            ParameterSyntax parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(name))
                .WithType(SyntaxFactory.ParseTypeName("global::System.Threading.CancellationToken")
                    .WithAdditionalAnnotations(Simplifier.Annotation)
                    .WithTrailingTrivia(SyntaxFactory.Space));
            MethodDeclarationSyntax updated = target.WithParameterList(
                target.ParameterList.AddParameters(parameter).WithAdditionalAnnotations(Formatter.Annotation));
            return root.ReplaceNode(target, updated);
        }
    }
}
