using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>
    /// MITI0004: changes <c>async void</c> to <c>async Task</c>. The type is written fully qualified and simplified, so it
    /// becomes <c>Task</c> where <c>System.Threading.Tasks</c> is imported and stays qualified otherwise.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AsyncVoidCodeFixProvider))]
    [Shared]
    public sealed class AsyncVoidCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "MITI0004_ReturnTask";

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.AsyncVoidHandler);

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
                if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is PredefinedTypeSyntax returnType
                    && returnType.Keyword.IsKind(SyntaxKind.VoidKeyword))
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Return Task instead of void",
                            cancellationToken => FixAsync(context.Document, returnType, cancellationToken),
                            EquivalenceKey),
                        diagnostic);
                }
            }
        }

        private static async Task<Document> FixAsync(Document document, PredefinedTypeSyntax returnType, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            TypeSyntax task = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task")
                .WithTriviaFrom(returnType)
                .WithAdditionalAnnotations(Simplifier.Annotation);
            return document.WithSyntaxRoot(root.ReplaceNode(returnType, task));
        }
    }
}
