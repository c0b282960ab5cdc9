using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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
    public sealed class AddCancellationTokenCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "MITI0008_AddCancellationToken";

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } =
            ImmutableArray.Create(DiagnosticIds.HandlerCanAcceptCancellationToken);

        /// <inheritdoc />
        public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is MethodDeclarationSyntax method)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Add CancellationToken parameter",
                            cancellationToken => FixAsync(context.Document, method, cancellationToken),
                            EquivalenceKey),
                        diagnostic);
                }
            }
        }

        private static async Task<Document> FixAsync(Document document, MethodDeclarationSyntax method, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            string name = "cancellationToken";
            for (int suffix = 1; method.ParameterList.Parameters.Any(p => p.Identifier.ValueText == name); suffix++)
            {
                name = "cancellationToken" + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            ParameterSyntax parameter = SyntaxFactory.Parameter(SyntaxFactory.Identifier(name))
                .WithType(SyntaxFactory.ParseTypeName("global::System.Threading.CancellationToken")
                    .WithAdditionalAnnotations(Simplifier.Annotation)
                    .WithTrailingTrivia(SyntaxFactory.Space));
            MethodDeclarationSyntax updated = method.WithParameterList(
                method.ParameterList.AddParameters(parameter).WithAdditionalAnnotations(Formatter.Annotation));
            return document.WithSyntaxRoot(root.ReplaceNode(method, updated));
        }
    }
}
