using System;
using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>MITI0001: replaces <c>http://</c> with <c>https://</c> in the reported string literal.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InsecureBaseUrlCodeFixProvider))]
    [Shared]
    public sealed class InsecureBaseUrlCodeFixProvider : MitiCodeFixProvider<LiteralExpressionSyntax>
    {
        /// <summary>Creates the provider.</summary>
        public InsecureBaseUrlCodeFixProvider()
            : base(DiagnosticIds.InsecureBaseUrl, "MITI0001_UseHttps")
        {
        }

        private protected override LiteralExpressionSyntax? FindTarget(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is LiteralExpressionSyntax literal
                && literal.IsKind(SyntaxKind.StringLiteralExpression)
                && Rewrite(literal.Token) is not null
                ? literal
                : null;

        private protected override string Title(LiteralExpressionSyntax target) => "Use https://";

        private protected override SyntaxNode Fix(SyntaxNode root, LiteralExpressionSyntax target)
        {
            return Rewrite(target.Token) is { } replacement ? root.ReplaceToken(target.Token, replacement) : root;
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
