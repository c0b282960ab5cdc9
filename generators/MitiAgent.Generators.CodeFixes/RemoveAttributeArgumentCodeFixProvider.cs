using System.Composition;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MitiAgent.Analyzers;

namespace MitiAgent.Generators.CodeFixes
{
    /// <summary>
    /// MITI0010: removes the unsupported argument from the handler attribute, and the parentheses when it was the only
    /// one (<c>[OnCancel(X = 1)]</c> becomes <c>[OnCancel]</c>).
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveAttributeArgumentCodeFixProvider))]
    [Shared]
    public sealed class RemoveAttributeArgumentCodeFixProvider : MitiCodeFixProvider<AttributeArgumentSyntax>
    {
        /// <summary>Creates the provider.</summary>
        public RemoveAttributeArgumentCodeFixProvider()
            : base(DiagnosticIds.UnsupportedHandlerAttributeArgument, "MITI0010_RemoveArgument")
        {
        }

        private protected override AttributeArgumentSyntax? FindTarget(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) as AttributeArgumentSyntax;

        private protected override string Title(AttributeArgumentSyntax target) => "Remove the argument '" + target + "'";

        private protected override SyntaxNode Fix(SyntaxNode root, AttributeArgumentSyntax target)
        {
            if (target.Parent is not AttributeArgumentListSyntax list)
            {
                return root;
            }

            if (list.Arguments.Count == 1 && list.Parent is AttributeSyntax attribute)
            {
                return root.ReplaceNode(attribute, attribute.WithArgumentList(null).WithTriviaFrom(attribute));
            }

            return root.ReplaceNode(list, list.WithArguments(list.Arguments.Remove(target)));
        }
    }
}
