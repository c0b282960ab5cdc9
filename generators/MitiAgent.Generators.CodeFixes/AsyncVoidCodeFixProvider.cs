using System.Composition;
using Microsoft.CodeAnalysis;
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
    public sealed class AsyncVoidCodeFixProvider : MitiCodeFixProvider<PredefinedTypeSyntax>
    {
        /// <summary>Creates the provider.</summary>
        public AsyncVoidCodeFixProvider()
            : base(DiagnosticIds.AsyncVoidHandler, "MITI0004_ReturnTask")
        {
        }

        private protected override PredefinedTypeSyntax? FindTarget(SyntaxNode root, Diagnostic diagnostic) =>
            root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is PredefinedTypeSyntax returnType
                && returnType.Keyword.IsKind(SyntaxKind.VoidKeyword)
                ? returnType
                : null;

        private protected override string Title(PredefinedTypeSyntax target) => "Return Task instead of void";

        private protected override SyntaxNode Fix(SyntaxNode root, PredefinedTypeSyntax target)
        {
            TypeSyntax task = SyntaxFactory.ParseTypeName("global::System.Threading.Tasks.Task")
                .WithTriviaFrom(target)
                .WithAdditionalAnnotations(Simplifier.Annotation);
            return root.ReplaceNode(target, task);
        }
    }
}
