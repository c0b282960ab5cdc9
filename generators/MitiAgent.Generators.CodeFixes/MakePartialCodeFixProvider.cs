using System.Collections.Generic;
using System.Composition;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>MITI0002: adds <c>partial</c> to the reported type and to every containing type that lacks it.</summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider))]
    [Shared]
    public sealed class MakePartialCodeFixProvider : MitiCodeFixProvider<TypeDeclarationSyntax>
    {
        /// <summary>Creates the provider.</summary>
        public MakePartialCodeFixProvider()
            : base(DiagnosticIds.TypeNotPartial, "MITI0002_MakePartial")
        {
        }

        private protected override TypeDeclarationSyntax? FindTarget(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindToken(diagnostic.Location.SourceSpan.Start).Parent as TypeDeclarationSyntax;

        private protected override string Title(TypeDeclarationSyntax target) => "Make '" + target.Identifier.ValueText + "' and its containing types partial";

        private protected override SyntaxNode Fix(SyntaxNode root, TypeDeclarationSyntax target)
        {
            List<TypeDeclarationSyntax> targets = target.AncestorsAndSelf()
                .OfType<TypeDeclarationSyntax>()
                .Where(type => !type.Modifiers.Any(SyntaxKind.PartialKeyword))
                .ToList();
            return root.ReplaceNodes(targets, (original, rewritten) => AddPartial(rewritten));
        }

        private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
        {
            // 'partial' goes last among the modifiers, right before the keyword, taking over the keyword's
            // leading trivia when there are no modifiers so that indentation is kept.
            if (type.Modifiers.Count == 0)
            {
                SyntaxToken keyword = type.Keyword;
                SyntaxToken partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
                return type
                    .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                    .WithModifiers(SyntaxFactory.TokenList(partial));
            }

            return type.WithModifiers(type.Modifiers.Add(
                SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space))));
        }
    }
}
