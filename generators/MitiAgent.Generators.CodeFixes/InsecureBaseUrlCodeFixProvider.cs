using System;
using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>MITI0001: replaces <c>http://</c> with <c>https://</c> in the reported string literal.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsecureBaseUrlCodeFixProvider))]
    [Shared]
    public sealed class InsecureBaseUrlCodeFixProvider : CodeFixProvider
    {
        private const string EquivalenceKey = "MITI0001_UseHttps";

        /// <inheritdoc />
        public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.InsecureBaseUrl);

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
                if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is LiteralExpressionSyntax literal
                    && literal.IsKind(SyntaxKind.StringLiteralExpression)
                    && Rewrite(literal.Token) is not null)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            "Use https://",
                            cancellationToken => FixAsync(context.Document, literal, cancellationToken),
                            EquivalenceKey),
                        diagnostic);
                }
            }
        }

        private static async Task<Document> FixAsync(Document document, LiteralExpressionSyntax literal, CancellationToken cancellationToken)
        {
            SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            SyntaxToken? replacement = Rewrite(literal.Token);
            if (root is null || replacement is null)
            {
                return document;
            }

            return document.WithSyntaxRoot(root.ReplaceToken(literal.Token, replacement.Value));
        }

        private static SyntaxToken? Rewrite(SyntaxToken token)
        {
            if (token.Value is not string value)
            {
                return null;
            }

            int inValue = value.IndexOf("http://", StringComparison.OrdinalIgnoreCase);
            int inText = token.Text.IndexOf("http://", StringComparison.OrdinalIgnoreCase);
            if (inValue < 0 || inText < 0)
            {
                return null;
            }

            string newValue = value.Substring(0, inValue) + "https://" + value.Substring(inValue + "http://".Length);
            string newText = token.Text.Substring(0, inText) + "https://" + token.Text.Substring(inText + "http://".Length);
            return SyntaxFactory.Literal(token.LeadingTrivia, newText, newValue, token.TrailingTrivia);
        }
    }
}
