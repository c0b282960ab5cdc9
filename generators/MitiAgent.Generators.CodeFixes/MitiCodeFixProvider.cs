using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>
    /// The shape every MitiAgent code fix shares: one diagnostic id, one equivalence key, Fix All through the batch
    /// fixer, and a rewrite of the syntax node the diagnostic points at.
    /// </summary>
    /// <typeparam name="TNode">The node the fix rewrites.</typeparam>
    public abstract class MitiCodeFixProvider<TNode> : CodeFixProvider
        where TNode : SyntaxNode
    {
        private readonly string _equivalenceKey;

        private protected MitiCodeFixProvider(string diagnosticId, string equivalenceKey)
        {
            FixableDiagnosticIds = ImmutableArray.Create(diagnosticId);
            _equivalenceKey = equivalenceKey;
        }

        /// <inheritdoc />
        public sealed override ImmutableArray<string> FixableDiagnosticIds { get; }

        /// <inheritdoc />
        public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

        /// <inheritdoc />
        public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
        {
            SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return;
            }

            foreach (Diagnostic diagnostic in context.Diagnostics)
            {
                if (FindTarget(root, diagnostic) is TNode target)
                {
                    Document document = context.Document;
                    context.RegisterCodeFix(
                        CodeAction.Create(Title(target), cancellationToken => FixAsync(document, target, cancellationToken), _equivalenceKey),
                        diagnostic);
                }
            }
        }

        /// <summary>The node to rewrite for <paramref name="diagnostic"/>, or <see langword="null"/> when there is no fix.</summary>
        private protected abstract TNode? FindTarget(SyntaxNode root, Diagnostic diagnostic);

        /// <summary>The code action's title.</summary>
        private protected abstract string Title(TNode target);

        /// <summary>The document's new root with <paramref name="target"/> rewritten.</summary>
        private protected abstract SyntaxNode Fix(SyntaxNode root, TNode target);

        private async Task<Document> FixAsync(Document document, TNode target, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            return root is null ? document : document.WithSyntaxRoot(Fix(root, target));
        }
    }
}
